/**
 * Checks a PNG's chunk structure and that its compressed image data holds every row, before the
 * decoder allocates pixels. Pillow refuses a PNG whose data ends early ("image file is truncated");
 * jimp's decoder would instead fill the missing rows (a 69-byte file claiming 9000x9000 became
 * 81 M black pixels) or fail with stream-internal messages. Like Pillow, a file cut after its image
 * data (no IEND) or with bytes after IEND is read; unlike Pillow, a bad IDAT checksum is refused
 * (Pillow skips that check; jimp's decoder cannot).
 */
import { Unzlib } from 'fflate';
import { crc32 } from '../crc32';

type Fail = (reason: string) => never;

interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey+alpha, RGBA), with the bit depths allowed. */
const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
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

/** Inflated size of the zlib stream in `parts`, counted without keeping it, stopping once `enough` is reached. */
function inflatedSize(parts: Uint8Array[], enough: number, fail: Fail): number {
  let count = 0;
  const stop = new Error('enough');
  const stream = new Unzlib((chunk) => {
    count += chunk.length;
    if (count >= enough) throw stop;
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

/**
 * Validates the chunks (lengths, checksums, IHDR first, image data present and complete) and
 * returns the bytes to decode: the file up to IEND, with IEND appended when the file ends right
 * after its image data. `fail` throws the caller's error.
 */
export function checkPng(bytes: Uint8Array, fail: Fail): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ihdr: Ihdr | undefined;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let end = -1; // end of IEND, once seen
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
    pos += 12 + length;
    if (type === 'IEND') {
      end = pos;
      break;
    }
  }
  if (!ihdr) return fail('PNG without a complete IHDR chunk (truncated)');
  const expected = expectedDataBytes(ihdr);
  const have = idat.length ? inflatedSize(idat, expected, fail) : 0;
  if (have < expected) {
    fail(`image file is truncated: its image data holds ${have} of the ${expected} bytes that ${ihdr.width}x${ihdr.height} pixels need (${bytes.length}-byte file)`);
  }
  if (end >= 0) return bytes.subarray(0, end);
  const iend = new Uint8Array([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  const out = new Uint8Array(pos + iend.length);
  out.set(bytes.subarray(0, pos));
  out.set(iend, pos);
  return out;
}
