/**
 * Mean over the innermost axes on the blas backend as one cblas_sgemv, y = (1/C) X [R, C] 1:
 * LayerNorm's two means per call were the largest kernel after the matrix products, and the
 * wasm kernel sums each row in a scalar loop on one thread. Every other case (axes that need a
 * transpose, non-float32 input, empty tensors) goes to the wasm kernel unchanged.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { CBLAS_NO_TRANS, CBLAS_ROW_MAJOR, SgemvFunction } from './library';
import { BLAS_BACKEND_NAME } from './matmul-kernels';
import { heapF32, heapOffset } from '../wasm-heap/heap';

let ones = new Float32Array(0);

/** A vector of at least n ones, kept for the next call. */
function onesOfLength(n: number): Float32Array {
  if (ones.length < n) ones = new Float32Array(n).fill(1);
  return ones;
}

/** Whether `axes` are the last axes of a rank-`rank` tensor, in any order. */
function innermost(axes: number[], rank: number): boolean {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((a, i) => a === rank - sorted.length + i);
}

/** The blas Mean kernel: `wasmMean` is the wasm backend's, kept for its setup and the other cases. */
export function meanKernel(wasmMean: tf.KernelConfig, sgemv: SgemvFunction): tf.KernelConfig {
  return {
    ...wasmMean,
    backendName: BLAS_BACKEND_NAME,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const size = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || size === 0 || !innermost(axes, x.shape.length)) return wasmMean.kernelFunc(args) as tf.TensorInfo;
      const backend = args.backend as BackendWasm;
      const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const columns = tf.util.sizeFromShape(reduceShape);
      const rows = size / columns;
      const out = backend.makeOutput(keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32');
      const heap = heapF32(backend); // after makeOutput: allocating may have grown the heap
      const [x0, y0] = [heapOffset(backend, x), heapOffset(backend, out)];
      sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, rows, columns, 1 / columns, heap.subarray(x0), columns, onesOfLength(columns), 1, 0, heap.subarray(y0), 1);
      return out;
    },
  };
}
