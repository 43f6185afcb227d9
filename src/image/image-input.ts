/** What callers may hand the processor, and how each kind becomes an RGB image. */
import { promises as fsp } from 'fs';
import { ImageError } from '../errors';
import { checkPixelCount, decodeImage } from './decode-image';
import { RawPixels, RgbImage, toRgb } from './rgb-image';

/** A file path, encoded file bytes (Buffer or Uint8Array), or decoded RGB(A) pixels. */
export type ImageInput = string | Uint8Array | RawPixels;

/** How errors name an input: its path, or its position in the call ("buffer #2"). */
export function describeInput(input: ImageInput, index: number): string {
  if (typeof input === 'string') return input;
  return input instanceof Uint8Array ? `buffer #${index}` : `pixels #${index}`;
}

function fromPixels(pixels: RawPixels, source: string): RgbImage {
  const { width, height, channels, data } = pixels;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height)) throw new ImageError(`${source}: width and height must be integers, got ${width}x${height}`);
  if (channels !== 3 && channels !== 4) throw new ImageError(`${source}: channels must be 3 (RGB) or 4 (RGBA), got ${channels}`);
  checkPixelCount(width, height, source);
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== width * height * channels) {
    throw new ImageError(`${source}: expected ${width}x${height}x${channels} = ${width * height * channels} bytes of pixel data, got ${data?.length}`);
  }
  return toRgb(data, width, height, channels);
}

async function fromFile(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new ImageError(`${path}: cannot read (${(e as Error).message})`);
  }
  return decodeImage(bytes, path);
}

/** The input as oriented 8-bit RGB; any failure is an ImageError naming the input. */
export function loadRgb(input: ImageInput, index: number): Promise<RgbImage> {
  if (typeof input === 'string') return fromFile(input);
  const source = describeInput(input, index);
  if (input instanceof Uint8Array) return decodeImage(input, source);
  if (input !== null && typeof input === 'object') return Promise.resolve().then(() => fromPixels(input, source));
  return Promise.reject(new ImageError(`${source}: expected a path, a Buffer/Uint8Array or {data, width, height, channels}, got ${typeof input}`));
}
