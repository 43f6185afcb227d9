/**
 * Slice and Concat as copies from heap to heap, for the wasm backend (Node and browser) and so for
 * the blas backend, which copies wasm's kernels. tfjs's wasm Slice kernel first copies its whole
 * input out of the heap (`readSync` into a fresh ArrayBuffer: ~10 ms for a 2 MB [512, 1024] matrix
 * here, 20x an elementwise op of that size), which made Slice 70% of the model's time on blas and
 * 12% on wasm with 2 threads in Chromium; the wasm Concat copies each row with a new subarray
 * (0.3 s for the image tokens' [50176, 3 | 258] concat). These copy only what is asked, with copyWithin on one heap view: one
 * block per contiguous run. Dtypes off the heap (string) go to the wasm kernels.
 * Identity (`tf.clone`, and every tensor a gradient tape saves) copies nothing: tensors are
 * immutable, so the clone shares its input's data by reference count, as on the cpu backend (wasm's
 * kernel copies, which doubled the memory of everything a training tape keeps).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { heapForCopies, heapOffset, onHeap } from './heap';

export function sliceOnHeap(x: tf.TensorInfo, begin: number[], size: number[], backend: BackendWasm): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  const heap = heapForCopies(backend, x.dtype)!; // after makeOutput: allocating may have grown (replaced) the heap
  const bytes = heap.BYTES_PER_ELEMENT;
  const [x0, out0] = [heapOffset(backend, x, bytes), heapOffset(backend, out, bytes)];
  const strides = tf.util.computeStrides(x.shape);
  const base = x0 + tf.slice_util.computeFlatOffset(begin, strides);
  // Innermost dimensions taken whole merge into one run with the first partial one.
  let inner = x.shape.length - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) inner = 0;
  const run = tf.util.sizeFromShape(size.slice(inner));
  const outer = size.slice(0, inner); // an odometer over these
  const index = new Array<number>(inner).fill(0);
  const runs = tf.util.sizeFromShape(outer);
  for (let r = 0, o = out0; r < runs; r++, o += run) {
    let from = base;
    for (let d = 0; d < inner; d++) from += index[d] * strides[d];
    heap.copyWithin(o, from, from + run);
    for (let d = inner - 1; d >= 0 && ++index[d] === outer[d]; d--) index[d] = 0;
  }
  return out;
}

/** Concat along `axis`: each input is [outer, inner_i] and each output row the inputs' rows side by side. */
export function concatOnHeap(inputs: tf.TensorInfo[], axis: number, backend: BackendWasm): tf.TensorInfo {
  const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const out = backend.makeOutput(outShape, inputs[0].dtype);
  const nonEmpty = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (nonEmpty.length === 0) return out;
  const heap = heapForCopies(backend, out.dtype)!; // after makeOutput, as above
  const bytes = heap.BYTES_PER_ELEMENT;
  const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
  const widths = nonEmpty.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const starts = nonEmpty.map((t) => heapOffset(backend, t, bytes));
  let o = heapOffset(backend, out, bytes);
  for (let row = 0; row < outer; row++) {
    for (let i = 0; i < nonEmpty.length; i++) {
      const from = starts[i] + row * widths[i];
      heap.copyWithin(o, from, from + widths[i]);
      o += widths[i];
    }
  }
  return out;
}

/** The copy kernels for `backendName`; dtypes off the heap go to the given (tfjs's) kernels. */
function copyKernels(backendName: string, wasmSlice: tf.KernelConfig, wasmConcat: tf.KernelConfig, wasmIdentity: tf.KernelConfig): tf.KernelConfig[] {
  return [
    {
      kernelName: tf.Identity,
      backendName,
      kernelFunc: (args) => {
        const x = args.inputs.x!;
        const backend = args.backend as BackendWasm;
        // Data still held by another backend (e.g. made on cpu before a switch) is moved by the wasm kernel's read.
        if (!backend.dataIdMap.has(x.dataId)) return wasmIdentity.kernelFunc(args);
        backend.incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    },
    {
      kernelName: tf.Slice,
      backendName,
      kernelFunc: (args) => {
        const x = args.inputs.x!;
        const backend = args.backend as BackendWasm;
        if (!onHeap(x.dtype)) return wasmSlice.kernelFunc(args);
        const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs!.begin as number[], args.attrs!.size as number[]);
        return sliceOnHeap(x, begin, size, backend);
      },
    },
    {
      kernelName: tf.Concat,
      backendName,
      kernelFunc: (args) => {
        const inputs = Object.values(args.inputs) as tf.TensorInfo[];
        const backend = args.backend as BackendWasm;
        if (!onHeap(inputs[0].dtype) || inputs.some((t) => t.dtype !== inputs[0].dtype)) return wasmConcat.kernelFunc(args);
        const axis = tf.util.parseAxisParam(args.attrs!.axis as number, inputs[0].shape)[0];
        tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
        return concatOnHeap(inputs, axis, backend);
      },
    },
  ];
}

const replaced = new Set<string>();

/** Replaces the Slice, Concat and Identity kernels of a registered wasm-based backend by the ones above, once. */
export function replaceCopyKernels(backendName: string): void {
  if (replaced.has(backendName)) return;
  const [slice, concat, identity] = [tf.Slice, tf.Concat, tf.Identity].map((name) => tf.getKernel(name, backendName));
  if (!slice || !concat || !identity) return; // the backend is not registered in this build
  for (const kernel of copyKernels(backendName, slice, concat, identity)) {
    tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel(kernel);
  }
  replaced.add(backendName);
}
