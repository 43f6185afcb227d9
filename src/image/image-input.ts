/**
 * What callers may hand the processor, and how each kind becomes an RGB image. Encoded bytes of
 * any kind go through the same decoders (codec.ts) in Node and in a browser, so pixel values are
 * bit-exact with Hugging Face in both; a string is read by the environment's file reader (Node:
 * a path; browser: a URL).
 */
import { ImageError } from '../errors';
import { DrawableImage, drawableKind, drawnPixels, ImageDataLike, imageDataPixels, isImageData } from './browser-image';
import { checkPixelCount, decodeImage } from './decode-image';
import { RawPixels, RgbImage, toRgb } from './rgb-image';

/** A Blob or File: encoded image bytes (a File's name appears in errors). */
export interface BlobLike {
  readonly size: number;
  readonly type: string;
  readonly name?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A file path (Node) or URL (browser); encoded file bytes (Buffer, Uint8Array, ArrayBuffer, Blob,
 * File); decoded RGB(A) pixels; or, in a browser, ImageData, ImageBitmap, <img>, <canvas> or
 * OffscreenCanvas (browser-decoded pixels: see browser-image.ts).
 */
export type ImageInput = string | Uint8Array | ArrayBuffer | BlobLike | RawPixels | ImageDataLike | DrawableImage;

/** Reads the encoded bytes that a string input names; errors are ImageErrors naming it. */
export type ImageFileReader = (pathOrUrl: string) => Promise<Uint8Array>;

let fileReader: ImageFileReader | undefined;

/** The Node entry registers a file-path reader, the browser entry a URL fetcher. */
export function registerImageFileReader(reader: ImageFileReader): void {
  fileReader = reader;
}

function isBlob(input: object): input is BlobLike {
  return typeof (input as BlobLike).arrayBuffer === 'function' && typeof (input as BlobLike).size === 'number';
}

function isRawPixels(input: object): input is RawPixels {
  return 'channels' in input && 'data' in input;
}

/** How errors name an input: its path or file name, or its kind and position in the call ("buffer #2"). */
export function describeInput(input: ImageInput, index: number): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return `buffer #${index}`;
  if (input !== null && typeof input === 'object' && isBlob(input)) return input.name || `blob #${index}`;
  const kind = drawableKind(input);
  return kind ? `${kind} #${index}` : `pixels #${index}`;
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

async function fromFile(pathOrUrl: string): Promise<RgbImage> {
  if (!fileReader) throw new ImageError(`${pathOrUrl}: no file reader is registered to read a path or URL; pass the image's bytes instead`);
  return decodeImage(await fileReader(pathOrUrl), pathOrUrl);
}

async function fromBlob(blob: BlobLike, source: string): Promise<RgbImage> {
  let bytes: ArrayBuffer;
  try {
    bytes = await blob.arrayBuffer();
  } catch (e) {
    throw new ImageError(`${source}: cannot read the blob (${(e as Error).message})`);
  }
  return decodeImage(new Uint8Array(bytes), source);
}

const EXPECTED = 'expected a path or URL, encoded bytes (Uint8Array, ArrayBuffer, Blob), {data, width, height, channels} or a browser image';

/** The input as oriented 8-bit RGB; any failure is an ImageError naming the input. */
export async function loadRgb(input: ImageInput, index: number): Promise<RgbImage> {
  if (typeof input === 'string') return fromFile(input);
  const source = describeInput(input, index);
  if (input instanceof Uint8Array) return decodeImage(input, source);
  if (input instanceof ArrayBuffer) return decodeImage(new Uint8Array(input), source);
  if (input === null || typeof input !== 'object') {
    throw new ImageError(`${source}: ${EXPECTED}, got ${input === null ? 'null' : typeof input}`);
  }
  if (isBlob(input)) return fromBlob(input, source);
  if (isRawPixels(input)) return fromPixels(input, source);
  if (isImageData(input)) return fromPixels(imageDataPixels(input), source);
  const kind = drawableKind(input);
  if (kind) return fromPixels(drawnPixels(input, kind, source), source);
  throw new ImageError(`${source}: ${EXPECTED}, got an object without 'channels'`);
}
