/** The blas backend's Slice (heap to heap) against the wasm kernel: contiguous or not, ranks 1-5, dtypes, empty. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';

type Case = [string, number[], number[], number[]];
const cases: Case[] = [
  ['rank 1', [10], [3], [4]],
  ['rows (contiguous)', [6, 5], [2, 0], [3, -1]],
  ['columns', [6, 5], [0, 1], [-1, 3]],
  ['a block', [6, 5], [1, 2], [4, 2]],
  ['batch element (contiguous)', [3, 4, 5], [1, 0, 0], [1, 4, 5]],
  ['rank 3, inner rows', [3, 4, 5], [0, 1, 0], [-1, 2, -1]],
  ['rank 3, everything partial', [3, 4, 5], [1, 1, 2], [2, 3, 2]],
  ['rank 4', [2, 3, 4, 5], [1, 0, 2, 1], [1, 3, 2, 3]],
  ['rank 5', [2, 2, 3, 2, 4], [0, 1, 1, 0, 1], [2, 1, 2, 2, 2]],
  ['zero-size', [4, 5], [1, 0], [0, 5]],
  ['the whole tensor', [4, 5], [0, 0], [-1, -1]],
];

function sliceOn(dtype: 'float32' | 'int32' | 'bool', shape: number[], begin: number[], size: number[]) {
  return tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i % 3 === 0 ? 1 : 0) : dtype === 'int32' ? i * 7 - 50 : i * 0.25 - 3));
    const out = tf.slice(tf.tensor(values, shape, dtype), begin, size);
    return { shape: out.shape, dtype: out.dtype, values: Array.from(out.dataSync()) };
  });
}

afterAll(() => initBackend());

describe.each(['float32', 'int32', 'bool'] as const)('%s', (dtype) => {
  test.each(cases)('%s: as the wasm kernel', async (_name, shape, begin, size) => {
    await initBackend('blas');
    const blas = sliceOn(dtype, shape, begin, size);
    await initBackend('wasm');
    const wasm = sliceOn(dtype, shape, begin, size);
    expect(blas).toEqual(wasm);
  });
});

test('strings still slice (through the wasm kernel)', async () => {
  await initBackend('blas');
  const out = tf.tidy(() => tf.slice(tf.tensor(['a', 'b', 'c', 'd'], [2, 2]), [0, 1], [2, 1]).arraySync());
  expect(out).toEqual([['b'], ['d']]);
});

test('no tensor leak and no heap growth over repeated slices', async () => {
  await initBackend('blas');
  const x = tf.randomNormal([64, 96]);
  const run = () => tf.tidy(() => tf.add(tf.slice(x, [0, 8], [32, 32]), tf.slice(x, [8, 0], [32, 32])).dataSync());
  run();
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const [tensors, bytes] = [tf.memory().numTensors, heap()];
  for (let i = 0; i < 20; i++) run();
  expect([tf.memory().numTensors, heap()]).toEqual([tensors, bytes]);
  x.dispose();
});
