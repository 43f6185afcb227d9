/**
 * Choosing the tfjs backend: native TensorFlow (optional dependency) > wasm (SIMD) > cpu.
 * `PERCEIVER_BACKEND=tensorflow|wasm|cpu` overrides the choice. The math only uses the tfjs-core
 * API, so any of them computes the same model.
 */
import { tf } from './tf';
import { BackendError } from './errors';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen and what was skipped, for logs and `--verbose`. */
  reason: string;
  /** Worker threads the backend computes with (wasm: its thread pool; others: 1 = not reported). */
  threads: number;
}

let chosen: BackendInfo | undefined;

/** Loads tfjs-node if it is installed; it registers the 'tensorflow' backend on import. */
function loadNative(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('@tensorflow/tfjs-node');
    return undefined;
  } catch (e) {
    return `@tensorflow/tfjs-node is not available (${(e as Error).message.split('\n')[0]})`;
  }
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  if (name === 'tensorflow') {
    const missing = loadNative();
    if (missing) return missing;
  }
  if (tf.findBackendFactory(name) === null) return `backend '${name}' is not registered`;
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') returned false (initialisation failed)`;
    await tf.ready();
    return undefined;
  } catch (e) {
    return `backend '${name}' failed: ${(e as Error).message}`;
  }
}

function wasmThreads(name: BackendName): number {
  if (name !== 'wasm') return 1;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };
  return wasm.getThreadsCount();
}

/**
 * Selects and initialises the backend once per process and reports it. With an explicit request
 * (argument or PERCEIVER_BACKEND) a failure is an error, never a silent fall-back to the slow
 * cpu backend.
 */
export async function initBackend(requested?: BackendName): Promise<BackendInfo> {
  const wanted = requested ?? parseBackendEnv(process.env.PERCEIVER_BACKEND);
  if (chosen && (wanted === undefined || wanted === chosen.name)) return chosen;
  if (wanted) {
    const failure = await tryBackend(wanted);
    if (failure) throw new BackendError(`Requested backend '${wanted}' is unavailable: ${failure}`);
    chosen = { name: wanted, reason: 'requested explicitly', threads: wasmThreads(wanted) };
    return chosen;
  }
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    const failure = await tryBackend(name);
    if (failure) {
      skipped.push(failure);
      continue;
    }
    const reason = skipped.length ? `fell back: ${skipped.join('; ')}` : 'first choice';
    chosen = { name, reason, threads: wasmThreads(name) };
    if (name === 'cpu') {
      process.emitWarning(
        `perceiver-io is using the pure-JS cpu backend (${reason}); the full model is ~40-100x slower there.`,
      );
    }
    return chosen;
  }
  throw new BackendError(`No tfjs backend could be initialised: ${skipped.join('; ')}`);
}

export function parseBackendEnv(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendError(
    `PERCEIVER_BACKEND='${value}' is not a backend; expected one of ${BACKEND_ORDER.join(', ')}`,
  );
}
