/**
 * Cache Storage for downloaded model files (like transformers.js): one cache, `perceiver-io-v1`,
 * keyed by file URL, so a reload reads the weights from disk with no network request. Injectable:
 * anything with Cache Storage's `open`/`delete` works (the tests use an in-memory fake); without
 * `caches` (Node, insecure http pages, some workers) loading works uncached.
 */

export const MODEL_CACHE_NAME = 'perceiver-io-v1';

/** The part of the Cache interface the loader uses. */
export interface ModelCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** The part of CacheStorage the loader uses. */
export interface ModelCacheStorage {
  open(name: string): Promise<ModelCache>;
  delete(name: string): Promise<boolean>;
}

/** The page's Cache Storage, or undefined where there is none. */
export function defaultCacheStorage(): ModelCacheStorage | undefined {
  const storage = (globalThis as { caches?: ModelCacheStorage }).caches;
  return storage && typeof storage.open === 'function' ? storage : undefined;
}

/** A file the model folder does not have (a 404 on an optional file), remembered so a reload does not ask again. */
export function absentMarker(): Response {
  return new Response(null, { status: 404, headers: { 'x-perceiver-absent': '1' } });
}

export function isAbsentMarker(response: Response): boolean {
  return response.status === 404;
}

/** Deletes every cached model file; the next load downloads again. Resolves to whether a cache existed. */
export async function clearModelCache(storage: ModelCacheStorage | undefined = defaultCacheStorage()): Promise<boolean> {
  return storage ? storage.delete(MODEL_CACHE_NAME) : false;
}
