/**
 * Weight tensors made from values a source may reuse (borrowFloat32), so always copied: on a wasm
 * heap (wasm, blas) straight into the tensor's own heap memory, one copy and no intermediate array;
 * elsewhere (cpu keeps the array it is given) into a fresh array. On the 2-core VM, touching fresh
 * memory costs ~2.5 ms per MB, more than the copy: the load of the full model was mostly that.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { heapF32, heapOffset } from '../wasm-heap/heap';
import { transpose2dInto } from './transpose';

function wasmHeapBackend(backend: tf.KernelBackend): BackendWasm | undefined {
  return 'makeOutput' in backend && 'dataIdMap' in backend ? (backend as BackendWasm) : undefined;
}

/**
 * A float32 tensor of `shape` holding `values`, or, with `transposeOf` = [rows, cols], holding the
 * transpose of `values` read as [rows, cols] (shape is then [cols, rows]).
 */
export function weightTensor(values: Float32Array, shape: number[], transposeOf?: [number, number]): tf.Tensor {
  const fill = (out: Float32Array) => (transposeOf ? transpose2dInto(values, transposeOf[0], transposeOf[1], out) : out.set(values));
  const backend = wasmHeapBackend(tf.backend());
  if (!backend) {
    const out = new Float32Array(values.length);
    fill(out);
    return tf.tensor(out, shape, 'float32');
  }
  const info = backend.makeOutput(shape, 'float32');
  const at = heapOffset(backend, info);
  fill(heapF32(backend).subarray(at, at + values.length)); // the view after makeOutput: allocating may grow the heap
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}
