/**
 * Slice and Concat as heap-to-heap copies, on wasm and blas, against tfjs's cpu kernels (an
 * independent implementation): contiguous or not, ranks 1-5, dtypes, empty, heap growth. Identity
 * shares its input's data.
 */
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

const BACKENDS = ['wasm', 'blas'] as const;
const DTYPES = ['float32', 'int32', 'bool'] as const;
const COMBINATIONS = BACKENDS.flatMap((backend) => DTYPES.map((dtype) => [backend, dtype] as const));

describe.each(COMBINATIONS)('%s: slice %s', (backend, dtype) => {
  test.each(cases)('%s: as the cpu kernel', async (_name, shape, begin, size) => {
    await initBackend(backend);
    const got = sliceOn(dtype, shape, begin, size);
    await initBackend('cpu');
    expect(got).toEqual(sliceOn(dtype, shape, begin, size));
  });
});

type ConcatCase = [string, number[][], number];
const concatCases: ConcatCase[] = [
  ['rank 1', [[3], [4], [1]], 0],
  ['rows (axis 0)', [[2, 5], [3, 5]], 0],
  ['columns, as the image tokens [M, 3 | 258]', [[7, 3], [7, 9]], 1],
  ['axis -1 of rank 3, three inputs', [[2, 3, 1], [2, 3, 4], [2, 3, 2]], -1],
  ['middle axis of rank 4', [[2, 1, 3, 2], [2, 4, 3, 2]], 1],
  ['with an empty input', [[3, 0], [3, 4]], 1],
  ['all empty', [[0, 2], [0, 2]], 0],
  ['one input', [[2, 2]], 1],
];

function concatOn(dtype: 'float32' | 'int32' | 'bool', shapes: number[][], axis: number) {
  return tf.tidy(() => {
    let next = 0;
    const xs = shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(Array.from({ length: n }, () => (dtype === 'bool' ? next++ % 2 : dtype === 'int32' ? next++ * 3 : next++ * 0.5)), shape, dtype);
    });
    const out = tf.concat(xs, axis);
    return { shape: out.shape, dtype: out.dtype, values: Array.from(out.dataSync()) };
  });
}

describe.each(COMBINATIONS)('%s: concat %s', (backend, dtype) => {
  test.each(concatCases)('%s: as the cpu kernel', async (_name, shapes, axis) => {
    await initBackend(backend);
    const got = concatOn(dtype, shapes, axis);
    await initBackend('cpu');
    expect(got).toEqual(concatOn(dtype, shapes, axis));
  });
});

describe.each(BACKENDS)('%s', (backend) => {

  test('outputs that grow the wasm heap (its buffer is replaced mid-kernel) are still right', async () => {
    await initBackend(backend);
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const n = Math.ceil(heap() / 4);
    const big = tf.range(0, n, 1, 'int32');
    for (const f of [() => tf.slice(big, [1], [n - 1]), () => tf.concat([big, big])]) {
      const before = heap();
      const out = f();
      expect(heap()).toBeGreaterThan(before);
      const values = out.dataSync();
      expect([values[0], values[n - 2], values[values.length - 1]]).toEqual(values.length === n - 1 ? [1, n - 1, n - 1] : [0, n - 2, n - 1]);
      out.dispose();
    }
    big.dispose();
  });

  test('NaN and -0 are copied bit for bit', async () => {
    await initBackend(backend);
    const values = new Float32Array([NaN, -0, Infinity, 1.5]);
    const outputs = [tf.slice(tf.tensor2d(values, [2, 2]), [0, 0], [-1, 1]), tf.concat([tf.tensor1d(values), tf.tensor1d(values)])];
    const out = outputs.map((t) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
    tf.dispose(outputs);
    const bits = new Uint32Array(values.buffer);
    expect(Array.from(out[0])).toEqual([bits[0], bits[2]]);
    expect(Array.from(out[1])).toEqual([...bits, ...bits]);
  });

  test('strings still slice and concat (through the tfjs kernels)', async () => {
    await initBackend(backend);
    const out = tf.tidy(() => tf.slice(tf.tensor(['a', 'b', 'c', 'd'], [2, 2]), [0, 1], [2, 1]).arraySync());
    expect(out).toEqual([['b'], ['d']]);
    expect(tf.tidy(() => tf.concat([tf.tensor(['a']), tf.tensor(['b', 'c'])]).arraySync())).toEqual(['a', 'b', 'c']);
  });

  test('Identity (tf.clone) shares the data: no copy, and each handle outlives the other', async () => {
    await initBackend(backend);
    const buffers = () => tf.memory().numDataBuffers;
    const start = [tf.memory().numTensors, buffers()];
    for (const [values, dtype] of [[[1.5, -2, 3], 'float32'], [[7, -8], 'int32'], [['a', 'bc'], 'string']] as const) {
      const x = tf.tensor(values as never, undefined, dtype);
      const before = buffers();
      const y = tf.clone(x);
      expect([buffers(), y.dtype, y.shape]).toEqual([before, dtype, x.shape]);
      x.dispose();
      expect(Array.from(y.dataSync() as ArrayLike<unknown>).map(String)).toEqual(values.map(String));
      const z = tf.clone(y);
      y.dispose();
      expect(Array.from(z.dataSync() as ArrayLike<unknown>).map(String)).toEqual(values.map(String));
      z.dispose();
    }
    expect([tf.memory().numTensors, buffers()]).toEqual(start);
  });

  test('no tensor leak and no heap growth over repeated slices and concats', async () => {
    await initBackend(backend);
    const x = tf.randomNormal([64, 96]);
    const run = () => tf.tidy(() => tf.add(tf.slice(x, [0, 8], [32, 32]), tf.concat([tf.slice(x, [8, 0], [32, 16]), tf.slice(x, [8, 16], [32, 16])], 1)).dataSync());
    run();
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const [tensors, bytes] = [tf.memory().numTensors, heap()];
    for (let i = 0; i < 20; i++) run();
    expect([tf.memory().numTensors, heap()]).toEqual([tensors, bytes]);
    x.dispose();
  });
});
