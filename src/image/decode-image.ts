/**
 * Image bytes to 8-bit RGB as Hugging Face's pipeline loader sees them (fixtures README, step 1):
 * EXIF orientation applied for JPEG, palette and grayscale expanded, alpha dropped without compositing.
 * JPEG goes through libjpeg-turbo (WebAssembly) for parity with Pillow; PNG through our own
 * decoder (png-decoder.ts, Pillow's conversion rules, the same code in Node and the browser);
 * GIF, BMP and TIFF through jimp, whose output is identical to Pillow's on 8-bit images.
 */
import { ImageError } from '../errors';
import { applyExifOrientation } from './exif-orientation';
import { ImageHeader, readImageHeader } from './image-header';
import { Codec, CodecUnavailable, DecodeFailure, decodeWithRegistered } from './codec';
import { decodePng } from './png-decoder';
import { readPng } from './png-structure';
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

/** Emscripten's own words when libjpeg gives up: true but useless to a user, who gets libjpeg's reason instead. */
const EMSCRIPTEN_EXIT = /^Program terminated with exit\(\d+\)$/;

/** The user-facing reason of a decoder failure: libjpeg's messages for this file, else the decoder's. */
function failureReason(e: unknown, format: string): string {
  const messages = e instanceof DecodeFailure ? e.messages : [];
  const reason = (e as Error).message;
  const own = [...messages, ...(EMSCRIPTEN_EXIT.test(reason) ? [] : [reason])];
  return own.length ? `${format} data is corrupt (decoder: ${own.join('; ')})` : `${format} data is corrupt (the decoder stopped without a reason)`;
}

async function decodeToRgb(codec: Codec, bytes: Uint8Array, header: ImageHeader, source: string): Promise<RgbImage> {
  const format = header.format.toUpperCase();
  const truncated = () => new ImageError(`${source}: image file is truncated (${format}, ${bytes.length} bytes; libjpeg: ${JPEG_TRUNCATED})`);
  let decoded;
  try {
    decoded = await decodeWithRegistered(codec, bytes);
  } catch (e) {
    if (e instanceof CodecUnavailable) throw new ImageError(`${source}: cannot decode ${format} here: ${e.message}`);
    if (e instanceof DecodeFailure && e.messages.includes(JPEG_TRUNCATED)) throw truncated();
    throw new ImageError(`${source}: cannot decode ${format}: ${failureReason(e, format)}`);
  }
  if (decoded.warnings.includes(JPEG_TRUNCATED)) throw truncated();
  return applyExifOrientation(toRgb(decoded.data, decoded.width, decoded.height, 4), header.orientation);
}

/** Decodes image file bytes; every failure is an ImageError whose message starts with `source`. */
export async function decodeImage(bytes: Uint8Array, source: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new ImageError(`${source}: file is empty (0 bytes)`);
  const header = readImageHeader(bytes, source);
  checkPixelCount(header.width, header.height, source);
  const fail = (reason: string): never => {
    throw new ImageError(`${source}: ${reason}`);
  };
  // After the size check, so that no pixel memory is allocated for a refused size.
  const image =
    header.format === 'png' ? decodePng(readPng(bytes, fail), fail) : await decodeToRgb(header.format === 'jpeg' ? 'jpeg' : 'jimp', bytes, header, source);
  const expected = header.orientation >= 5 ? { width: header.height, height: header.width } : header;
  if (image.width !== expected.width || image.height !== expected.height) {
    throw new ImageError(`${source}: header says ${header.width}x${header.height} but the decoder produced ${image.width}x${image.height}`);
  }
  return image;
}
