/**
 * RGBA images in memory and the few drawing operations the pictures need. Plain typed arrays, no
 * canvas: the same code runs in Node and in the browser.
 */
import { InputError } from '../errors';
import type { RgbImage } from '../image/rgb-image';

/** width x height pixels, 4 bytes each (R, G, B, A), rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** Bounds an image we allocate (a 64-latent grid of 224-pixel tiles is ~2,000 x 2,000). */
const MAX_PIXELS = 1 << 26;

/** A new opaque image filled with `background`. */
export function createImage(width: number, height: number, background: Rgb = WHITE): RgbaImage {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width * height > MAX_PIXELS) {
    throw new InputError(`cannot make a ${width}x${height} image (each side must be a positive integer, at most ${MAX_PIXELS} pixels in all)`);
  }
  const image: RgbaImage = { width, height, data: new Uint8Array(width * height * 4) };
  fillRect(image, 0, 0, width, height, background);
  return image;
}

/** An opaque RGBA copy of an RGB image. */
export function fromRgb(image: RgbImage): RgbaImage {
  const out: RgbaImage = { width: image.width, height: image.height, data: new Uint8Array(image.width * image.height * 4) };
  for (let p = 0, s = 0, d = 0; p < image.width * image.height; p++, s += 3, d += 4) {
    out.data[d] = image.data[s];
    out.data[d + 1] = image.data[s + 1];
    out.data[d + 2] = image.data[s + 2];
    out.data[d + 3] = 255;
  }
  return out;
}

/** Fills the rectangle (clipped to the image) with an opaque colour. */
export function fillRect(image: RgbaImage, x: number, y: number, width: number, height: number, color: Rgb): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(image.width, Math.floor(x + width));
  const y1 = Math.min(image.height, Math.floor(y + height));
  for (let row = y0; row < y1; row++) {
    for (let col = x0, i = (row * image.width + x0) * 4; col < x1; col++, i += 4) {
      image.data[i] = color[0];
      image.data[i + 1] = color[1];
      image.data[i + 2] = color[2];
      image.data[i + 3] = 255;
    }
  }
}

/** Copies `src` into `dst` with its top-left corner at (x, y), clipped to `dst`. */
export function blit(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  if (x1 <= x0) return;
  for (let row = Math.max(0, y); row < Math.min(dst.height, y + src.height); row++) {
    const from = ((row - y) * src.width + (x0 - x)) * 4;
    dst.data.set(src.data.subarray(from, from + (x1 - x0) * 4), (row * dst.width + x0) * 4);
  }
}
