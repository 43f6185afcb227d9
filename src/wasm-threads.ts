/**
 * Thread count of tfjs's wasm backend in a browser. tfjs 4.22 caps its XNNPACK thread pool at
 * navigator.hardwareConcurrency / 2 (it assumes two hardware threads per core), so a 2-core machine
 * gets 1 thread whatever setThreadsCount asks for (tensorflow/tfjs#8513). We ask for the cores the
 * page has (or the caller's count) and let the pool see twice that many logical cores while the
 * backend starts; the real value is restored right after.
 */
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

interface NavigatorLike {
  hardwareConcurrency?: number;
}

/** The threads a browser page's wasm backend should use: the caller's, else all cores when the page can run threads. */
export function browserWasmThreads(requested: number | undefined): number {
  const nav = (globalThis as { navigator?: NavigatorLike }).navigator;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return requested ?? (isolated ? Math.max(1, nav?.hardwareConcurrency ?? 1) : 1);
}

/** Runs `start` (the backend's initialisation) with `threads` set and the core-count cap lifted to it. */
export async function withWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  setThreadsCount(threads);
  const nav = (globalThis as { navigator?: NavigatorLike }).navigator;
  if (!nav || Object.prototype.hasOwnProperty.call(nav, 'hardwareConcurrency')) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await start();
  } finally {
    delete nav.hardwareConcurrency; // the prototype's getter shows through again
  }
}
