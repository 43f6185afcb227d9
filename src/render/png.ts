/**
 * PNG encoding of an RgbaImage (8 bits per channel; RGB when every pixel is opaque), with optional
 * text chunks (e.g. "Title"). Pure: bytes in memory, deflate by fflate, so it runs in Node and in
 * the browser alike.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../crc32';
import type { RgbaImage } from './raster';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** length, type, data, CRC of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** iTXt: keyword (Latin-1, 1-79 chars), uncompressed UTF-8 text, no language tag. */
function textChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`PNG text keyword must be 1-79 printable ASCII characters, got '${keyword}'`);
  const key = new TextEncoder().encode(keyword);
  const value = new TextEncoder().encode(text);
  return chunk('iTXt', concat([key, new Uint8Array([0, 0, 0, 0, 0]), value]));
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Scanlines, each prefixed with the filter (of the five) whose output has the smallest sum of
 * absolute values: the usual heuristic, and several times smaller than unfiltered for photos.
 */
function filteredScanlines(pixels: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes);
  const zeros = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? pixels.subarray((y - 1) * rowBytes, y * rowBytes) : zeros;
    let best = Infinity;
    for (let filter = 0; filter < 5; filter++) {
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const c = i >= bpp ? up[i - bpp] : 0;
        const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? up[i] : filter === 3 ? (a + up[i]) >> 1 : paeth(a, up[i], c);
        const v = (row[i] - predictor) & 0xff;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        const at = y * (rowBytes + 1);
        out[at] = filter;
        out.set(candidate, at + 1);
      }
    }
  }
  return out;
}

/** PNG file bytes; `text` entries become iTXt chunks (keyword -> UTF-8 text). */
export function encodePng(image: RgbaImage, text: Record<string, string> = {}): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) throw new Error(`RgbaImage ${width}x${height} needs ${width * height * 4} bytes, has ${data.length}`);
  let opaque = true;
  for (let i = 3; i < data.length && opaque; i += 4) opaque = data[i] === 255;
  const bpp = opaque ? 3 : 4;
  const pixels = opaque ? new Uint8Array(width * height * 3) : data;
  if (opaque) for (let p = 0, s = 0, d = 0; p < width * height; p++, s += 4, d += 3) pixels.set(data.subarray(s, s + 3), d);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, opaque ? 2 : 6, 0, 0, 0], 8); // bit depth 8, colour type RGB / RGBA, deflate, adaptive filters, no interlace
  return concat([
    new Uint8Array(SIGNATURE),
    chunk('IHDR', header),
    ...Object.entries(text).map(([k, v]) => textChunk(k, v)),
    chunk('IDAT', zlibSync(filteredScanlines(pixels, width * bpp, height, bpp), { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
