/**
 * The blas Mean kernel (cblas_sgemv over the innermost axes) against a float64 mean and the wasm
 * kernel, for the shapes and attributes tf.mean takes; the cases it leaves to the wasm kernel
 * (other axes, int32, empty tensors) give the wasm kernel's results.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { values } from '../support/values';

function meanOn(backend: 'blas' | 'wasm', data: Float32Array | Int32Array, shape: number[], axis: number | number[] | undefined, keepDims: boolean) {
  return initBackend(backend).then(() =>
    tf.tidy(() => {
      const out = tf.mean(tf.tensor(data, shape, data instanceof Int32Array ? 'int32' : 'float32'), axis, keepDims);
      return { shape: out.shape, dtype: out.dtype, data: Array.from(out.dataSync()) };
    }),
  );
}

/** Means over the innermost `count` axes, in float64. */
function reference(data: Float32Array, shape: number[], count: number): number[] {
  const columns = shape.slice(shape.length - count).reduce((a, b) => a * b, 1);
  return Array.from({ length: data.length / columns }, (_, r) => data.subarray(r * columns, (r + 1) * columns).reduce((s, x) => s + x, 0) / columns);
}

afterAll(() => initBackend());

test.each([
  ['LayerNorm rows [512, 1024], axis -1, keepDims', [512, 1024], -1, true, 1],
  ['image tokens [1000, 261], axis 1', [1000, 261], 1, false, 1],
  ['3-D, last two axes', [3, 4, 5], [1, 2], false, 2],
  ['3-D, last two axes given in reverse, keepDims', [3, 4, 5], [2, -2], true, 2],
  ['rank 1, everything', [37], undefined, false, 1],
  ['rank 4, all axes', [2, 3, 4, 5], [0, 1, 2, 3], true, 4],
  ['one column', [7, 1], -1, false, 1],
] as [string, number[], number | number[] | undefined, boolean, number][])('%s: as float64 and as wasm', async (_name, shape, axis, keepDims, count) => {
  const data = values(shape.reduce((a, b) => a * b, 1), 11);
  const blas = await meanOn('blas', data, shape, axis, keepDims);
  const wasm = await meanOn('wasm', data, shape, axis, keepDims);
  expect(blas.shape).toEqual(wasm.shape);
  const want = reference(data, shape, count);
  // float32 sums of up to 1024 terms in [-1, 1), divided: rounding far below this.
  blas.data.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
  blas.data.forEach((v, i) => expect(Math.abs(v - wasm.data[i])).toBeLessThan(1e-6));
});

test.each([
  ['an outer axis (transposed by the wasm kernel)', values(60, 12), [3, 4, 5], 0, false],
  ['the middle axis, keepDims', values(60, 13), [3, 4, 5], 1, true],
  ['int32 input', Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7), [3, 4], -1, false],
  ['an empty tensor', new Float32Array(0), [0, 4], -1, false],
] as [string, Float32Array | Int32Array, number[], number, boolean][])('%s: the wasm kernel result', async (_name, data, shape, axis, keepDims) => {
  const blas = await meanOn('blas', data, shape, axis, keepDims);
  const wasm = await meanOn('wasm', data, shape, axis, keepDims);
  expect(blas).toEqual(wasm);
});

test('no tensor or heap growth over repeated means', async () => {
  await initBackend('blas');
  const x = tf.tensor2d(values(512 * 1024, 14), [512, 1024]);
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  tf.mean(x, -1, true).dispose();
  const [tensors, bytes] = [tf.memory().numTensors, heap()];
  for (let i = 0; i < 20; i++) tf.mean(x, -1, true).dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(heap()).toBe(bytes);
  x.dispose();
});
