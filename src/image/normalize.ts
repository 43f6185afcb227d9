/**
 * Rescale and normalize with the reference's float32 rounding: `x = f32(u * factor)` (float64 product),
 * then `f32(f32(x - mean) / std)` with float32 constants. Both are pure functions of the byte and
 * the channel, so a 256-entry table per channel reproduces them exactly.
 */
import { RgbImage } from './rgb-image';

export type Triple = readonly [number, number, number];

export interface NormalizeSettings {
  /** null: do_rescale is false. */
  rescaleFactor: number | null;
  /** null: do_normalize is false. */
  normalize: { mean: Triple; std: Triple } | null;
}

export type ChannelTables = [Float32Array, Float32Array, Float32Array];

export function channelTables(settings: NormalizeSettings): ChannelTables {
  const { rescaleFactor, normalize } = settings;
  const table = (c: number): Float32Array => {
    const lut = new Float32Array(256);
    for (let u = 0; u < 256; u++) {
      const x = rescaleFactor === null ? u : Math.fround(u * rescaleFactor);
      lut[u] = normalize ? Math.fround(Math.fround(x - Math.fround(normalize.mean[c])) / Math.fround(normalize.std[c])) : x;
    }
    return lut;
  };
  return [table(0), table(1), table(2)];
}

/** Writes the image channels-first (C, H, W) into `out` starting at `offset`. */
export function writeChannelsFirst(image: RgbImage, tables: ChannelTables, out: Float32Array, offset: number): void {
  const plane = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    const lut = tables[c];
    const base = offset + c * plane;
    for (let p = 0, s = c; p < plane; p++, s += 3) out[base + p] = lut[image.data[s]];
  }
}
