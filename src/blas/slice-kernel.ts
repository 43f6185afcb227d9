/**
 * Slice of the blas backend. The wasm kernel first copies its whole input out of the heap
 * (`readSync`, a fresh ArrayBuffer: ~10 ms for a 2 MB [512, 1024] matrix here, 20x a matmul-sized
 * elementwise op), which made Slice the largest kernel of the model on blas. This one copies only
 * the slice, heap to heap: one block when it is contiguous, else one run per innermost row.
 * Strings go to the wasm kernel (they do not live on the heap).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { BLAS_BACKEND_NAME } from './matmul-kernels';

export function sliceOnHeap(x: tf.TensorInfo, begin: number[], size: number[], backend: BackendWasm): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  // Views after makeOutput: allocating may have grown the heap (a new buffer).
  const xVals = backend.typedArrayFromHeap(x);
  const outVals = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    outVals.set(xVals.subarray(offset, offset + outVals.length));
    return out;
  }
  // Innermost dimensions taken whole merge into one run with the first partial one.
  const rank = x.shape.length;
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const run = tf.util.sizeFromShape(size.slice(inner));
  const outer = size.slice(0, inner); // odometer over these
  const index = new Array<number>(inner).fill(0);
  const runs = tf.util.sizeFromShape(outer);
  const base = tf.slice_util.computeFlatOffset(begin, strides);
  for (let r = 0, o = 0; r < runs; r++, o += run) {
    let offset = base;
    for (let d = 0; d < inner; d++) offset += index[d] * strides[d];
    outVals.set(xVals.subarray(offset, offset + run), o);
    for (let d = inner - 1; d >= 0 && ++index[d] === outer[d]; d--) index[d] = 0;
  }
  return out;
}

export function sliceKernel(wasmSlice: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: BLAS_BACKEND_NAME,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x!;
      if (x.dtype === 'string') return wasmSlice.kernelFunc(args);
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs!.begin as number[], attrs!.size as number[]);
      return sliceOnHeap(x, begin, size, backend as BackendWasm);
    },
  };
}
