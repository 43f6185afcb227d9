/**
 * Reads an HTTP response body with progress, into one buffer allocated up front from
 * Content-Length (no chunk list, no concatenation: the bytes exist once). A body longer or shorter
 * than its Content-Length is a HubError ('integrity'), so a truncated download is never parsed.
 */
import { HubError } from '../errors';
import type { ProgressCallback } from '../hub/progress';

/** Above this a model file is refused before allocating (a hostile or broken Content-Length). */
export const MAX_FILE_BYTES = 4 * 2 ** 30;

/** Content-Length when it is the body's length: not when the body is content-encoded (the browser inflates it). */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const text = response.headers.get('content-length');
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

export async function readBody(response: Response, file: string, url: string, onProgress?: ProgressCallback): Promise<Uint8Array> {
  const total = declaredLength(response);
  if (total !== undefined && total > MAX_FILE_BYTES) {
    throw new HubError(`${url}: Content-Length ${total} is above the ${MAX_FILE_BYTES}-byte limit for a model file`, 'integrity');
  }
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  const report = () => onProgress?.({ file, loaded, downloaded: loaded, total });
  report();
  const reader = response.body?.getReader();
  const truncated = (why: string) =>
    new HubError(`${url}: truncated download of ${file}: ${loaded} of ${total} bytes (Content-Length) arrived${why}; try again`, 'integrity');
  try {
    for (;;) {
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = reader ? await reader.read() : { done: true };
      } catch (e) {
        if (total !== undefined) throw truncated(` (the connection ended: ${(e as Error).message})`);
        throw new HubError(`${url}: the download of ${file} failed after ${loaded} bytes (${(e as Error).message})`, 'network');
      }
      if (chunk.done || !chunk.value) break;
      const bytes = chunk.value;
      if (loaded + bytes.byteLength > buffer.byteLength) {
        if (total !== undefined) throw new HubError(`${url}: the server sent more than the ${total} bytes of its Content-Length for ${file}`, 'integrity');
        if (loaded + bytes.byteLength > MAX_FILE_BYTES) throw new HubError(`${url}: ${file} is larger than the ${MAX_FILE_BYTES}-byte limit for a model file`, 'integrity');
        // No Content-Length: grow by doubling (the old buffer is garbage once copied).
        const grown = new Uint8Array(Math.min(MAX_FILE_BYTES, Math.max(2 * buffer.byteLength, loaded + bytes.byteLength)));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(bytes, loaded);
      loaded += bytes.byteLength;
      report();
    }
  } catch (e) {
    await reader?.cancel().catch(() => undefined);
    throw e;
  }
  if (total !== undefined && loaded !== total) throw truncated('');
  return total !== undefined ? buffer : buffer.subarray(0, loaded);
}
