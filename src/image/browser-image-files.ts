/** The browser's reader for string inputs: a URL, fetched (relative to the page). Registered by the browser entry. */
import { ImageError } from '../errors';
import { registerImageFileReader } from './image-input';

registerImageFileReader(async (url) => {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ImageError(`${url}: cannot fetch (${(e as Error).message})`);
  }
  if (!response.ok) throw new ImageError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
});
