/**
 * PerceiverBlockMatMul on the blas backend (see layers/column-blocks.ts): a[:, aBlock] @ b[:, bBlock]
 * (or @ its transpose), one sgemm reading each block in place through its leading dimension, so
 * the attention's per-head q, k and v are never copied out of their projections.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { BLOCK_MATMUL } from '../layers/column-blocks';
import { SgemmFunction } from './library';
import { BLAS_BACKEND_NAME, checkFloat32, sgemmAt } from './matmul-kernels';
import { heapF32, heapOffset } from '../wasm-heap/heap';

interface BlockAttrs {
  aStart: number;
  aWidth: number;
  bStart: number;
  bWidth: number;
  transposeB: boolean;
}

function checkBlock(name: string, x: tf.TensorInfo, start: number, width: number): void {
  if (x.shape.length !== 2) throw new Error(`${BLOCK_MATMUL}: ${name} must be 2-D; got [${x.shape}]`);
  if (!Number.isInteger(start) || !Number.isInteger(width) || start < 0 || width < 0 || start + width > x.shape[1]) {
    throw new Error(`${BLOCK_MATMUL}: columns [${start}, ${start + width}) are outside ${name} [${x.shape}]`);
  }
}

function blockMatMul(backend: BackendWasm, sgemm: SgemmFunction, a: tf.TensorInfo, b: tf.TensorInfo, attrs: BlockAttrs): tf.TensorInfo {
  const { aStart, aWidth, bStart, bWidth, transposeB } = attrs;
  checkFloat32(BLOCK_MATMUL, a, b);
  checkBlock('a', a, aStart, aWidth);
  checkBlock('b', b, bStart, bWidth);
  const m = a.shape[0];
  const [kB, n] = transposeB ? [bWidth, b.shape[0]] : [b.shape[0], bWidth];
  if (aWidth !== kB) {
    throw new Error(`${BLOCK_MATMUL}: inner dimensions ${aWidth} and ${kB} of the blocks of [${a.shape}] and [${b.shape}] (transposeB=${transposeB}) must match`);
  }
  const out = backend.makeOutput([m, n], 'float32');
  if (m * n === 0) return out;
  const heap = heapF32(backend); // after makeOutput: allocating may have grown the heap
  const c0 = heapOffset(backend, out);
  if (aWidth === 0) {
    heap.fill(0, c0, c0 + m * n);
    return out;
  }
  sgemmAt(
    sgemm, heap, false, transposeB, m, n, aWidth,
    { offset: heapOffset(backend, a) + aStart, ld: a.shape[1] },
    { offset: heapOffset(backend, b) + bStart, ld: b.shape[1] },
    { offset: c0, ld: n }, 0,
  );
  return out;
}

export function blockMatMulKernel(sgemm: SgemmFunction): tf.KernelConfig {
  return {
    kernelName: BLOCK_MATMUL,
    backendName: BLAS_BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) =>
      blockMatMul(backend as BackendWasm, sgemm, inputs.a!, inputs.b!, attrs as unknown as BlockAttrs),
  };
}
