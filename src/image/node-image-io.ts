/**
 * Node's side of the image seams: string inputs are file paths read with fs, and decoding runs in
 * the decoder worker thread. Imported (for its registrations) by the Node model loader.
 */
import { promises as fsp } from 'fs';
import { ImageError } from '../errors';
import './decoder-worker';
import { registerImageFileReader } from './image-input';

registerImageFileReader(async (path) => {
  try {
    return await fsp.readFile(path);
  } catch (e) {
    throw new ImageError(`${path}: cannot read (${(e as Error).message})`);
  }
});
