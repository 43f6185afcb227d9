/**
 * Matrix products on blocks of columns (one attention head's q, k or v) without copying them out.
 * Where the backend has the PerceiverBlockMatMul kernel (blas: sgemm reads a block in place through
 * its leading dimension) a block is a view; elsewhere, and while a gradient tape records (the kernel
 * has no gradient), it is a slice, and the product is tf.matMul.
 */
import { tf } from '../tf';

export const BLOCK_MATMUL = 'PerceiverBlockMatMul';

/** Columns [start, start + width) of x [R, C], multiplied in place. */
export interface ColumnBlock {
  x: tf.Tensor2D;
  start: number;
  width: number;
}

export type MatMulOperand = tf.Tensor2D | ColumnBlock;

function blocksInPlace(): boolean {
  return !tf.engine().isTapeOn() && tf.getKernel(BLOCK_MATMUL, tf.getBackend()) !== undefined;
}

/** x[:, start : start + width] as a matMul operand: a view where blocks multiply in place, else a slice. */
export function columnBlock(x: tf.Tensor2D, start: number, width: number): MatMulOperand {
  if (start === 0 && width === x.shape[1]) return x;
  if (blocksInPlace()) return { x, start, width };
  return tf.slice(x, [0, start], [-1, width]);
}

/** a @ b, or a @ b^T with transposeB: [m, k] x [k, n] (or [n, k]) -> [m, n]. */
export function matMulBlocks(a: MatMulOperand, b: MatMulOperand, transposeB = false): tf.Tensor2D {
  if (a instanceof tf.Tensor && b instanceof tf.Tensor) return tf.matMul(a, b, false, transposeB);
  // Views are only made where the kernel exists (columnBlock), so it runs here.
  const [av, bv] = [a, b].map((o) => (o instanceof tf.Tensor ? { x: o, start: 0, width: o.shape[1] } : o));
  return tf.engine().runKernel(BLOCK_MATMUL, { a: av.x, b: bv.x }, {
    aStart: av.start, aWidth: av.width, bStart: bv.start, bWidth: bv.width, transposeB,
  }) as tf.Tensor2D;
}
