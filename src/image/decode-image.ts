/**
 * Image bytes to 8-bit RGB as Hugging Face's pipeline loader sees them (fixtures README, step 1):
 * EXIF orientation applied for JPEG, palette and grayscale expanded, alpha dropped without compositing.
 * JPEG goes through libjpeg-turbo (WebAssembly) for parity with Pillow; the lossless formats
 * through jimp, whose output is identical to Pillow's there.
 */
import { ImageError } from '../errors';
import { applyExifOrientation } from './exif-orientation';
import { ImageHeader, readImageHeader } from './image-header';
import { Codec, decodeRgba } from './decoder-worker';
import { RgbImage, toRgb } from './rgb-image';

/** Pillow's Image.MAX_IMAGE_PIXELS: above it Pillow warns of a decompression bomb; we refuse. */
export const MAX_IMAGE_PIXELS = 89_478_485;

/** libjpeg's warning when the data ends before the image does (Pillow: "image file is truncated"). */
const JPEG_TRUNCATED = 'Premature end of JPEG file';

/** Refuses sizes that are empty or above MAX_IMAGE_PIXELS, before any pixel memory is allocated. */
export function checkPixelCount(width: number, height: number, source: string): void {
  if (width < 1 || height < 1) throw new ImageError(`${source}: image has no pixels (${width}x${height})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageError(
      `${source}: ${width}x${height} = ${width * height} pixels exceeds the limit of ${MAX_IMAGE_PIXELS} ` +
        `(Pillow's MAX_IMAGE_PIXELS; refused as a possible decompression bomb)`,
    );
  }
}

async function decodeToRgb(codec: Codec, bytes: Uint8Array, header: ImageHeader, source: string): Promise<RgbImage> {
  let decoded;
  try {
    decoded = await decodeRgba(codec, bytes);
  } catch (e) {
    throw new ImageError(`${source}: cannot decode ${header.format.toUpperCase()}: ${(e as Error).message}`);
  }
  if (decoded.warnings.includes(JPEG_TRUNCATED)) throw new ImageError(`${source}: JPEG file is truncated (${bytes.length} bytes)`);
  return applyExifOrientation(toRgb(decoded.data, decoded.width, decoded.height, 4), header.orientation);
}

/** Decodes image file bytes; every failure is an ImageError whose message starts with `source`. */
export async function decodeImage(bytes: Uint8Array, source: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new ImageError(`${source}: file is empty (0 bytes)`);
  const header = readImageHeader(bytes, source);
  checkPixelCount(header.width, header.height, source);
  const image = await decodeToRgb(header.format === 'jpeg' ? 'jpeg' : 'jimp', bytes, header, source);
  const expected = header.orientation >= 5 ? { width: header.height, height: header.width } : header;
  if (image.width !== expected.width || image.height !== expected.height) {
    throw new ImageError(`${source}: header says ${header.width}x${header.height} but the decoder produced ${image.width}x${image.height}`);
  }
  return image;
}
