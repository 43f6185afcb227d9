/**
 * Our zip reader (src/weights/torch/zip-archive.ts) on bytes in memory, as the browser uses it:
 * well-formed archives (plain and ZIP64) read back exactly; hostile ones are refused with a
 * CheckpointError naming the archive and the entry, and no corruption makes it throw anything
 * but a WeightsError.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointError, WeightsError } from '../../src/errors';
import { crc32 } from '../../src/crc32';
import { bytesSource } from '../../src/weights/byte-source';
import { ZipArchive } from '../../src/weights/torch/zip-archive';
import { TorchCheckpointReader } from '../../src/weights/torch/torch-checkpoint-reader';
import { fixturePath } from '../fixtures';
import { writeTorchCheckpoint, writeZip, ZipEntryToWrite } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';

let tmp: string;
beforeAll(() => (tmp = makeTempDir('zip-archive')));
afterAll(() => removeDir(tmp));

const text = (s: string) => new TextEncoder().encode(s);

function zipBytes(entries: ZipEntryToWrite[], options: { zip64?: boolean } = {}): Uint8Array {
  const file = path.join(tmp, `z${Math.random().toString(36).slice(2)}.zip`);
  writeZip(file, entries, options);
  return new Uint8Array(fs.readFileSync(file));
}

/** Offset of the central directory record of `name` (signature PK\1\2 followed, 46 bytes on, by the name). */
function centralRecord(bytes: Uint8Array, name: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const want = text(name);
  for (let i = 0; i + 46 + want.length <= bytes.length; i++) {
    if (v.getUint32(i, true) === 0x02014b50 && v.getUint16(i + 28, true) === want.length && want.every((b, k) => bytes[i + 46 + k] === b)) return i;
  }
  throw new Error(`test: no central record for ${name}`);
}

function patch(bytes: Uint8Array, edit: (v: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

const open = (bytes: Uint8Array, name = 'hostile.zip') => ZipArchive.open(bytesSource(bytes, name));
const two = (): ZipEntryToWrite[] => [
  { name: 'archive/a', bytes: () => text('first entry') },
  { name: 'archive/b', bytes: () => text('second') },
];

describe.each([{ zip64: false }, { zip64: true }])('well-formed archive (zip64: $zip64)', (options) => {
  test('entries read back as views of the bytes, CRC-checked', () => {
    const bytes = zipBytes(two(), options);
    const zip = open(bytes);
    expect(zip.names).toEqual(['archive/a', 'archive/b']);
    const a = zip.read('archive/a');
    expect(new TextDecoder().decode(a)).toBe('first entry');
    expect(a.buffer).toBe(bytes.buffer); // no copy
    expect(new TextDecoder().decode(zip.read('archive/b'))).toBe('second');
  });
});

test('the tiny torch.save fixture opens from bytes and matches the file-backed reader', () => {
  const bytes = new Uint8Array(fs.readFileSync(fixturePath('convert', 'tiny-pytorch_model.bin')));
  const ckpt = TorchCheckpointReader.fromBytes(bytes, 'tiny.bin');
  expect(ckpt.names.length).toBeGreaterThan(10);
  const name = ckpt.names[0];
  expect(ckpt.rawBytes(name).buffer).toBe(bytes.buffer); // contiguous tensors are views
});

describe('hostile archives are refused, naming the entry', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a compressed (deflate) entry', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/b'); return patch(b, (v) => v.setUint16(at + 10, 8, true)); }, /hostile\.zip: zip entry 'archive\/b' is compressed \(method 8\)/],
    ['an encrypted entry', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/a'); return patch(b, (v) => v.setUint16(at + 8, 1, true)); }, /zip entry 'archive\/a' is encrypted/],
    ['a local header offset past the directory', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/b'); return patch(b, (v) => v.setUint32(at + 42, 0x7fff0000, true)); }, /zip entry 'archive\/b' has its local header at offset 2147418112, past the start of the central directory/],
    ['a local header offset at the wrong place', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/b'); return patch(b, (v) => v.setUint32(at + 42, 3, true)); }, /zip entry 'archive\/b' has no local header at offset 3/],
    ['a size running past the directory', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/a'); return patch(b, (v) => { v.setUint32(at + 20, 100000, true); v.setUint32(at + 24, 100000, true); }); }, /zip entry 'archive\/a' \(100000 bytes at offset \d+\) runs past the start of the central directory/],
    ['a huge ZIP64 size', () => { const b = zipBytes(two(), { zip64: true }); const at = centralRecord(b, 'archive/a'); return patch(b, (v) => { v.setBigUint64(at + 46 + 9 + 4, 2n ** 50n, true); v.setBigUint64(at + 46 + 9 + 12, 2n ** 50n, true); }); }, /zip entry 'archive\/a' \(1125899906842624 bytes at offset \d+\) runs past/],
    ['a ZIP64 size beyond 2^53', () => { const b = zipBytes(two(), { zip64: true }); const at = centralRecord(b, 'archive/a'); return patch(b, (v) => v.setBigUint64(at + 46 + 9 + 4, 2n ** 63n, true)); }, /zip entry 'archive\/a' size 9223372036854775808 is too large/],
    ['stored with differing sizes', () => { const b = zipBytes(two()); const at = centralRecord(b, 'archive/a'); return patch(b, (v) => v.setUint32(at + 20, 3, true)); }, /zip entry 'archive\/a' is stored but its compressed size 3 differs from its size 11/],
    ['a name listed twice', () => zipBytes([...two(), { name: 'archive/a', bytes: () => text('again') }]), /zip entry 'archive\/a' appears twice/],
    ['an entry count the directory cannot hold', () => { const b = zipBytes(two()); return patch(b, (v) => { v.setUint16(b.length - 12, 500, true); v.setUint16(b.length - 14, 500, true); }); }, /central directory is \d+ bytes, too small for its 500 entries/],
    ['a directory offset past the end', () => { const b = zipBytes(two()); return patch(b, (v) => v.setUint32(b.length - 6, 0x10000000, true)); }, /truncated or not a zip archive \(the central directory .* runs past its end record/],
    ['not a zip at all', () => text('just some text, long enough to look for an end record in it'), /hostile\.zip: truncated or not a zip archive \(no end-of-central-directory record\)/],
  ];
  test.each(cases)('%s', (_label, make, message) => {
    const bytes = make();
    expect(() => open(bytes)).toThrow(CheckpointError);
    expect(() => open(bytes)).toThrow(message);
  });

  test('overlapping entries (a second entry whose header lies inside the first one\'s data)', () => {
    // Entry 'archive/a' carries, inside its data, a complete local header + data for 'archive/b';
    // the directory's record for b is then pointed at it: two entries sharing bytes.
    const name = text('archive/b');
    const data = text('second');
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc32(data), true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const inner = new Uint8Array([...local, ...data]);
    const b = zipBytes([{ name: 'archive/a', bytes: () => inner }, { name: 'archive/b', bytes: () => data }]);
    const aDataStart = 30 + 'archive/a'.length;
    const at = centralRecord(b, 'archive/b');
    const crafted = patch(b, (v) => v.setUint32(at + 42, aDataStart, true));
    expect(() => open(crafted)).toThrow(/hostile\.zip: zip entries 'archive\/a' and 'archive\/b' overlap/);
  });

  test('a flipped bit in an entry fails its CRC-32 when read, naming it', () => {
    const b = zipBytes(two());
    const flipped = patch(b, (v) => v.setUint8(30 + 'archive/a'.length + 2, 0x41));
    expect(() => open(flipped).read('archive/a')).toThrow(/hostile\.zip: zip entry 'archive\/a' fails its CRC-32 check/);
  });
});

describe('no damage makes the reader throw anything but a WeightsError', () => {
  const checkpoint = (): Uint8Array => {
    const file = path.join(tmp, 'small.bin');
    writeTorchCheckpoint(file, [
      { name: 'w', dtype: 'F32', shape: [2, 3], bytes: () => new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer) },
      { name: 'b', dtype: 'F16', shape: [3], bytes: () => new Uint8Array(6) },
    ], { zip64: true });
    return new Uint8Array(fs.readFileSync(file));
  };
  const readAll = (bytes: Uint8Array) => {
    const ckpt = TorchCheckpointReader.fromBytes(bytes, 'damaged.bin');
    for (const n of ckpt.names) ckpt.float32(n);
  };
  const outcome = (bytes: Uint8Array): string => {
    try {
      readAll(bytes);
      return 'read';
    } catch (e) {
      if (e instanceof WeightsError && e.message.startsWith('damaged.bin')) return 'refused';
      return `crashed: ${(e as Error).stack}`;
    }
  };

  test('every truncation is refused', () => {
    const good = checkpoint();
    expect(outcome(good)).toBe('read');
    for (let n = 0; n < good.length; n++) expect([n, outcome(good.subarray(0, n))]).toEqual([n, 'refused']);
  });

  test('every single byte set to 0xff or 0x00 is read or refused, never a crash', () => {
    const good = checkpoint();
    const crashes: string[] = [];
    for (let i = 0; i < good.length; i++) {
      for (const value of [0xff, 0x00]) {
        const r = outcome(patch(good, (v) => v.setUint8(i, value)));
        if (r.startsWith('crashed')) crashes.push(`byte ${i} = ${value}: ${r}`);
      }
    }
    expect(crashes).toEqual([]);
  });
});

test('crc32 (slicing-by-8) equals zlib.crc32 on every length mod 8 and on the tiny checkpoint', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zlib = require('zlib') as { crc32(b: Uint8Array): number };
  for (let n = 0; n < 40; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
    expect([n, crc32(b)]).toEqual([n, zlib.crc32(b)]);
  }
  const big = new Uint8Array(fs.readFileSync(fixturePath('convert', 'tiny-pytorch_model.bin')));
  expect(crc32(big)).toBe(zlib.crc32(big));
});
