/**
 * Recognises the file format from its signature and reads the pixel size from the header alone, so
 * oversized images are refused before a decoder allocates anything.
 */
import { ImageError } from '../errors';
import { readJpegInfo } from './jpeg-markers';
import { readIfd0Tags } from './tiff-tags';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** EXIF orientation 1..8 (JPEG only; 1 otherwise). */
  orientation: number;
}

type Fail = (reason: string) => never;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const TIFF_WIDTH = 256;
const TIFF_HEIGHT = 257;

/** Formats Pillow reads but this port does not, named so the refusal says what the file is. */
const UNSUPPORTED: [string, (b: Uint8Array) => boolean][] = [
  ['WebP', (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)],
  ['BigTIFF', (b) => startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])],
  ['ICO', (b) => startsWith(b, [0, 0, 1, 0])],
];

function png(bytes: Uint8Array, view: DataView, fail: Fail): ImageHeader {
  if (bytes.length < 24 || !startsWith(bytes, ascii('IHDR'), 12)) return fail('PNG without an IHDR header (truncated?)');
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), orientation: 1 };
}

function jpeg(bytes: Uint8Array, fail: Fail): ImageHeader {
  const info = readJpegInfo(bytes);
  if (!info) return fail('JPEG without a frame header before the image data (truncated or corrupt)');
  return { format: 'jpeg', ...info };
}

function gif(bytes: Uint8Array, view: DataView, fail: Fail): ImageHeader {
  if (bytes.length < 10) return fail('GIF shorter than its 10-byte header (truncated)');
  return { format: 'gif', width: view.getUint16(6, true), height: view.getUint16(8, true), orientation: 1 };
}

function bmp(bytes: Uint8Array, view: DataView, fail: Fail): ImageHeader {
  if (bytes.length < 26) return fail('BMP shorter than its header (truncated)');
  const infoSize = view.getUint32(14, true);
  if (infoSize === 12) return { format: 'bmp', width: view.getUint16(18, true), height: view.getUint16(20, true), orientation: 1 };
  // Negative height marks a top-down bitmap.
  return { format: 'bmp', width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)), orientation: 1 };
}

function tiff(bytes: Uint8Array, fail: Fail): ImageHeader {
  const tags = readIfd0Tags(bytes, 0, [TIFF_WIDTH, TIFF_HEIGHT]);
  const width = tags.get(TIFF_WIDTH);
  const height = tags.get(TIFF_HEIGHT);
  if (width === undefined || height === undefined) return fail('TIFF whose first directory has no ImageWidth/ImageLength (truncated or corrupt)');
  return { format: 'tiff', width, height, orientation: 1 };
}

/** The header of an image file; throws ImageError naming `source` for unrecognised or broken headers. */
export function readImageHeader(bytes: Uint8Array, source: string): ImageHeader {
  const fail: Fail = (reason) => {
    throw new ImageError(`${source}: ${reason}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(bytes, PNG)) return png(bytes, view, fail);
  if (startsWith(bytes, JPEG)) return jpeg(bytes, fail);
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return gif(bytes, view, fail);
  if (startsWith(bytes, ascii('BM'))) return bmp(bytes, view, fail);
  if (startsWith(bytes, TIFF_LE) || startsWith(bytes, TIFF_BE)) return tiff(bytes, fail);
  const known = UNSUPPORTED.find(([, test]) => test(bytes));
  if (known) return fail(`${known[0]} images are not supported (PNG, JPEG, GIF, BMP and TIFF are)`);
  return fail('not a recognised image format (expected PNG, JPEG, GIF, BMP or TIFF)');
}
