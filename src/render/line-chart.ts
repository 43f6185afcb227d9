/**
 * A line chart of values per step (e.g. loss and accuracy per epoch), drawn with the raster and font
 * helpers: axes with numbered ticks, one coloured line with point markers per series, a legend.
 */
import { textHeight, textWidth, drawText } from './font';
import { BLACK, createImage, fillRect, Rgb, RgbaImage } from './raster';

export interface Series {
  name: string;
  color: Rgb;
  /** The value at x = 1, 2, ...; null where there is none. */
  values: readonly (number | null)[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  width?: number;
  height?: number;
  /** Fixed y range (e.g. 0..1 for accuracy); otherwise the data's range, padded. */
  yMin?: number;
  yMax?: number;
  /** Tick labels as percentages (values 0..1). */
  percent?: boolean;
}

const SCALE = 2;
const GRID: Rgb = [225, 225, 225];
const MARGIN = { left: 84, right: 20, top: 64, bottom: 56 };

/** Round tick spacing (1, 2 or 5 x 10^k) giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
}

function line(image: RgbaImage, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let i = 0; i <= steps; i++) fillRect(image, x0 + ((x1 - x0) * i) / steps - 1, y0 + ((y1 - y0) * i) / steps - 1, 3, 3, color);
}

export function lineChart(series: readonly Series[], options: ChartOptions): RgbaImage {
  const width = options.width ?? 600;
  const height = options.height ?? 400;
  const image = createImage(width, height);
  const plot = { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  let yMin = options.yMin ?? Math.min(...values, Infinity);
  let yMax = options.yMax ?? Math.max(...values, -Infinity);
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) [yMin, yMax] = [0, 1];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  if (options.yMin === undefined) yMin -= (yMax - yMin) * 0.05;
  if (options.yMax === undefined) yMax += (yMax - yMin) * 0.05;
  const px = (x: number) => plot.x + ((x - 1) / (n - 1)) * plot.w;
  const py = (y: number) => plot.y + plot.h - ((y - yMin) / (yMax - yMin)) * plot.h;

  const yStep = tickStep(yMax - yMin, 5);
  const decimals = options.percent ? Math.max(0, -Math.floor(Math.log10(yStep * 100))) : Math.max(0, -Math.floor(Math.log10(yStep)));
  for (let t = Math.ceil(yMin / yStep) * yStep; t <= yMax + 1e-12; t += yStep) {
    const y = Math.round(py(t));
    fillRect(image, plot.x, y, plot.w, 1, GRID);
    const label = options.percent ? `${(t * 100).toFixed(decimals)}%` : t.toFixed(decimals);
    drawText(image, label, plot.x - 8 - textWidth(label, SCALE), y - textHeight(SCALE) / 2, BLACK, SCALE);
  }
  const xStep = Math.max(1, Math.ceil(tickStep(n - 1, 8)));
  for (let x = 1; x <= n; x += xStep) {
    const X = Math.round(px(x));
    fillRect(image, X, plot.y + plot.h, 1, 6, BLACK);
    drawText(image, String(x), X - textWidth(String(x), SCALE) / 2, plot.y + plot.h + 10, BLACK, SCALE);
  }
  fillRect(image, plot.x, plot.y, 1, plot.h + 1, BLACK);
  fillRect(image, plot.x, plot.y + plot.h, plot.w + 1, 1, BLACK);
  drawText(image, options.title, (width - textWidth(options.title, SCALE)) / 2, 12, BLACK, SCALE);
  drawText(image, options.xLabel, plot.x + (plot.w - textWidth(options.xLabel, SCALE)) / 2, height - textHeight(SCALE) - 8, BLACK, SCALE);

  for (const s of series) {
    let previous: [number, number] | null = null;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        previous = null;
        return;
      }
      const point: [number, number] = [px(i + 1), py(v)];
      if (previous) line(image, previous[0], previous[1], point[0], point[1], s.color);
      fillRect(image, point[0] - 4, point[1] - 4, 9, 9, s.color);
      previous = point;
    });
  }
  // Legend: one row under the title, right-aligned, outside the plot so that no line hides it.
  let lx = plot.x + plot.w;
  for (const s of [...series].reverse()) {
    lx -= textWidth(s.name, SCALE) + 28;
    fillRect(image, lx, 38, 20, 10, s.color);
    drawText(image, s.name, lx + 28, 36, BLACK, SCALE);
    lx -= 24;
  }
  return image;
}
