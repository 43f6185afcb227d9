/** Reading PNGs back in tests: pixels through the project's decoder (jimp in the decoder worker), text chunks by the spec. */
import { decodeRgba } from '../../src/image/decoder-worker';
import type { RgbaImage } from '../../src/render/raster';

export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const { width, height, data } = await decodeRgba('jimp', bytes);
  return { width, height, data: new Uint8Array(data) };
}

/** keyword -> text of every uncompressed iTXt chunk (PNG spec 11.3.4.5). */
export function pngText(bytes: Uint8Array): Record<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, string> = {};
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'iTXt') {
      const data = bytes.subarray(at + 8, at + 8 + length);
      const keyEnd = data.indexOf(0);
      const langEnd = data.indexOf(0, keyEnd + 3);
      const translatedEnd = data.indexOf(0, langEnd + 1);
      out[new TextDecoder().decode(data.subarray(0, keyEnd))] = new TextDecoder().decode(data.subarray(translatedEnd + 1));
    }
    at += 12 + length;
  }
  return out;
}

/** Rec. 601 luma of pixel p of an RGBA image. */
export function luma(image: RgbaImage, p: number): number {
  return 0.299 * image.data[4 * p] + 0.587 * image.data[4 * p + 1] + 0.114 * image.data[4 * p + 2];
}

/** The pixels of the rectangle (x, y, width, height) as a new RGBA image. */
export function region(image: RgbaImage, x: number, y: number, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) data.set(image.data.subarray(((y + row) * image.width + x) * 4, ((y + row) * image.width + x + width) * 4), row * width * 4);
  return { width, height, data };
}
