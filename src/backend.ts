/**
 * Choosing the tfjs backend. In Node: native TensorFlow (optional dependency) > blas (the wasm
 * kernels with the system BLAS's sgemm, through koffi) > wasm (SIMD) > cpu; `PERCEIVER_BACKEND`
 * overrides the choice, `PERCEIVER_THREADS` the BLAS's thread count. In a browser: wasm (SIMD,
 * threads when the page is cross-origin isolated) > cpu, and webgpu or webgl on request
 * (docs/browser.md: their measured parity). The math only uses the tfjs-core API, so any of them
 * computes the same model. The Node-only backends are plugged in by the Node entry.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf';
import { BackendError } from './errors';
import type { BlasLibrary } from './blas/library';
import { browserWasmThreads, withWasmThreads } from './wasm-threads';
import { replaceCopyKernels } from './wasm-heap/copy-kernels';

// tfjs's wasm Slice copies its whole input out of the heap first: heap-to-heap copies instead.
replaceCopyKernels('wasm');

export type BackendName = 'tensorflow' | 'blas' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** Node's order of preference. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'blas', 'wasm', 'cpu'];
/** A browser's order of preference: the GPU backends are chosen only on request (their parity is measured in docs/browser.md). */
export const BROWSER_BACKEND_ORDER: readonly BackendName[] = ['wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen and what was skipped, for logs and `--verbose`. */
  reason: string;
  /** Threads the backend computes with (blas: the BLAS's; wasm: its thread pool; others: 1 = not reported). */
  threads: number;
  /** Browser wasm: whether the page is cross-origin isolated (needed for threads) and the SIMD build runs. */
  crossOriginIsolated?: boolean;
  simd?: boolean;
  /** The BLAS behind the blas backend. */
  blas?: { vendor: string; file: string; config?: string };
}

export interface BackendOptions {
  /** Threads for the BLAS (default: PERCEIVER_THREADS, else all cores); in a browser, wasm's thread pool (default: the cores, when cross-origin isolated). */
  threads?: number;
}

/** Node.js only: the BLAS bridge (koffi, fs) is never loaded in a browser bundle's runtime. */
const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

function env(name: string): string | undefined {
  return isNode ? process.env[name] : undefined;
}

let chosen: BackendInfo | undefined;
let noticePrinted = false;

/** Loads tfjs-node (which registers the 'tensorflow' backend); returns why it cannot, if it cannot. */
type NativeBackendLoader = () => string | undefined;
let nativeLoader: NativeBackendLoader | undefined;

/** The Node entry plugs tfjs-node's loader in here (src/loading/native-backend.ts). */
export function registerNativeBackendLoader(load: NativeBackendLoader): void {
  nativeLoader = load;
}

type BlasBackendLoader = (threads: number | undefined) => BlasLibrary;
let blasLoader: BlasBackendLoader | undefined;

/**
 * The Node entry plugs the BLAS bridge in here (src/blas/node-entry.ts), so that this module, which
 * the model code imports, never imports koffi or fs itself.
 */
export function registerBlasBackendLoader(load: BlasBackendLoader): void {
  blasLoader = load;
}

/** Loads the BLAS and registers the blas backend (once; later calls only change the thread count). */
function loadBlasBackend(threads: number | undefined): BlasLibrary {
  if (!isNode) throw new BackendError('the blas backend needs Node.js (koffi and a system BLAS)');
  if (!blasLoader) throw new BackendError("the blas backend is not part of this entry point; import 'perceiver-io' (the Node entry) to get it");
  return blasLoader(threads);
}

async function tryBackend(name: BackendName, threads: number | undefined): Promise<string | undefined> {
  if (name === 'tensorflow') {
    const missing = nativeLoader ? nativeLoader() : '@tensorflow/tfjs-node is Node-only and not part of this entry point';
    if (missing) return missing;
  }
  if (name === 'blas') {
    try {
      loadBlasBackend(threads);
    } catch (e) {
      return `blas: ${(e as Error).message}`;
    }
  }
  if (tf.findBackendFactory(name) === null) return `backend '${name}' is not registered`;
  try {
    const start = async () => {
      const ok = await tf.setBackend(name);
      if (ok) await tf.ready();
      return ok;
    };
    // In a browser the wasm thread pool is sized when the backend starts (src/wasm-threads.ts).
    const ok = name === 'wasm' && !isNode ? await withWasmThreads(browserWasmThreads(threads), start) : await start();
    if (!ok) return `tf.setBackend('${name}') returned false (initialisation failed)`;
    return undefined;
  } catch (e) {
    return `backend '${name}' failed: ${(e as Error).message}`;
  }
}

async function describe(name: BackendName, reason: string, threads: number | undefined): Promise<BackendInfo> {
  if (name === 'blas') {
    const lib = loadBlasBackend(threads);
    return { name, reason, threads: lib.threads, blas: { vendor: lib.vendor, file: lib.file, config: lib.config } };
  }
  if (name === 'wasm' && !isNode) {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
    return { name, reason, threads: getThreadsCount(), crossOriginIsolated: isolated, simd };
  }
  return { name, reason, threads: name === 'wasm' ? getThreadsCount() : 1 };
}

/** One line for logs and `--verbose`: backend, BLAS file, threads, and in a browser isolation and SIMD. */
export function describeBackend(info: BackendInfo): string {
  const blas = info.blas ? `, ${info.blas.vendor} ${info.blas.file}${info.blas.config ? ` (${info.blas.config})` : ''}` : '';
  const page = info.crossOriginIsolated === undefined ? '' : `, ${info.crossOriginIsolated ? '' : 'not '}cross-origin isolated, SIMD ${info.simd ? 'on' : 'off'}`;
  return `backend ${info.name}${blas}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${page} (${info.reason})`;
}

/**
 * Selects and initialises the backend once per process and reports it. With an explicit request
 * (argument or PERCEIVER_BACKEND) a failure is an error, never a silent fall-back. Falling back
 * from blas to wasm on its own prints one notice saying how to get the fast path.
 */
export async function initBackend(requested?: BackendName, options: BackendOptions = {}): Promise<BackendInfo> {
  const wanted = requested ?? parseBackendEnv(env('PERCEIVER_BACKEND'));
  // undefined: the BLAS's default, all cores.
  const threads = options.threads ?? parseThreadsEnv(env('PERCEIVER_THREADS'));
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 1)) throw new BackendError(`threads must be a positive integer, got ${threads}`);
  if (chosen && (wanted === undefined || wanted === chosen.name) && tf.getBackend() === chosen.name) {
    if (chosen.name === 'blas' && threads !== undefined && threads !== chosen.threads) chosen = await describe('blas', chosen.reason, threads);
    return chosen;
  }
  if (wanted) {
    const failure = await tryBackend(wanted, threads);
    if (failure) throw new BackendError(`Requested backend '${wanted}' is unavailable: ${failure}`);
    chosen = await describe(wanted, 'requested explicitly', threads);
    return chosen;
  }
  const skipped: string[] = [];
  for (const name of isNode ? BACKEND_ORDER : BROWSER_BACKEND_ORDER) {
    const failure = await tryBackend(name, threads);
    if (failure) {
      skipped.push(failure);
      continue;
    }
    const reason = skipped.length ? `fell back: ${skipped.join('; ')}` : 'first choice';
    chosen = await describe(name, reason, threads);
    if (name === 'wasm' && isNode && !noticePrinted) {
      noticePrinted = true;
      const blasFailure = skipped.find((f) => f.startsWith('blas: ')) ?? 'blas: not tried';
      process.emitWarning(
        `perceiver-io is using the wasm backend, several times slower than the blas backend, which did not load (${blasFailure}). ` +
          'Set PERCEIVER_BACKEND=wasm to choose wasm without this notice.',
        { code: 'PERCEIVER_BLAS_UNAVAILABLE' },
      );
    }
    if (name === 'cpu' && isNode) {
      process.emitWarning(
        `perceiver-io is using the pure-JS cpu backend (${reason}); the full model is ~40-100x slower there.`,
      );
    }
    return chosen;
  }
  throw new BackendError(`No tfjs backend could be initialised: ${skipped.join('; ')}`);
}

/** PERCEIVER_BACKEND, which only Node reads: one of Node's backends. */
export function parseBackendEnv(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendError(
    `PERCEIVER_BACKEND='${value}' is not a backend; expected one of ${BACKEND_ORDER.join(', ')}`,
  );
}

export function parseThreadsEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new BackendError(`PERCEIVER_THREADS='${value}' is not a positive integer (threads for the BLAS)`);
  }
  return n;
}
