/**
 * Applies an EXIF orientation value (1..8) the way Pillow's `ImageOps.exif_transpose` does, so the
 * pixels end up as a viewer shows them. Values 5..8 swap width and height.
 */
import { RgbImage } from './rgb-image';

/** Source pixel (column, row) for output pixel (x, y); w, h are the stored (source) size. */
type SourceOf = (x: number, y: number, w: number, h: number) => [number, number];

const TRANSFORMS: Record<number, SourceOf> = {
  2: (x, y, w) => [w - 1 - x, y], // mirror left-right
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y], // rotate 180
  4: (x, y, _w, h) => [x, h - 1 - y], // mirror top-bottom
  5: (x, y) => [y, x], // transpose
  6: (x, y, _w, h) => [y, h - 1 - x], // rotate 90 clockwise
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x], // transverse
  8: (x, y, w) => [w - 1 - y, x], // rotate 90 counter-clockwise
};

export function applyExifOrientation(image: RgbImage, orientation: number): RgbImage {
  const sourceOf = TRANSFORMS[orientation];
  if (!sourceOf) return image;
  const { width: w, height: h } = image;
  const swaps = orientation >= 5;
  const width = swaps ? h : w;
  const height = swaps ? w : h;
  const data = new Uint8Array(image.data.length);
  for (let y = 0, d = 0; y < height; y++) {
    for (let x = 0; x < width; x++, d += 3) {
      const [sx, sy] = sourceOf(x, y, w, h);
      const s = (sy * w + sx) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { width, height, data };
}
