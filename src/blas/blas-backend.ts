/**
 * The 'blas' tfjs backend: the wasm backend's kernels (elementwise, softmax, reductions,
 * transposes, ...) registered again under the name 'blas', on a wasm module of its own, with the
 * matrix products replaced by the system BLAS's cblas_sgemm on that module's heap. Slice and
 * Concat are the heap-to-heap copies that 'wasm' also uses (wasm-heap/copy-kernels.ts); the matrix
 * products of 'wasm' stay XNNPACK's. Only here: PerceiverBlockMatMul (attention heads in place),
 * and Mean over the innermost axes as a cblas_sgemv. Node-only (koffi); the backend initialisation
 * is its only importer.
 */
import { tf } from '../tf';
import { BackendError } from '../errors';
import { BlasLibrary, loadBlas, LoadBlasOptions } from './library';
import { BLAS_BACKEND_NAME, matMulKernels } from './matmul-kernels';
import { replaceCopyKernels } from '../wasm-heap/copy-kernels';
import { blockMatMulKernel } from './block-matmul-kernel';
import { meanKernel } from './mean-kernel';

export { BLAS_BACKEND_NAME };

/** Above wasm (2) so that tfjs's own automatic choice prefers it once registered. */
const BLAS_PRIORITY = 3;

let library: BlasLibrary | undefined;

/**
 * Loads the BLAS (see library.ts for where it is looked for) and registers the backend, once per
 * thread; a later call with another thread count only changes the count. Throws a BackendError
 * naming what was looked for when no BLAS loads.
 */
export function registerBlasBackend(options: LoadBlasOptions = {}): BlasLibrary {
  if (library) {
    if (options.threads !== undefined && options.threads !== library.threads) library.setThreads(options.threads);
    return library;
  }
  const wasmFactory = tf.findBackendFactory('wasm');
  if (!wasmFactory) throw new BackendError("the blas backend builds on @tensorflow/tfjs-backend-wasm, which is not registered");
  const loaded = loadBlas(options);
  replaceCopyKernels('wasm'); // copied below with the other wasm kernels: blas slices and concats heap to heap too
  const replaced = matMulKernels(loaded.sgemm);
  const names = new Set(replaced.map((k) => k.kernelName));
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    if (names.has(kernel.kernelName)) continue;
    tf.registerKernel(kernel.kernelName === tf.Mean ? meanKernel(kernel, loaded.sgemv) : { ...kernel, backendName: BLAS_BACKEND_NAME });
  }
  for (const kernel of [...replaced, blockMatMulKernel(loaded.sgemm)]) tf.registerKernel(kernel);
  // Its own wasm module (a separate heap): the wasm kernels re-bind to the module of whichever
  // backend tf.setBackend selects, so 'wasm' and 'blas' can both be used in one process.
  tf.registerBackend(BLAS_BACKEND_NAME, () => wasmFactory(), BLAS_PRIORITY);
  library = loaded;
  return library;
}

/** The loaded BLAS, if the backend has been registered on this thread. */
export function blasLibrary(): BlasLibrary | undefined {
  return library;
}
