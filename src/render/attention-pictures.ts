/**
 * The pictures of `perceiver-io explain`: the rollout map as a heat overlay with a legend (label and
 * score, colour bar from 0 to the map's maximum), and a grid of latent maps captioned with each
 * latent's index and weight. Pure functions of the maps and the model-input image; PNG bytes out.
 */
import type { RgbImage } from '../image/rgb-image';
import { inferno } from './colormap';
import { drawText, fitText, textHeight, textWidth } from './font';
import { DEFAULT_CLIP, displayTop, heatmapOverlay, HeatmapOptions, ScalarMap } from './heatmap';
import { encodePng } from './png';
import { BLACK, blit, createImage, fillRect, RgbaImage } from './raster';

export interface LatentPicture {
  /** Latent index n (row of the cross-attention). */
  index: number;
  /** Its rollout weight. */
  weight: number;
  map: ScalarMap;
}

export interface RolloutPictureOptions extends HeatmapOptions {
  /** First legend line, e.g. "tabby, tabby cat 0.412"; also the PNG's Title. */
  legend?: string;
}

export interface LatentGridOptions extends HeatmapOptions {
  /** Tiles per row (default: ceil(sqrt(count))). */
  columns?: number;
  /** A line above the grid; also the PNG's Title. */
  title?: string;
}

const PAD = 4;
const BAR_HEIGHT = 8;
const GAP = 4;

/** Short, fixed-width-ish numbers for captions: 0.412, 3.4e-3. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(1);
}

/** The largest text scale (2 or 1) at which `text` fits `width`, and the text cut to fit at it. */
function fitLine(text: string, width: number): { text: string; scale: number } {
  if (textWidth(text, 2) <= width) return { text, scale: 2 };
  return { text: fitText(text, width, 1), scale: 1 };
}

/** A colour bar from 0 (left) to the brightest colour's value (right; "+" when higher values are clipped), labelled at both ends when there is room. */
function drawColorBar(image: RgbaImage, x: number, y: number, width: number, top: number, clipped: boolean): void {
  const low = '0';
  const high = formatValue(top) + (clipped ? '+' : '');
  const labelled = width - textWidth(low) - textWidth(high) - 2 * PAD >= 16;
  const barX = labelled ? x + textWidth(low) + PAD : x;
  const barWidth = labelled ? width - textWidth(low) - textWidth(high) - 2 * PAD : width;
  for (let i = 0; i < barWidth; i++) fillRect(image, barX + i, y, 1, BAR_HEIGHT, inferno(barWidth > 1 ? i / (barWidth - 1) : 1));
  if (!labelled) return;
  const labelY = y + (BAR_HEIGHT - textHeight()) / 2;
  drawText(image, low, x, labelY, BLACK);
  drawText(image, high, barX + barWidth + PAD, labelY, BLACK);
}

/** The overlay (image-sized, top-left) above a legend strip: the legend line, then the colour bar. */
export function rolloutPicture(map: ScalarMap, image: RgbImage, options: RolloutPictureOptions = {}): RgbaImage {
  const overlay = heatmapOverlay(map, image, options);
  const line = fitLine(options.legend ?? '', image.width - 2 * PAD);
  const textRows = line.text ? textHeight(line.scale) + PAD : 0;
  const out = createImage(image.width, image.height + PAD + textRows + BAR_HEIGHT + PAD);
  blit(out, overlay, 0, 0);
  let y = image.height + PAD;
  if (line.text) {
    drawText(out, line.text, PAD, y, BLACK, line.scale);
    y += textRows;
  }
  const top = displayTop(map, options.clip);
  drawColorBar(out, PAD, y, image.width - 2 * PAD, top, displayTop(map, 1) > top);
  return out;
}

/** Tiles of overlays (one per latent, in the given order), each captioned "#index weight". */
export function latentGridPicture(latents: readonly LatentPicture[], image: RgbImage, options: LatentGridOptions = {}): RgbaImage {
  const count = Math.max(latents.length, 1);
  const columns = Math.min(Math.max(1, Math.floor(options.columns ?? Math.ceil(Math.sqrt(count)))), count);
  const rows = Math.ceil(count / columns);
  const tileHeight = image.height + PAD + textHeight() + PAD;
  const width = columns * image.width + (columns + 1) * GAP;
  const title = options.title ? fitLine(options.title, width - 2 * GAP) : undefined;
  const top = title ? GAP + textHeight(title.scale) + GAP : GAP;
  const out = createImage(width, top + rows * (tileHeight + GAP));
  if (title) drawText(out, title.text, GAP, GAP, BLACK, title.scale);
  latents.forEach((latent, i) => {
    const x = GAP + (i % columns) * (image.width + GAP);
    const y = top + Math.floor(i / columns) * (tileHeight + GAP);
    blit(out, heatmapOverlay(latent.map, image, options), x, y);
    drawText(out, fitText(`#${latent.index} ${formatValue(latent.weight)}`, image.width), x, y + image.height + PAD, BLACK);
  });
  return out;
}

export function rolloutPng(map: ScalarMap, image: RgbImage, options: RolloutPictureOptions = {}): Uint8Array {
  const clip = options.clip ?? DEFAULT_CLIP;
  const text: Record<string, string> = {
    Description: `Attention rollout: where the prediction's information came from; brightest colour at the map's ${clip} quantile (perceiver-io explain)`,
  };
  if (options.legend) text.Title = options.legend;
  return encodePng(rolloutPicture(map, image, options), text);
}

export function latentGridPng(latents: readonly LatentPicture[], image: RgbImage, options: LatentGridOptions = {}): Uint8Array {
  const text: Record<string, string> = {
    Description: `Encoder cross-attention of ${latents.length} latents, heaviest rollout weight first; caption: #latent weight; brightest colour at each map's ${options.clip ?? DEFAULT_CLIP} quantile (perceiver-io explain)`,
  };
  if (options.title) text.Title = options.title;
  return encodePng(latentGridPicture(latents, image, options), text);
}
