/**
 * The rendering helpers: PNG bytes decoded back by an independent decoder, the heat overlay's
 * blending and resampling, the colormap, the font, and the layout of the explain pictures.
 */
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import type { RgbImage } from '../../src/image/rgb-image';
import { latentGridPicture, latentGridPng, rolloutPicture, rolloutPng } from '../../src/render/attention-pictures';
import { inferno } from '../../src/render/colormap';
import { drawText, fitText, textWidth } from '../../src/render/font';
import { heatmapOverlay, ScalarMap } from '../../src/render/heatmap';
import { encodePng } from '../../src/render/png';
import { BLACK, createImage, fromRgb, RgbaImage } from '../../src/render/raster';
import { decodePng, luma, pngText, region } from './png-reading';

afterAll(stopDecoderWorker);

/** A deterministic photo-like image: smooth gradients plus LCG noise. */
function testImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        data[(y * width + x) * 3 + c] = (((x * 255) / width + (y * 128) / height + c * 60 + ((s >>> 24) & 31)) | 0) & 255;
      }
    }
  }
  return { width, height, data };
}

/** A map with one clear maximum at (row, col) and a smaller bump elsewhere. */
function bumpMap(height: number, width: number, row: number, col: number): ScalarMap {
  const data = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = Math.exp(-((y - row) ** 2 + (x - col) ** 2) / 8) + 0.5 * Math.exp(-((y - 2) ** 2 + (x - 3) ** 2) / 4) + 1e-3;
    }
  }
  return { data, height, width };
}

const argmax = (n: number, f: (i: number) => number) => {
  let best = 0;
  for (let i = 1; i < n; i++) if (f(i) > f(best)) best = i;
  return best;
};

describe('encodePng', () => {
  test('an opaque image decodes to the same pixels, with its text chunks', async () => {
    const image = fromRgb(testImage(37, 23));
    const bytes = encodePng(image, { Title: 'tabby cat 0.41 — ünïcode', Description: 'test' });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const decoded = await decodePng(bytes);
    expect([decoded.width, decoded.height]).toEqual([37, 23]);
    expect(Buffer.from(decoded.data).equals(Buffer.from(image.data))).toBe(true);
    expect(pngText(bytes)).toEqual({ Title: 'tabby cat 0.41 — ünïcode', Description: 'test' });
  });

  test('transparency is kept (RGBA), and photos compress', async () => {
    const image = fromRgb(testImage(64, 48));
    for (let i = 3; i < image.data.length; i += 16) image.data[i] = i & 255;
    const decoded = await decodePng(encodePng(image));
    expect(Buffer.from(decoded.data).equals(Buffer.from(image.data))).toBe(true);
    expect(encodePng(fromRgb(testImage(64, 48))).length).toBeLessThan(64 * 48 * 3);
  });

  test('a bad text keyword is refused', () => {
    expect(() => encodePng(createImage(2, 2), { '': 'x' })).toThrow(/keyword/);
  });
});

describe('heat overlay', () => {
  const image = testImage(40, 30);

  test('alpha 0 gives the image exactly; alpha 1 the colours alone', () => {
    const map = bumpMap(30, 40, 20, 30);
    expect(Buffer.from(heatmapOverlay(map, image, { alpha: 0 }).data).equals(Buffer.from(fromRgb(image).data))).toBe(true);
    const colours = heatmapOverlay(map, image, { alpha: 1, clip: 1 });
    const max = Math.max(...Array.from(map.data));
    for (const p of [0, 123, 20 * 40 + 30]) {
      expect(Array.from(colours.data.subarray(4 * p, 4 * p + 3))).toEqual([...inferno(map.data[p] / max)]);
    }
  });

  test("clip: the map's quantile and everything above it get the brightest colour, the rest scales below it", () => {
    const data = Float32Array.from({ length: 30 * 40 }, (_, i) => i); // 1200 distinct values 0..1199
    const map = { data, height: 30, width: 40 };
    const colours = heatmapOverlay(map, image, { alpha: 1, clip: 0.9 });
    const top = 1079; // the 1080th smallest value: the 0.9 quantile (nearest rank)
    const colour = (p: number) => Array.from(colours.data.subarray(4 * p, 4 * p + 3));
    for (const p of [top, top + 1, 1199]) expect(colour(p)).toEqual([...inferno(1)]);
    for (const p of [0, 500, 1000]) expect(colour(p)).toEqual([...inferno(p / top)]);
    expect(() => heatmapOverlay(map, image, { clip: 0 })).toThrow(/clip must be a quantile above 0 and at most 1, got 0/);
  });

  test('the hottest map pixel is the hottest overlay pixel (same grid, and a 4x coarser grid resampled)', () => {
    const alpha = 0.5;
    const rgb = fromRgb(image);
    for (const map of [bumpMap(30, 40, 20, 30), bumpMap(8, 10, 5, 7)]) {
      const cell = argmax(map.data.length, (i) => map.data[i]);
      const inCell = (p: number) => Math.floor((Math.floor(p / 40) * map.height) / 30) * map.width + Math.floor(((p % 40) * map.width) / 40) === cell;
      for (const clip of [1, 0.99]) {
        const overlay = heatmapOverlay(map, image, { alpha, clip });
        // Brightness of each pixel's heat colour, recovered from the blend (+-0.5 / alpha of 8-bit rounding).
        const heat = (p: number) => (luma(overlay, p) - (1 - alpha) * luma(rgb, p)) / alpha;
        const hottest = argmax(40 * 30, heat);
        if (clip === 1) expect(inCell(hottest)).toBe(true); // unclipped: the one brightest pixel lies in the map's hottest cell
        // Clipped, several pixels share the brightest colour; those of the hottest cell are among them.
        const inside = Array.from({ length: 40 * 30 }, (_, p) => p).filter(inCell);
        expect(Math.max(...inside.map(heat))).toBeGreaterThanOrEqual(heat(hottest) - 1 / alpha);
      }
    }
  });

  test('bad alpha or map sizes are InputErrors', () => {
    const map = bumpMap(3, 4, 1, 1);
    expect(() => heatmapOverlay(map, image, { alpha: 1.5 })).toThrow(/alpha must be a number from 0 to 1/);
    expect(() => heatmapOverlay(map, image, { alpha: NaN })).toThrow(/alpha/);
    expect(() => heatmapOverlay({ ...map, height: 4 }, image, { alpha: 0.5 })).toThrow(/4x4 values needs 16 of them, got 12/);
  });
});

test('inferno: matplotlib endpoints, brightness rising monotonically', () => {
  expect([...inferno(0)]).toEqual([0, 0, 4]);
  expect([...inferno(1)]).toEqual([252, 255, 164]);
  expect([...inferno(-1)]).toEqual([0, 0, 4]);
  expect([...inferno(NaN)]).toEqual([0, 0, 4]);
  const l = Array.from({ length: 256 }, (_, i) => {
    const [r, g, b] = inferno(i / 256);
    return 0.299 * r + 0.587 * g + 0.114 * b;
  });
  for (let i = 1; i < 256; i++) expect(l[i]).toBeGreaterThanOrEqual(l[i - 1]);
});

describe('font', () => {
  test('draws ink only inside its box, at every scale', () => {
    for (const scale of [1, 2]) {
      const image = createImage(100, 30);
      drawText(image, 'Ag#9~', 3, 4, BLACK, scale);
      const w = textWidth('Ag#9~', scale);
      let ink = 0;
      for (let p = 0; p < 100 * 30; p++) {
        if (image.data[4 * p] === 0) {
          ink++;
          const [y, x] = [Math.floor(p / 100), p % 100];
          expect(x >= 3 && x < 3 + w && y >= 4 && y < 4 + 7 * scale).toBe(true);
        }
      }
      expect(ink).toBeGreaterThan(20 * scale * scale);
    }
  });

  test('different characters look different; non-ASCII is drawn as ?', () => {
    const draw = (t: string) => {
      const image = createImage(6, 7);
      drawText(image, t, 0, 0, BLACK);
      return Buffer.from(image.data).toString('hex');
    };
    const printable = Array.from({ length: 94 }, (_, i) => draw(String.fromCharCode(33 + i)));
    expect(new Set(printable).size).toBe(94);
    expect(draw('é')).toBe(draw('?'));
  });

  test('fitText cuts with an ellipsis', () => {
    expect(fitText('short', 100)).toBe('short');
    const cut = fitText('a rather long label that does not fit', 60);
    expect(cut.endsWith('...')).toBe(true);
    expect(textWidth(cut)).toBeLessThanOrEqual(60);
  });
});

describe('explain pictures', () => {
  const image = testImage(48, 40);
  const map = bumpMap(40, 48, 25, 30);

  test('rollout PNG: the overlay on top at the image size, a legend strip below, label in the title', async () => {
    for (const narrow of [testImage(8, 6), testImage(1, 1)]) expect(rolloutPicture(bumpMap(3, 3, 1, 1), narrow, { legend: 'a long legend' }).width).toBe(narrow.width);
    const bytes = rolloutPng(map, image, { alpha: 0, legend: 'tabby cat 0.412' });
    const decoded = await decodePng(bytes);
    expect(decoded.width).toBe(48);
    expect(decoded.height).toBeGreaterThan(40);
    expect(Buffer.from(region(decoded, 0, 0, 48, 40).data).equals(Buffer.from(fromRgb(image).data))).toBe(true);
    expect(pngText(bytes).Title).toBe('tabby cat 0.412');
    // The strip holds text (black) and the colour bar, whose right end is the colormap's brightest colour.
    const strip = region(decoded, 0, 40, 48, decoded.height - 40);
    const pixels = Array.from({ length: strip.width * strip.height }, (_, p) => Array.from(strip.data.subarray(4 * p, 4 * p + 3)).join());
    expect(pixels).toContain('0,0,0');
    expect(pixels).toContain(inferno(1).join());
    expect(rolloutPicture(map, image, { legend: 'tabby cat 0.412' }).height).toBe(decoded.height);
  });

  test('latent grid PNG: tiles in order, each the overlay of its latent, captioned below', async () => {
    const latents = [0, 1, 2, 3, 4].map((i) => ({ index: 10 + i, weight: 0.1 / (i + 1), map: bumpMap(40, 48, 5 + 6 * i, 8 * i) }));
    const grid = latentGridPicture(latents, image, { alpha: 0.6, columns: 2 });
    const decoded = await decodePng(latentGridPng(latents, image, { alpha: 0.6, columns: 2 }));
    expect([decoded.width, decoded.height]).toEqual([grid.width, grid.height]);
    expect(decoded.width).toBe(2 * 48 + 3 * 4);
    const tileHeight = (decoded.height - 4) / 3; // 3 rows of (tile + gap) below the top gap
    latents.forEach((l, i) => {
      const x = 4 + (i % 2) * (48 + 4);
      const y = 4 + Math.floor(i / 2) * tileHeight;
      const tile: RgbaImage = region(decoded, x, y, 48, 40);
      expect(Buffer.from(tile.data).equals(Buffer.from(heatmapOverlay(l.map, image, { alpha: 0.6 }).data))).toBe(true);
      const caption = region(decoded, x, y + 40, 48, tileHeight - 40 - 4);
      expect(caption.data.some((v, j) => j % 4 !== 3 && v === 0)).toBe(true); // black caption ink
    });
  });
});
