/**
 * Reads a PNG's chunk structure and inflates its image data, checking that it holds every row
 * before any pixel is made. Pillow refuses a PNG whose data ends early ("image file is truncated"),
 * and so do we, where a lenient decoder fills the missing rows (a 69-byte file claiming 9000x9000
 * would become 81 M black pixels). Like Pillow, a file cut after its image data (no IEND) or with bytes after
 * IEND is read; unlike Pillow, a bad chunk checksum is refused (Pillow skips that check).
 */
import { Unzlib } from 'fflate';
import { crc32 } from '../crc32';

type Fail = (reason: string) => never;

export interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey+alpha, RGBA), with the bit depths allowed. */
export const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7 passes: x start, y start, x step, y step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Compressed input is fed in pieces this small, so even a maximal-ratio (1032:1) stream inflates at most ~68 MB at a time. */
const PIECE = 65536;

const chunkType = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));

function parseIhdr(data: Uint8Array, fail: Fail): Ihdr {
  if (data.length !== 13) fail(`IHDR chunk is ${data.length} bytes, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ihdr = { width: view.getUint32(0), height: view.getUint32(4), bitDepth: data[8], colorType: data[9], interlace: data[12] };
  const type = COLOR_TYPES[ihdr.colorType];
  if (!type) fail(`IHDR has colour type ${ihdr.colorType}, not one of 0, 2, 3, 4, 6`);
  if (!type.depths.includes(ihdr.bitDepth)) fail(`IHDR has bit depth ${ihdr.bitDepth}, not allowed for colour type ${ihdr.colorType}`);
  if (ihdr.interlace > 1) fail(`IHDR has interlace method ${ihdr.interlace}, not 0 or 1`);
  return ihdr;
}

/** Bytes of filtered scanlines the image data must inflate to (a filter byte per row of each pass). */
export function expectedDataBytes(ihdr: Ihdr): number {
  const bitsPerPixel = COLOR_TYPES[ihdr.colorType].channels * ihdr.bitDepth;
  const rows = (width: number, height: number) => (width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  if (ihdr.interlace === 0) return rows(ihdr.width, ihdr.height);
  return ADAM7.reduce((n, [x0, y0, dx, dy]) => n + rows(Math.ceil((ihdr.width - x0) / dx), Math.ceil((ihdr.height - y0) / dy)), 0);
}

/** The zlib stream in `parts` inflated into `out`, stopping once it is full; returns the bytes written. */
function inflateInto(parts: Uint8Array[], out: Uint8Array, fail: Fail): number {
  let count = 0;
  const stop = new Error('enough');
  const stream = new Unzlib((chunk) => {
    const take = Math.min(chunk.length, out.length - count);
    out.set(chunk.subarray(0, take), count);
    count += take;
    if (count >= out.length) throw stop;
  });
  try {
    // Never pushed as final: a stream cut short then just yields too few bytes (truncation, which
    // the caller reports); only data that cannot be inflated at all throws.
    for (const part of parts) {
      for (let at = 0; at < part.length; at += PIECE) stream.push(part.subarray(at, at + PIECE));
    }
  } catch (e) {
    if (e === stop) return count;
    fail(`PNG image data is corrupt (zlib: ${(e as Error).message})`);
  }
  return count;
}

/** What decoding needs of a PNG: its header, palette (colour type 3) and inflated, still filtered scanlines. */
export interface PngContent {
  ihdr: Ihdr;
  /** PLTE: R, G, B per entry. */
  palette?: Uint8Array;
  /** expectedDataBytes(ihdr) bytes: a filter byte, then the packed samples, per row of each pass. */
  scanlines: Uint8Array;
}

/**
 * Validates the chunks (lengths, checksums, IHDR first, a palette where one is needed, image data
 * present and complete) and inflates the image data. `fail` throws the caller's error.
 */
export function readPng(bytes: Uint8Array, fail: Fail): PngContent {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ihdr: Ihdr | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = chunkType(bytes, pos + 4);
    if (length > bytes.length - pos - 12) break; // the file ends inside this chunk
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== view.getUint32(pos + 8 + length)) {
      fail(`PNG chunk '${type}' at byte ${pos} fails its CRC check (the file is corrupt)`);
    }
    if (!ihdr) {
      if (type !== 'IHDR') fail(`PNG starts with chunk '${type}', not IHDR (corrupt)`);
      ihdr = parseIhdr(data, fail);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = data;
    pos += 12 + length;
    if (type === 'IEND') break;
  }
  if (!ihdr) return fail('PNG without a complete IHDR chunk (truncated)');
  if (ihdr.colorType === 3 && (!palette || palette.length === 0 || palette.length % 3 !== 0 || palette.length > 768)) {
    fail(palette ? `PNG palette (PLTE) is ${palette.length} bytes, not 3 to 768 in steps of 3 (corrupt)` : 'palette PNG without a PLTE chunk (corrupt)');
  }
  const scanlines = new Uint8Array(expectedDataBytes(ihdr));
  const have = idat.length ? inflateInto(idat, scanlines, fail) : 0;
  if (have < scanlines.length) {
    fail(`image file is truncated: its image data holds ${have} of the ${scanlines.length} bytes that ${ihdr.width}x${ihdr.height} pixels need (${bytes.length}-byte file)`);
  }
  return { ihdr, palette, scanlines };
}
