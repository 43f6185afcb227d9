/**
 * PNG to 8-bit RGB as Pillow 9.4's `Image.open(f).convert('RGB')` gives it (the reference loader,
 * fixtures preprocess/README): pure TypeScript, so Node and the browser decode the same bytes to
 * the same pixels. The rules that differ from "scale every sample to 8 bits" are Pillow's:
 * - 16-bit RGB, RGBA and grey+alpha samples keep their high byte (jimp rounds v*255/65535);
 * - 16-bit grey opens as a 32-bit integer image, whose RGB conversion clips at 255;
 * - 1, 2 and 4-bit grey are scaled by 255, 85 and 17; palette indices look up PLTE, an index
 *   past its end is black (Pillow's palette is zero-filled);
 * - transparency (tRNS, alpha channels) is dropped, never composited: colours stay as stored.
 */
import { ADAM7, COLOR_TYPES, Ihdr, PngContent } from './png-structure';
import { RgbImage } from './rgb-image';

type Fail = (reason: string) => never;

/** Reverses a row's filter in place; `previous` is the row above, unfiltered (zeros for the first row of a pass). */
function unfilter(type: number, row: Uint8Array, previous: Uint8Array, bpp: number, fail: () => never): void {
  const n = row.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i] + previous[i]) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) row[i] = (row[i] + (((i >= bpp ? row[i - bpp] : 0) + previous[i]) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const b = previous[i];
        const c = i >= bpp ? previous[i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        row[i] = (row[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      fail();
  }
}

/** Writes one unfiltered row's `count` pixels as RGB at `out[at]`, `at + stride`, ... */
type RowWriter = (row: Uint8Array, count: number, out: Uint8Array, at: number, stride: number) => void;

/** The i-th sample of a row packed at `depth` < 8 bits, most significant bits first. */
const packed = (row: Uint8Array, i: number, depth: number): number => (row[(i * depth) >> 3] >> (8 - depth - ((i * depth) & 7))) & ((1 << depth) - 1);

/** Per colour type and bit depth: how a row becomes RGB. */
function rowWriter(ihdr: Ihdr, palette: Uint8Array | undefined): RowWriter {
  const { colorType, bitDepth } = ihdr;
  const grey = (level: (row: Uint8Array, i: number) => number): RowWriter => (row, count, out, at, stride) => {
    for (let i = 0; i < count; i++, at += stride) out[at] = out[at + 1] = out[at + 2] = level(row, i);
  };
  // Byte offset of R, G, B (or grey) of pixel i among `samples` interleaved samples of `bytes` bytes each (16-bit: the high byte).
  const interleaved = (samples: number, bytes: number, channels: 1 | 3): RowWriter => (row, count, out, at, stride) => {
    const step = samples * bytes;
    for (let i = 0, s = 0; i < count; i++, at += stride, s += step) {
      if (channels === 1) out[at] = out[at + 1] = out[at + 2] = row[s];
      else {
        out[at] = row[s];
        out[at + 1] = row[s + bytes];
        out[at + 2] = row[s + 2 * bytes];
      }
    }
  };
  const bytes = bitDepth === 16 ? 2 : 1;
  switch (colorType) {
    case 0:
      if (bitDepth === 16) return grey((row, i) => Math.min(255, (row[2 * i] << 8) | row[2 * i + 1]));
      if (bitDepth === 8) return interleaved(1, 1, 1);
      return grey((row, i) => packed(row, i, bitDepth) * (255 / ((1 << bitDepth) - 1)));
    case 2:
      return interleaved(3, bytes, 3);
    case 4:
      return interleaved(2, bytes, 1);
    case 6:
      return interleaved(4, bytes, 3);
    default: {
      const colours = palette!;
      return (row, count, out, at, stride) => {
        for (let i = 0; i < count; i++, at += stride) {
          const p = 3 * (bitDepth === 8 ? row[i] : packed(row, i, bitDepth));
          const inside = p + 2 < colours.length;
          out[at] = inside ? colours[p] : 0;
          out[at + 1] = inside ? colours[p + 1] : 0;
          out[at + 2] = inside ? colours[p + 2] : 0;
        }
      };
    }
  }
}

/** Decodes what readPng read; `fail` throws the caller's error (a bad filter byte is the only failure left). */
export function decodePng({ ihdr, palette, scanlines }: PngContent, fail: Fail): RgbImage {
  const { width, height } = ihdr;
  const bitsPerPixel = COLOR_TYPES[ihdr.colorType].channels * ihdr.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // filters look back one whole pixel, or one byte below 8 bits
  const write = rowWriter(ihdr, palette);
  const out = new Uint8Array(width * height * 3);
  const passes = ihdr.interlace ? ADAM7 : [[0, 0, 1, 1]];
  let pos = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    if (columns <= 0 || rows <= 0) continue; // an empty pass has no bytes at all, not even filter bytes
    const rowBytes = Math.ceil((columns * bitsPerPixel) / 8);
    let previous: Uint8Array = new Uint8Array(rowBytes);
    for (let r = 0; r < rows; r++, pos += 1 + rowBytes) {
      const filter = scanlines[pos];
      const row = scanlines.subarray(pos + 1, pos + 1 + rowBytes);
      const y = y0 + r * dy;
      unfilter(filter, row, previous, bpp, () => fail(`PNG row ${y} has filter type ${filter}, not 0 to 4 (corrupt)`));
      write(row, columns, out, 3 * (y * width + x0), 3 * dx);
      previous = row;
    }
  }
  return { width, height, data: out };
}
