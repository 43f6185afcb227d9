/**
 * A scalar map drawn as a heat overlay on an image: the map is resampled to the image's size
 * (bilinear, pixel centres aligned; identity when the sizes match), scaled for display so that 0 is
 * the darkest colour and the map's `clip` quantile (default 0.99; 1 = its maximum) the brightest,
 * values above it clipped, coloured with inferno and blended over the image:
 *   out = (1 - alpha) * image + alpha * colour(min(map / top, 1))
 * Clipping at a high quantile keeps a few very hot pixels from turning the rest of the map black
 * (attention maps are heavy-tailed: the real model's rollout peaks at ~16x its 99th percentile).
 */
import { InputError } from '../errors';
import type { RgbImage } from '../image/rgb-image';
import { inferno } from './colormap';
import { RgbaImage } from './raster';

/** Values on a height x width grid, row-major. */
export interface ScalarMap {
  data: ArrayLike<number>;
  height: number;
  width: number;
}

export interface HeatmapOptions {
  /** Opacity of the heat colours over the image, 0..1 (default 0.5). */
  alpha?: number;
  /** Quantile of the map shown as the brightest colour, 0 < clip <= 1 (default 0.99; 1 = the maximum). */
  clip?: number;
}

export const DEFAULT_ALPHA = 0.5;
export const DEFAULT_CLIP = 0.99;

function checkAlpha(alpha: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`alpha must be a number from 0 to 1, got ${alpha}`);
  return alpha;
}

function checkClip(clip: number): number {
  if (!(clip > 0 && clip <= 1)) throw new InputError(`clip must be a quantile above 0 and at most 1, got ${clip}`);
  return clip;
}

function checkMap(map: ScalarMap): void {
  const { height, width } = map;
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1 || map.data.length !== height * width) {
    throw new InputError(`a map of ${height}x${width} values needs ${height * width} of them, got ${map.data.length}`);
  }
}

/** The value shown as the brightest colour: the map's `clip` quantile (nearest rank). */
export function displayTop(map: ScalarMap, clip = DEFAULT_CLIP): number {
  checkMap(map);
  checkClip(clip);
  if (clip === 1) {
    let max = -Infinity;
    for (let i = 0; i < map.data.length; i++) max = Math.max(max, map.data[i]);
    return max;
  }
  const sorted = Float64Array.from(map.data).sort();
  return sorted[Math.ceil(clip * sorted.length) - 1];
}

/** The map at the image's resolution, divided by `top` (0 when top is not positive). */
export function displayValues(map: ScalarMap, width: number, height: number, top: number): Float32Array {
  checkMap(map);
  const scale = top > 0 ? 1 / top : 0;
  const out = new Float32Array(width * height);
  if (map.width === width && map.height === height) {
    for (let i = 0; i < out.length; i++) out[i] = map.data[i] * scale;
    return out;
  }
  // Bilinear, each output pixel centre mapped to map coordinates (align_corners = false).
  const sy = map.height / height;
  const sx = map.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), map.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), map.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const wx = fx - x0;
      const top = map.data[y0 * map.width + x0] * (1 - wx) + map.data[y0 * map.width + x1] * wx;
      const bottom = map.data[y1 * map.width + x0] * (1 - wx) + map.data[y1 * map.width + x1] * wx;
      out[y * width + x] = (top * (1 - wy) + bottom * wy) * scale;
    }
  }
  return out;
}

/** The heat overlay of `map` on `image` (alpha 0: the image exactly; alpha 1: the colours alone). */
export function heatmapOverlay(map: ScalarMap, image: RgbImage, options: HeatmapOptions = {}): RgbaImage {
  const alpha = checkAlpha(options.alpha ?? DEFAULT_ALPHA);
  const { width, height } = image;
  const values = displayValues(map, width, height, displayTop(map, options.clip));
  const out: RgbaImage = { width, height, data: new Uint8Array(width * height * 4) };
  for (let p = 0; p < width * height; p++) {
    const color = inferno(values[p]);
    for (let c = 0; c < 3; c++) out.data[p * 4 + c] = Math.round((1 - alpha) * image.data[p * 3 + c] + alpha * color[c]);
    out.data[p * 4 + 3] = 255;
  }
  return out;
}
