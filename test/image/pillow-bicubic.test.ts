/** The resampler on its own: against Pillow's output (fixtures, crop boxes from the manifest) and by property. */
import * as fs from 'fs';
import { centerCropBox, crop } from '../../src/image/center-crop';
import { decodeRgba, stopDecoderWorker } from '../../src/image/decoder-worker';
import { resizeBicubic } from '../../src/image/pillow-bicubic';
import { RgbImage, toRgb } from '../../src/image/rgb-image';
import { fixturePath, readFixture, readFixtureJson } from '../fixtures';

interface Case {
  name: string;
  image: string;
  expected: string;
  oriented_size_wh: [number, number];
  crop: { top: number; left: number; height: number; width: number };
}
const CASES = readFixtureJson<{ cases: Case[] }>('preprocess', 'manifest.json').cases;

afterAll(stopDecoderWorker);

/** Deterministic pseudo-random image (a 32-bit LCG), with extreme values to exercise clipping. */
function noiseImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 31 ? 255 : (s >>> 16) & 255;
  }
  return { width, height, data };
}

function transpose(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      for (let c = 0; c < 3; c++) data[(x * image.height + y) * 3 + c] = image.data[(y * image.width + x) * 3 + c];
    }
  }
  return { width: image.height, height: image.width, data };
}

// Lossless cases only: the decoded pixels are then Pillow's, so the resampler alone is under test.
describe.each(CASES.filter((c) => c.image.endsWith('.png')))('$name: crop box from the manifest, then resize', ({ image, expected, crop: box }) => {
  test(`${box.width} -> 224 matches Pillow's resized_uint8`, async () => {
    const decoded = await decodeRgba('jimp', fs.readFileSync(fixturePath('preprocess', image)));
    const rgb = toRgb(decoded.data, decoded.width, decoded.height, 4);
    const resized = resizeBicubic(crop(rgb, box), 224, 224);
    const want = (await readFixture('preprocess', expected)).rawBytes('resized_uint8');
    expect(Buffer.from(resized.data).equals(Buffer.from(want))).toBe(true);
  });
});

test('the fixtures cover both directions: an upscale (coffee_small) and downscales', () => {
  const sides = CASES.map((c) => c.crop.width);
  expect(Math.min(...sides)).toBeLessThan(224);
  expect(Math.max(...sides)).toBeGreaterThan(224);
});

test('resizing to the same size is an exact copy (not the same buffer)', () => {
  const image = noiseImage(37, 23, 1);
  const out = resizeBicubic(image, 37, 23);
  expect(out.data).toEqual(image.data);
  expect(out.data).not.toBe(image.data);
});

test.each([
  [50, 30, 224, 224],
  [300, 200, 224, 224],
  [7, 500, 3, 9],
])('a constant image stays constant (%ix%i -> %ix%i)', (w, h, ow, oh) => {
  for (const value of [0, 1, 128, 254, 255]) {
    const out = resizeBicubic({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(value) }, ow, oh);
    expect(out.data.length).toBe(ow * oh * 3);
    expect(out.data.every((v) => v === value)).toBe(true);
  }
});

test.each([
  [40, 30, 17],
  [40, 30, 95],
  [13, 8, 1],
])('one axis only (%ix%i, width -> %i): the horizontal pass equals the transposed vertical pass', (w, h, ow) => {
  const image = noiseImage(w, h, 7);
  const horizontal = resizeBicubic(image, ow, h);
  const vertical = transpose(resizeBicubic(transpose(image), h, ow));
  expect(horizontal.height).toBe(h);
  expect(horizontal.data).toEqual(vertical.data);
});

test('a one-axis resize leaves columns independent: identical rows stay identical', () => {
  const row = noiseImage(60, 1, 3);
  const rows = new Uint8Array(60 * 5 * 3);
  for (let y = 0; y < 5; y++) rows.set(row.data, y * 60 * 3);
  const out = resizeBicubic({ width: 60, height: 5, data: rows }, 21, 5);
  const first = out.data.subarray(0, 21 * 3);
  for (let y = 1; y < 5; y++) expect(out.data.subarray(y * 21 * 3, (y + 1) * 21 * 3)).toEqual(first);
});

test('center crop: the README examples and the manifest boxes', () => {
  const ratio = { height: 224 / 256, width: 224 / 256 };
  expect(centerCropBox(451, 300, ratio)).toEqual({ top: 19, left: 94, height: 262, width: 262 });
  expect(centerCropBox(280, 427, ratio)).toEqual({ top: 91, left: 17, height: 245, width: 245 });
  expect(centerCropBox(150, 100, ratio)).toEqual({ top: 6, left: 31, height: 87, width: 87 });
  expect(centerCropBox(1411, 1411, ratio)).toEqual({ top: 88, left: 88, height: 1234, width: 1234 });
  expect(centerCropBox(256, 300, ratio).width).toBe(224);
  expect(centerCropBox(257, 257, ratio).width).toBe(224);
  for (const c of CASES) expect(centerCropBox(c.oriented_size_wh[0], c.oriented_size_wh[1], ratio)).toEqual(c.crop);
});
