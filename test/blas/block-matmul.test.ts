/**
 * PerceiverBlockMatMul (layers/column-blocks.ts) on blas: products of column blocks read in place
 * against a float64 product of the same blocks, over block positions, transposeB, empty and
 * one-wide blocks; bad blocks and dtypes are refused with messages; under a gradient tape and on
 * backends without the kernel the blocks are slices and gradients flow.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { BLOCK_MATMUL, columnBlock, matMulBlocks } from '../../src/layers/column-blocks';
import { registerTrainingGradients } from '../../src/train/gradients';
import { values } from '../support/values';

interface Block {
  shape: [number, number];
  start: number;
  width: number;
}

/** x[:, start : start + width] of a row-major [R, C] array, as rows of float64. */
function blockRows({ shape: [r, c], start, width }: Block, data: Float32Array): number[][] {
  return Array.from({ length: r }, (_, i) => Array.from(data.subarray(i * c + start, i * c + start + width)));
}

function product(a: number[][], b: number[][], transposeB: boolean, n: number): number[] {
  const bt = transposeB ? b : b.length ? b[0].map((_, j) => b.map((row) => row[j])) : Array.from({ length: n }, () => []);
  return a.flatMap((row) => bt.map((col) => row.reduce((s, x, k) => s + x * col[k], 0)));
}

const TOL = 1e-5; // float32 sums of at most 40 products in [-1, 1)

beforeAll(() => initBackend('blas'));
afterAll(() => initBackend());

const cases: [string, Block, Block, boolean][] = [
  ['a head of q times a head of k^T', { shape: [6, 12], start: 4, width: 4 }, { shape: [5, 12], start: 4, width: 4 }, true],
  ['the last head', { shape: [6, 12], start: 8, width: 4 }, { shape: [5, 12], start: 8, width: 4 }, true],
  ['probabilities times a head of v', { shape: [6, 5], start: 0, width: 5 }, { shape: [5, 9], start: 3, width: 3 }, false],
  ['blocks of different matrices', { shape: [3, 40], start: 7, width: 33 }, { shape: [33, 10], start: 9, width: 1 }, false],
  ['one-wide inner dimension', { shape: [4, 6], start: 5, width: 1 }, { shape: [7, 6], start: 2, width: 1 }, true],
  ['whole matrices', { shape: [4, 6], start: 0, width: 6 }, { shape: [6, 3], start: 0, width: 3 }, false],
  ['large enough for threads', { shape: [96, 260], start: 130, width: 130 }, { shape: [70, 390], start: 0, width: 130 }, true],
];

test.each(cases)('%s: as float64', (_name, a, b, transposeB) => {
  const [av, bv] = [values(a.shape[0] * a.shape[1], 1), values(b.shape[0] * b.shape[1], 2)];
  const n = transposeB ? b.shape[0] : b.width;
  const want = product(blockRows(a, av), blockRows(b, bv), transposeB, n);
  tf.tidy(() => {
    const ax = tf.tensor2d(av, a.shape);
    const bx = tf.tensor2d(bv, b.shape);
    const before = tf.memory().numTensors;
    const out = matMulBlocks(columnBlock(ax, a.start, a.width), columnBlock(bx, b.start, b.width), transposeB);
    expect(tf.memory().numTensors).toBe(before + 1); // the product only: no slice was made
    expect(out.shape).toEqual([a.shape[0], n]);
    const got = out.dataSync();
    expect(Math.max(...want.map((w, i) => Math.abs(got[i] - w)))).toBeLessThan(TOL);
  });
});

test('an empty inner block gives zeros; an empty outer one an empty product', () => {
  tf.tidy(() => {
    const a = tf.tensor2d(values(12, 3), [3, 4]);
    const b = tf.tensor2d(values(20, 4), [5, 4]);
    const run = (aStart: number, aWidth: number, bStart: number, bWidth: number) =>
      tf.engine().runKernel(BLOCK_MATMUL, { a, b }, { aStart, aWidth, bStart, bWidth, transposeB: true }) as tf.Tensor2D;
    expect(Array.from(run(2, 0, 1, 0).dataSync())).toEqual(new Array(15).fill(0));
    const none = tf.tensor2d([], [0, 4]);
    expect((tf.engine().runKernel(BLOCK_MATMUL, { a: none, b }, { aStart: 0, aWidth: 4, bStart: 0, bWidth: 4, transposeB: true }) as tf.Tensor).shape).toEqual([0, 5]);
  });
});

test.each([
  ['a block past the last column', { aStart: 2, aWidth: 3, bStart: 0, bWidth: 3 }, /columns \[2, 5\) are outside a \[3,4\]/],
  ['a negative start', { aStart: 0, aWidth: 3, bStart: -1, bWidth: 3 }, /columns \[-1, 2\) are outside b \[5,4\]/],
  ['inner dimensions that differ', { aStart: 0, aWidth: 3, bStart: 0, bWidth: 2 }, /inner dimensions 3 and 2/],
])('refuses %s, naming it', (_name, attrs, message) => {
  tf.tidy(() => {
    const a = tf.tensor2d(values(12, 5), [3, 4]);
    const b = tf.tensor2d(values(20, 6), [5, 4]);
    expect(() => tf.engine().runKernel(BLOCK_MATMUL, { a, b }, { ...attrs, transposeB: true })).toThrow(message);
  });
});

test('refuses int32 operands as the other blas matrix products do', () => {
  tf.tidy(() => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    expect(() => tf.engine().runKernel(BLOCK_MATMUL, { a, b: a }, { aStart: 0, aWidth: 1, bStart: 0, bWidth: 1, transposeB: true })).toThrow(/float32 tensors only; got int32/);
  });
});

test('under a gradient tape blocks are slices, and the gradient reaches only the block', () => {
  registerTrainingGradients();
  const x = tf.tensor2d(values(24, 7), [4, 6]);
  const y = tf.tensor2d(values(12, 8), [2, 6]);
  const grad = tf.grad((a: tf.Tensor) => {
    const block = columnBlock(a as tf.Tensor2D, 2, 3);
    expect(block).toBeInstanceOf(tf.Tensor);
    return tf.sum(matMulBlocks(block, columnBlock(y, 1, 3), true));
  })(x);
  const g = grad.arraySync() as number[][];
  const yRows = y.arraySync();
  for (const row of g) expect(row).toEqual([0, 0, ...[1, 2, 3].map((j) => Math.fround(yRows[0][j] + yRows[1][j])), 0]);
  tf.dispose([x, y, grad]);
});

test('on wasm (no kernel) a block is a slice and the product tf.matMul', async () => {
  await initBackend('wasm');
  tf.tidy(() => {
    const x = tf.tensor2d(values(24, 9), [4, 6]);
    const block = columnBlock(x, 1, 2);
    expect(block).toBeInstanceOf(tf.Tensor);
    expect((block as tf.Tensor).shape).toEqual([4, 2]);
    expect(columnBlock(x, 0, 6)).toBe(x);
  });
  await initBackend('blas');
});
