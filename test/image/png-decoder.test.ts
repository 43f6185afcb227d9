/**
 * The PNG decoder against PNGs written here by an independent encoder (node's zlib, forward
 * filters, Adam7 pass extraction): every colour type and bit depth, both interlace methods, all
 * five filters. Expected pixels come from the source samples by Pillow 9.4's `convert('RGB')`
 * rules (png-decoder.ts); the 8-bit cases are also checked against jimp, which the fixtures
 * README found identical to Pillow there. Real photos are covered bit-exact by the preprocess fixtures.
 */
import * as zlib from 'zlib';
import { ImageError } from '../../src/errors';
import { decodeImage } from '../../src/image/decode-image';
import { decodeRgba, stopDecoderWorker } from '../../src/image/decoder-worker';
import { pngChunk } from '../hostile/corpus';

afterAll(() => stopDecoderWorker());

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

interface Source {
  colorType: number;
  bitDepth: number;
  width: number;
  height: number;
  /** channels * width * height samples, each below 2^bitDepth. */
  samples: number[];
  palette?: number[];
  interlace?: boolean;
}

/** Deterministic samples: a 32-bit LCG, so a failure reproduces. */
function randomSamples(count: number, bitDepth: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s >>> (32 - bitDepth));
  }
  return out;
}

/** Packs one row's samples big-endian at `bitDepth` bits, rows padded to whole bytes. */
function packRow(samples: number[], bitDepth: number): Uint8Array {
  const row = new Uint8Array(Math.ceil((samples.length * bitDepth) / 8));
  samples.forEach((v, i) => {
    if (bitDepth === 16) {
      row[2 * i] = v >> 8;
      row[2 * i + 1] = v & 255;
    } else if (bitDepth === 8) row[i] = v;
    else row[(i * bitDepth) >> 3] |= v << (8 - bitDepth - ((i * bitDepth) % 8));
  });
  return row;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Applies filter `type` to `raw` given the unfiltered row above. */
function filterRow(type: number, raw: Uint8Array, above: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const a = i >= bpp ? raw[i - bpp] : 0;
    const b = above[i];
    const c = i >= bpp ? above[i - bpp] : 0;
    const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type];
    out[i] = (raw[i] - predictor) & 255;
  }
  return out;
}

function encodePng(src: Source): Buffer {
  const { colorType, bitDepth, width, height } = src;
  const channels = CHANNELS[colorType];
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  const passes = src.interlace ? ADAM7_PASSES : [[0, 0, 1, 1]];
  const rows: Uint8Array[] = [];
  passes.forEach(([x0, y0, dx, dy], p) => {
    let above: Uint8Array | undefined;
    for (let y = y0; y < height; y += dy) {
      const samples: number[] = [];
      for (let x = x0; x < width; x += dx) samples.push(...src.samples.slice((y * width + x) * channels, (y * width + x + 1) * channels));
      if (!samples.length) break;
      const raw = packRow(samples, bitDepth);
      const type = (y + p) % 5;
      rows.push(Uint8Array.of(type), filterRow(type, raw, above ?? new Uint8Array(raw.length), bpp));
      above = raw;
    }
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, src.interlace ? 1 : 0], 8);
  const chunks = [pngChunk('IHDR', ihdr)];
  if (src.palette) chunks.push(pngChunk('PLTE', Uint8Array.from(src.palette)));
  chunks.push(pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), pngChunk('IEND', new Uint8Array()));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

/** The RGB bytes Pillow 9.4's convert('RGB') gives for the source samples (the rules in png-decoder.ts). */
function pillowRgb(src: Source): Uint8Array {
  const { colorType, bitDepth, width, height, samples } = src;
  const channels = CHANNELS[colorType];
  const out = new Uint8Array(width * height * 3);
  const toByte = (v: number) => (bitDepth === 16 ? v >> 8 : v);
  for (let p = 0; p < width * height; p++) {
    const s = samples.slice(p * channels, (p + 1) * channels);
    let rgb: number[];
    if (colorType === 0) {
      const level = bitDepth === 16 ? Math.min(255, s[0]) : bitDepth === 8 ? s[0] : (s[0] * 255) / (2 ** bitDepth - 1);
      rgb = [level, level, level];
    } else if (colorType === 3) {
      const palette = src.palette!;
      rgb = 3 * s[0] + 2 < palette.length ? palette.slice(3 * s[0], 3 * s[0] + 3) : [0, 0, 0];
    } else if (colorType === 4) rgb = [toByte(s[0]), toByte(s[0]), toByte(s[0])];
    else rgb = s.slice(0, 3).map(toByte);
    out.set(rgb, p * 3);
  }
  return out;
}

const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
// Odd sizes: partial bytes at row ends and Adam7 passes of every size, including empty ones (1 pixel wide).
const SIZES = [
  [13, 11],
  [1, 9],
  [3, 1],
];

function source(colorType: number, bitDepth: number, width: number, height: number, interlace: boolean): Source {
  const channels = CHANNELS[colorType];
  const seed = colorType * 1000 + bitDepth * 10 + width + height;
  if (colorType !== 3) return { colorType, bitDepth, width, height, interlace, samples: randomSamples(channels * width * height, bitDepth, seed) };
  // A palette shorter than the index range, so that some indices fall past its end (black in Pillow).
  const entries = Math.max(1, (2 ** bitDepth * 3) >> 2);
  return { colorType, bitDepth, width, height, interlace, samples: randomSamples(width * height, bitDepth, seed), palette: randomSamples(3 * entries, 8, seed + 1) };
}

const CASES = Object.entries(DEPTHS).flatMap(([type, depths]) =>
  depths.flatMap((bitDepth) => SIZES.flatMap(([w, h]) => [false, true].map((interlace) => source(Number(type), bitDepth, w, h, interlace)))),
);

const label = (s: Source) => `colour type ${s.colorType}, ${s.bitDepth}-bit, ${s.width}x${s.height}${s.interlace ? ', Adam7' : ''}`;

test.each(CASES.map((s) => [label(s), s] as const))('%s decodes to the pixels Pillow gives', async (_, src) => {
  const image = await decodeImage(encodePng(src), 'case.png');
  expect([image.width, image.height]).toEqual([src.width, src.height]);
  expect(Buffer.from(image.data).equals(Buffer.from(pillowRgb(src)))).toBe(true);
});

test('16-bit grey above 255 clips to white and small values stay (Pillow opens it as a 32-bit integer image)', async () => {
  const src: Source = { colorType: 0, bitDepth: 16, width: 4, height: 1, samples: [0, 200, 256, 65535] };
  expect(Array.from((await decodeImage(encodePng(src), 'grey16.png')).data)).toEqual([0, 0, 0, 200, 200, 200, 255, 255, 255, 255, 255, 255]);
});

const EIGHT_BIT = CASES.filter((s) => s.bitDepth === 8 && (s.colorType !== 3 || 3 * 255 + 2 < s.palette!.length));

test.each(EIGHT_BIT.map((s) => [label(s), s] as const))('%s matches jimp', async (_, src) => {
  const bytes = encodePng(src);
  const ours = await decodeImage(bytes, 'case.png');
  const theirs = await decodeRgba('jimp', bytes);
  const rgb = new Uint8Array(src.width * src.height * 3);
  for (let p = 0; p < src.width * src.height; p++) rgb.set(theirs.data.subarray(4 * p, 4 * p + 3), 3 * p);
  expect(Buffer.from(ours.data).equals(Buffer.from(rgb))).toBe(true);
});

test('a row with filter type 5 is refused, naming the row', async () => {
  const src = source(2, 8, 13, 11, false);
  const bytes = encodePng(src);
  // Rewrite the IDAT with row 4's filter byte set to 5.
  const idatAt = bytes.indexOf(Buffer.from('IDAT')) - 4;
  const scanlines = zlib.inflateSync(bytes.subarray(idatAt + 8, idatAt + 8 + bytes.readUInt32BE(idatAt)));
  scanlines[4 * (1 + 13 * 3)] = 5;
  const broken = Buffer.concat([bytes.subarray(0, idatAt), pngChunk('IDAT', zlib.deflateSync(scanlines)), pngChunk('IEND', new Uint8Array())]);
  await expect(decodeImage(broken, 'bad-filter.png')).rejects.toThrow(new ImageError('bad-filter.png: PNG row 4 has filter type 5, not 0 to 4 (corrupt)'));
});

test('a palette PNG without PLTE is refused', async () => {
  const src = source(3, 8, 3, 1, false);
  const bytes = encodePng({ ...src, palette: undefined });
  await expect(decodeImage(bytes, 'no-plte.png')).rejects.toThrow(new ImageError('no-plte.png: palette PNG without a PLTE chunk (corrupt)'));
});
