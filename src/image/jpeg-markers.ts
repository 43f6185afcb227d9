/**
 * Walks the JPEG marker segments before the image data: the frame size (SOFn) for the
 * decompression-bomb guard, and the EXIF orientation (APP1, tag 0x0112), which the WebAssembly
 * decoder does not apply.
 */
import { readIfd0Tags } from './tiff-tags';

const ORIENTATION_TAG = 0x0112;
const EXIF_SIGNATURE = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

export interface JpegInfo {
  width: number;
  height: number;
  /** EXIF orientation 1..8; 1 when absent or out of range. */
  orientation: number;
}

function isStartOfFrame(marker: number): boolean {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function exifOrientation(bytes: Uint8Array, payload: number, length: number): number | undefined {
  if (length < EXIF_SIGNATURE.length || !EXIF_SIGNATURE.every((b, i) => bytes[payload + i] === b)) return undefined;
  const tiff = bytes.subarray(payload + EXIF_SIGNATURE.length, payload + length);
  const value = readIfd0Tags(tiff, 0, [ORIENTATION_TAG]).get(ORIENTATION_TAG);
  return value !== undefined && value >= 1 && value <= 8 ? value : 1;
}

/** Frame size and orientation, or undefined when no frame header precedes the image data. */
export function readJpegInfo(bytes: Uint8Array): JpegInfo | undefined {
  let orientation: number | undefined;
  let pos = 2; // after SOI
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // image data or end before any frame header
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (length < 2) return undefined;
    const payload = pos + 4;
    if (marker === 0xe1 && orientation === undefined) orientation = exifOrientation(bytes, payload, length - 2);
    if (isStartOfFrame(marker)) {
      if (payload + 5 > bytes.length) return undefined;
      const height = (bytes[payload + 1] << 8) | bytes[payload + 2];
      const width = (bytes[payload + 3] << 8) | bytes[payload + 4];
      return { width, height, orientation: orientation ?? 1 };
    }
    pos += 2 + length;
  }
  return undefined;
}
