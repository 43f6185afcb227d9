/**
 * The blas backend's BatchMatMul and _FusedMatMul against a float64 product computed here and
 * against the wasm backend's own kernels, over transposes, batch broadcasting, ranks 2-4, K = 1,
 * M or N = 1, zero-size dimensions, fused biases and activations, dtypes, and gradients.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { FUSED_ACTIVATIONS } from '../../src/blas/matmul-kernels';
import { values } from '../support/values';

interface Case {
  a: number[];
  b: number[];
  transposeA?: boolean;
  transposeB?: boolean;
}

/** op(A) op(B) in float64 with numpy's batch broadcasting (size-1 dimensions repeat). */
function reference({ a, b, transposeA = false, transposeB = false }: Case, av: Float32Array, bv: Float32Array): { shape: number[]; data: Float64Array } {
  const [a0, a1] = a.slice(-2);
  const [b0, b1] = b.slice(-2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const n = transposeB ? b0 : b1;
  const rank = Math.max(a.length, b.length) - 2;
  const pad = (s: number[]) => [...Array<number>(rank - (s.length - 2)).fill(1), ...s.slice(0, -2)];
  const ab = pad(a);
  const bb = pad(b);
  const outBatch = ab.map((d, i) => Math.max(d, bb[i]));
  const total = outBatch.reduce((x, y) => x * y, 1);
  const data = new Float64Array(total * m * n);
  for (let i = 0; i < total; i++) {
    // Multi-index of output batch i, then each operand's matrix index (size-1 dims stay 0).
    let rest = i;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      ia += (ab[d] === 1 ? 0 : idx) * sa;
      ib += (bb[d] === 1 ? 0 : idx) * sb;
      sa *= ab[d];
      sb *= bb[d];
    }
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          const x = transposeA ? av[ia * m * k + j * m + r] : av[ia * m * k + r * k + j];
          const y = transposeB ? bv[ib * k * n + c * k + j] : bv[ib * k * n + j * n + c];
          sum += x * y;
        }
        data[i * m * n + r * n + c] = sum;
      }
    }
  }
  return { shape: [...outBatch, m, n], data };
}

function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

/** float32 products of K terms in [-1, 1): rounding stays far below this. */
const TOL = 1e-5;

async function on<T extends tf.TensorContainer>(backend: 'blas' | 'wasm' | 'cpu', f: () => T): Promise<T> {
  await initBackend(backend);
  return tf.tidy(f);
}

function matMulOn(c: Case, av: Float32Array, bv: Float32Array) {
  return () => {
    const out = tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.transposeA, c.transposeB);
    return { shape: out.shape, data: out.dataSync() as Float32Array };
  };
}

afterAll(() => initBackend());

describe('BatchMatMul', () => {
  const transposes = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;
  const shapes: [string, number[], number[]][] = [
    ['2-D', [5, 7], [7, 4]],
    ['3-D, same batch', [3, 5, 7], [3, 7, 4]],
    ['3-D x 2-D (b broadcast)', [3, 5, 7], [7, 4]],
    ['2-D x 3-D (a broadcast)', [5, 7], [3, 7, 4]],
    ['batch 1 vs B', [1, 5, 7], [4, 7, 4]],
    ['rank 4', [2, 3, 5, 7], [2, 3, 7, 4]],
    ['rank 4 x rank 2', [2, 3, 5, 7], [7, 4]],
    ['K = 1', [6, 1], [1, 5]],
    ['M = 1', [1, 9], [9, 4]],
    ['N = 1', [4, 9], [9, 1]],
    ['M = N = 1 (dot product)', [1, 33], [33, 1]],
    ['large enough for threads', [2, 96, 130], [130, 70]],
  ];
  for (const [name, a, b] of shapes) {
    for (const [transposeA, transposeB] of transposes) {
      test(`${name}, transposeA=${transposeA} transposeB=${transposeB}: as float64 and as wasm`, async () => {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
        const c: Case = { a: swap(a, transposeA), b: swap(b, transposeB), transposeA, transposeB };
        const av = values(c.a.reduce((x, y) => x * y, 1), 1);
        const bv = values(c.b.reduce((x, y) => x * y, 1), 2);
        const want = reference(c, av, bv);
        const blas = await on('blas', matMulOn(c, av, bv));
        const wasm = await on('wasm', matMulOn(c, av, bv));
        expect(blas.shape).toEqual(want.shape);
        expect(wasm.shape).toEqual(want.shape);
        expect(maxDiff(blas.data, want.data)).toBeLessThan(TOL);
        expect(maxDiff(blas.data, wasm.data)).toBeLessThan(TOL);
      });
    }
  }

  // The wasm (and cpu) kernels flatten the batch dimensions and index each operand modulo its
  // batch size, which is numpy's broadcasting only when one side has one matrix or both agree.
  test.each([
    ['inner batch broadcast ([2, 1] x [2, 3])', [2, 1, 5, 7], [2, 3, 7, 4], [2, 3, 5, 4]],
    ['both sides broadcast ([2, 1] x [1, 3])', [2, 1, 4, 5], [1, 3, 5, 2], [2, 3, 4, 2]],
  ])('%s: as float64 (numpy broadcasting, where the tfjs kernels index modulo)', async (_name, a, b, outShape) => {
    const c: Case = { a, b };
    const av = values(a.reduce((x, y) => x * y, 1), 3);
    const bv = values(b.reduce((x, y) => x * y, 1), 4);
    const want = reference(c, av, bv);
    const blas = await on('blas', matMulOn(c, av, bv));
    expect(blas.shape).toEqual(outShape);
    expect(maxDiff(blas.data, want.data)).toBeLessThan(TOL);
  });

  test.each([
    ['M = 0', [0, 3], [3, 4], [0, 4]],
    ['N = 0', [2, 3], [3, 0], [2, 0]],
    ['batch 0', [0, 2, 3], [3, 4], [0, 2, 4]],
    ['K = 0: zeros', [2, 0], [0, 4], [2, 4]],
  ])('zero-size %s', async (_name, a, b, outShape) => {
    const av = values(a.reduce((x, y) => x * y, 1), 5);
    const bv = values(b.reduce((x, y) => x * y, 1), 6);
    const blas = await on('blas', matMulOn({ a, b }, av, bv));
    expect(blas.shape).toEqual(outShape);
    expect(Array.from(blas.data)).toEqual(new Array(outShape.reduce((x, y) => x * y, 1)).fill(0));
  });

  test('float32 only, as the wasm kernel: int32 operands are refused by name; mixed dtypes are cast by tfjs first', async () => {
    await initBackend('blas');
    const i32 = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    expect(() => tf.matMul(i32, i32)).toThrow(/BatchMatMul on the blas backend supports float32 tensors only; got int32 x int32/);
    const mixed = tf.tidy(() => tf.matMul(i32, tf.tensor2d([1, 0, 0, 1], [2, 2])).arraySync());
    expect(mixed).toEqual([[1, 2], [3, 4]]);
    i32.dispose();
    await initBackend('wasm');
    const w = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    expect(() => tf.matMul(w, w)).toThrow(/non-float32/);
    w.dispose();
  });
});

describe('_FusedMatMul', () => {
  const activations = FUSED_ACTIVATIONS;
  const a = values(5 * 7, 7);
  const b = values(7 * 4, 8);
  const biasValues = values(4, 9);
  const preluWeights = values(4, 10);

  const fusedOn = (activation: string, bias: boolean, transposeB = false) => () => {
    const out = tf.fused.matMul({
      a: tf.tensor2d(a, [5, 7]),
      b: tf.tensor2d(b, transposeB ? [4, 7] : [7, 4]),
      transposeB,
      bias: bias ? tf.tensor1d(biasValues) : undefined,
      activation: activation as 'linear',
      preluActivationWeights: activation === 'prelu' ? tf.tensor1d(preluWeights) : undefined,
      leakyreluAlpha: 0.3,
    });
    return { shape: out.shape, data: out.dataSync() as Float32Array };
  };

  for (const activation of activations) {
    for (const bias of [true, false]) {
      for (const transposeB of [false, true]) {
        // wasm's fused kernel adds the bias at the wrong columns when b is transposed (tfjs 4.22:
        // [[1,2,3],[4,5,6]] x [[1,0,0],[0,1,0]]^T + [10, 20] gives [[11,22],[24,25]]); there the
        // cpu backend's kernel, tfjs's reference implementation, is the comparison.
        const other = bias && transposeB ? 'cpu' : 'wasm';
        test(`${activation}${bias ? ' + bias' : ''}, transposeB=${transposeB}: as the ${other} kernel`, async () => {
          const blas = await on('blas', fusedOn(activation, bias, transposeB));
          const want = await on(other, fusedOn(activation, bias, transposeB));
          expect(blas.shape).toEqual([5, 4]);
          expect(maxDiff(blas.data, want.data)).toBeLessThan(TOL);
        });
      }
    }
  }

  test('relu + bias against float64: the activation really applies', async () => {
    const blas = await on('blas', fusedOn('relu', true));
    const want = reference({ a: [5, 7], b: [7, 4] }, a, b).data.map((v, i) => Math.max(0, v + biasValues[i % 4]));
    expect(want.some((v) => v === 0) && want.some((v) => v > 0)).toBe(true);
    expect(maxDiff(blas.data, want)).toBeLessThan(TOL);
  });

  test.each([
    ['a row bias [1, N] on a batch', [3, 5, 7], [7, 4], [1, 4]],
    ['a bias per row [M, 1] (not fusable into sgemm)', [5, 7], [7, 4], [5, 1]],
    ['a scalar-like bias [1]', [3, 5, 7], [7, 4], [1]],
    ['a full bias [B, M, N]', [3, 5, 7], [7, 4], [3, 5, 4]],
  ])('bias broadcast like tf.add: %s (as float64; wasm takes rank-1 biases only)', async (_name, aShape, bShape, biasShape) => {
    const biasFull = values(biasShape.reduce((x, y) => x * y, 1), 11);
    const blas = await on('blas', () => {
      // Any rank goes through the kernel; the op's type only names rank 2.
      const [at, bt]: tf.Tensor[] = [tf.tensor(values(aShape.reduce((x, y) => x * y, 1), 12), aShape), tf.tensor(b, bShape)];
      const out = tf.fused.matMul({
        a: at as tf.Tensor2D,
        b: bt as tf.Tensor2D,
        bias: tf.tensor(biasFull, biasShape),
      });
      return { shape: out.shape, data: out.dataSync() as Float32Array };
    });
    const product = reference({ a: aShape, b: bShape }, values(aShape.reduce((x, y) => x * y, 1), 12), b);
    const want = await on('blas', () => tf.add(tf.tensor(Float32Array.from(product.data), product.shape), tf.tensor(biasFull, biasShape)).dataSync());
    expect(blas.shape).toEqual(product.shape);
    expect(maxDiff(blas.data, want)).toBeLessThan(TOL);
  });

  test('a batched matmul with a rank-1 bias adds the bias to every row (the wasm kernel does not: it is checked against float64)', async () => {
    const aShape = [3, 5, 7];
    const av = values(105, 13);
    const blas = await on('blas', () => tf.fused.matMul({ a: tf.tensor3d(av, aShape as [number, number, number]), b: tf.tensor2d(b, [7, 4]), bias: tf.tensor1d(biasValues) }).dataSync());
    const want = reference({ a: aShape, b: [7, 4] }, av, b).data.map((v, i) => v + biasValues[i % 4]);
    expect(maxDiff(blas, want)).toBeLessThan(TOL);
  });

  test('K = 0 with a bias: the bias alone; M = 0: empty', async () => {
    const k0 = await on('blas', () => tf.fused.matMul({ a: tf.zeros([3, 0]) as tf.Tensor2D, b: tf.zeros([0, 4]) as tf.Tensor2D, bias: tf.tensor1d(biasValues), activation: 'relu' }).arraySync());
    expect(k0).toEqual([0, 1, 2].map(() => Array.from(biasValues).map((v) => Math.max(0, Math.fround(v)))));
    const m0 = await on('blas', () => tf.fused.matMul({ a: tf.zeros([0, 3]) as tf.Tensor2D, b: tf.zeros([3, 4]) as tf.Tensor2D, bias: tf.tensor1d(biasValues) }).shape);
    expect(m0).toEqual([0, 4]);
  });

  test('an activation tfjs does not fuse is refused by name', async () => {
    await initBackend('blas');
    const x = tf.ones([2, 2]);
    expect(() => tf.engine().runKernel(tf._FusedMatMul, { a: x, b: x }, { transposeA: false, transposeB: false, activation: 'swish' }))
      .toThrow(/unknown activation 'swish'; tfjs fuses linear, relu, relu6, elu, sigmoid, leakyrelu, prelu/);
    x.dispose();
  });
});

/**
 * tfjs's BatchMatMul gradient (gradients/BatchMatMul_grad) is matmuls of dy with the operands, one
 * transpose combination per case; training (autograd) runs exactly these on this backend.
 */
describe('gradient products', () => {
  const cases: Case[] = [
    { a: [5, 7], b: [7, 4] },
    { a: [5, 7], b: [4, 7], transposeB: true },
    { a: [7, 5], b: [7, 4], transposeA: true },
    { a: [7, 5], b: [4, 7], transposeA: true, transposeB: true },
  ];
  test.each(cases)('d/da, d/db of sum(dy * matMul(a, b)), $a x $b, transposeA=$transposeA transposeB=$transposeB: as float64', async (c) => {
    const av = values(c.a.reduce((x, y) => x * y, 1), 14);
    const bv = values(c.b.reduce((x, y) => x * y, 1), 15);
    const out = reference(c, av, bv);
    const dyv = values(out.data.length, 16);
    const [dA, dB] = await on('blas', () => {
      const [a, b, dy] = [tf.tensor2d(av, c.a as [number, number]), tf.tensor2d(bv, c.b as [number, number]), tf.tensor2d(dyv, out.shape as [number, number])];
      const grads = !c.transposeA && !c.transposeB ? [tf.matMul(dy, b, false, true), tf.matMul(a, dy, true, false)]
        : !c.transposeA ? [tf.matMul(dy, b, false, false), tf.matMul(dy, a, true, false)]
          : !c.transposeB ? [tf.matMul(b, dy, false, true), tf.matMul(a, dy, false, false)]
            : [tf.matMul(b, dy, true, true), tf.matMul(dy, a, true, true)];
      return grads.map((g) => g.dataSync() as Float32Array);
    });
    // Unit finite differences are exact: the loss is linear in each operand.
    const loss = (x: Float32Array, y: Float32Array) => reference(c, x, y).data.reduce((s, v, i) => s + v * dyv[i], 0);
    const base = loss(av, bv);
    const numeric = (v: Float32Array, which: 0 | 1) =>
      Array.from(v, (_, i) => {
        const bumped = Float64Array.from(v) as unknown as Float32Array;
        bumped[i] += 1;
        return which === 0 ? loss(bumped, bv) - base : loss(av, bumped) - base;
      });
    expect(maxDiff(dA, numeric(av, 0))).toBeLessThan(TOL);
    expect(maxDiff(dB, numeric(bv, 1))).toBeLessThan(TOL);
  });
});

test('no tensor leak and no wasm-heap growth over repeated products', async () => {
  await initBackend('blas');
  const a = tf.tensor(values(2 * 64 * 96, 17), [2, 64, 96]);
  const b = tf.tensor(values(96 * 80, 18), [96, 80]);
  const bias = tf.tensor1d(values(80, 19));
  const run = () => tf.tidy(() => tf.add(tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor2D, bias, activation: 'relu' }), tf.matMul(a, b)).dataSync());
  run();
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const tensors = tf.memory().numTensors;
  const bytes = heap();
  for (let i = 0; i < 20; i++) run();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(heap()).toBe(bytes);
  tf.dispose([a, b, bias]);
});
