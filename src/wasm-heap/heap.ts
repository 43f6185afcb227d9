/**
 * Views of a wasm backend's whole heap, for kernels that work on tensors in place (sgemm operands,
 * heap-to-heap copies). Views are re-made when the heap grows (its buffer is replaced).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';

type View = Float32Array | Int32Array | Uint8Array;
const views = new WeakMap<BackendWasm, Map<string, View>>();

function view<T extends View>(backend: BackendWasm, kind: string, make: (buffer: ArrayBuffer) => T): T {
  // HEAPU8 is Emscripten's; its type package is not a dependency.
  const buffer = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer as ArrayBuffer;
  let byKind = views.get(backend);
  if (!byKind) views.set(backend, (byKind = new Map()));
  let v = byKind.get(kind) as T | undefined;
  if (!v || v.buffer !== buffer) byKind.set(kind, (v = make(buffer)));
  return v;
}

/** The heap as float32s (sgemm's operands). Take it after the last allocation of the kernel. */
export function heapF32(backend: BackendWasm): Float32Array {
  return view(backend, 'f32', (b) => new Float32Array(b));
}

/** Whether the copy kernels handle `dtype` (1- or 4-byte elements on the heap). */
export function onHeap(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/**
 * The heap in elements of `dtype`'s size, for copies: copyWithin moves bytes unchanged (NaN
 * payloads included). Undefined for dtypes that do not live on the heap (string) or are not 1 or
 * 4 bytes wide. Take it after the kernel's last allocation.
 */
export function heapForCopies(backend: BackendWasm, dtype: tf.DataType): Int32Array | Uint8Array | undefined {
  if (dtype === 'float32' || dtype === 'int32') return view(backend, 'i32', (b) => new Int32Array(b));
  if (dtype === 'bool') return view(backend, 'u8', (b) => new Uint8Array(b));
  return undefined;
}

/** Offset of a tensor's data in the heap, in elements of `bytesPerElement`. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo, bytesPerElement = 4): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset / bytesPerElement;
}
