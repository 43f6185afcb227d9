/** The load path's reused buffers: borrowed values equal the file's, the transpose is a transpose, tensors own their data. */
import '../../src/blas/node-entry';
import { initBackend } from '../../src/backend';
import { tf } from '../../src/tf';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { transpose2dInto } from '../../src/weights/transpose';
import { weightTensor } from '../../src/weights/weight-tensor';
import { fixturePath } from '../fixtures';

const tinyWeights = () => fixturePath('tiny', 'model.safetensors');

test('transpose2dInto: out[c][r] = in[r][c] for shapes that are not multiples of the tile', () => {
  for (const [rows, cols] of [[1, 1], [3, 17], [17, 3], [9, 8], [33, 65]]) {
    const values = Float32Array.from({ length: rows * cols }, (_, i) => i + 0.5);
    const out = transpose2dInto(values, rows, cols, new Float32Array(rows * cols));
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(out[c * rows + r]).toBe(values[r * cols + c]);
  }
});

test('borrowFloat32 of a file read tensor by tensor: the same values as float32, reusing one buffer', async () => {
  const whole = await SafetensorsFile.read(tinyWeights());
  const lazy = await SafetensorsFile.open(tinyWeights());
  const [a, b] = whole.names.filter((n) => whole.shapeOf(n).length === 2);
  const borrowedA = lazy.borrowFloat32(a);
  expect(Array.from(borrowedA)).toEqual(Array.from(whole.float32(a)));
  const borrowedB = lazy.borrowFloat32(b);
  expect(Array.from(borrowedB)).toEqual(Array.from(whole.float32(b)));
  expect(borrowedB.buffer).toBe(borrowedA.buffer); // the reuse the loader relies on (and copies for)
});

test.each(['cpu', 'wasm', 'blas'] as const)('weightTensor on %s copies (the borrowed buffer may change) and transposes', async (backend) => {
  await initBackend(backend);
  const values = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
  const same = weightTensor(values, [2, 3]);
  const transposed = weightTensor(values, [3, 2], [2, 3]);
  values.fill(0);
  expect(tf.getBackend()).toBe(backend);
  expect(Array.from(same.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  expect(Array.from(transposed.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
  tf.dispose([same, transposed]);
});
