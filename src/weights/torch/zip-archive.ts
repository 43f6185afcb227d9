/**
 * The zip container of `torch.save` checkpoints, read from a ByteSource (memory or, in Node, a
 * file): the end-of-central-directory record (ZIP64 included), the central directory, and each
 * entry's local header. torch writes stored (uncompressed) entries only, so an entry's bytes are a
 * plain range of the archive: in memory a view, nothing inflated, no zlib. Hostile archives (bad
 * or overlapping offsets, compressed or encrypted entries, sizes past the end, truncation) are
 * refused with a CheckpointError naming the archive and the entry.
 */
import { CheckpointError } from '../../errors';
import { crc32 } from '../../crc32';
import type { ByteSource } from '../byte-source';

/** Far above the ~140 entries of a real checkpoint; bounds what a hostile directory makes us list. */
const MAX_ENTRIES = 1_000_000;
/** Entry names are short paths (`archive/data/123`); bounds a hostile name. */
const MAX_NAME_BYTES = 4096;

const STORED = 0;
const SIG = { local: 0x04034b50, central: 0x02014b50, eocd: 0x06054b50, zip64Eocd: 0x06064b50, zip64Locator: 0x07064b50 };
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;

export interface ZipEntry {
  name: string;
  size: number;
  crc32: number;
  /** Offset of the entry's local header in the archive. */
  headerStart: number;
  /** Offset of the entry's data in the archive. */
  dataStart: number;
}

/** Where the central directory is, from the end records. */
interface Directory {
  count: number;
  offset: number;
  size: number;
  /** Where the end records start: entries and the directory lie before it. */
  end: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A little-endian u64 that must be a safe integer (an offset or size inside a real file). */
function u64(v: DataView, at: number, fail: (why: string) => never, what: string): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${n} is too large`);
  return Number(n);
}

export class ZipArchive {
  private constructor(
    private readonly source: ByteSource,
    private readonly entries: Map<string, ZipEntry>,
  ) {}

  get file(): string {
    return this.source.name;
  }

  static open(source: ByteSource): ZipArchive {
    const name = source.name;
    const fail = (why: string): never => {
      throw new CheckpointError(`${name}: ${why}`);
    };
    const directory = findDirectory(source, fail);
    const entries = readDirectory(source, directory, fail);
    checkNoOverlap([...entries.values()], fail);
    return new ZipArchive(source, entries);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e) throw new CheckpointError(`${this.file}: the archive has no entry '${name}'`);
    return e;
  }

  /** The whole entry (a view when the archive is in memory), checked against its CRC-32: a flipped bit fails here, not in the model. */
  read(name: string): Uint8Array {
    const e = this.entry(name);
    const bytes = this.source.read(e.dataStart, e.size);
    if (crc32(bytes) !== e.crc32) {
      throw new CheckpointError(`${this.file}: zip entry '${name}' fails its CRC-32 check (corrupt file)`);
    }
    return bytes;
  }
}

/** The end-of-central-directory record (the last one whose comment reaches the end exactly), and its ZIP64 twin when present. */
function findDirectory(source: ByteSource, fail: (why: string) => never): Directory {
  const size = source.size;
  const notZip = (why: string): never => fail(`truncated or not a zip archive (${why})`);
  if (size < EOCD_BYTES) notZip(`${size} bytes, shorter than the ${EOCD_BYTES}-byte end record`);
  const tailStart = Math.max(0, size - EOCD_BYTES - MAX_COMMENT);
  const tail = source.read(tailStart, size - tailStart);
  const t = view(tail);
  let at = -1;
  for (let i = tail.byteLength - EOCD_BYTES; i >= 0; i--) {
    if (t.getUint32(i, true) === SIG.eocd && i + EOCD_BYTES + t.getUint16(i + 20, true) === tail.byteLength) {
      at = i;
      break;
    }
  }
  if (at < 0) notZip('no end-of-central-directory record');
  const eocd = tailStart + at;
  const disk = t.getUint16(at + 4, true);
  const cdDisk = t.getUint16(at + 6, true);
  const diskCount = t.getUint16(at + 8, true);
  const count = t.getUint16(at + 10, true);
  const cdSize = t.getUint32(at + 12, true);
  const cdOffset = t.getUint32(at + 16, true);
  if (disk !== 0 || cdDisk !== 0 || diskCount !== count) fail('multi-disk (split) zip archives are not supported');
  const locator = eocd - ZIP64_LOCATOR_BYTES;
  if (locator >= 0 && view(source.read(locator, 4)).getUint32(0, true) === SIG.zip64Locator) {
    return readZip64Directory(source, locator, fail);
  }
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) notZip('ZIP64 sizes without a ZIP64 end record');
  return checkDirectory({ count, offset: cdOffset, size: cdSize, end: eocd }, fail);
}

function readZip64Directory(source: ByteSource, locator: number, fail: (why: string) => never): Directory {
  const l = view(source.read(locator, ZIP64_LOCATOR_BYTES));
  if (l.getUint32(4, true) !== 0 || l.getUint32(16, true) !== 1) fail('multi-disk (split) zip archives are not supported');
  const at = u64(l, 8, fail, 'ZIP64 end record offset');
  if (at + ZIP64_EOCD_BYTES > locator) fail(`ZIP64 end record offset ${at} does not lie before its locator at ${locator} (truncated or corrupt)`);
  const r = view(source.read(at, ZIP64_EOCD_BYTES));
  if (r.getUint32(0, true) !== SIG.zip64Eocd) fail(`no ZIP64 end record at offset ${at} (corrupt archive)`);
  if (r.getUint32(16, true) !== 0 || r.getUint32(20, true) !== 0) fail('multi-disk (split) zip archives are not supported');
  const count = u64(r, 32, fail, 'ZIP64 entry count');
  if (u64(r, 24, fail, 'ZIP64 entries on this disk') !== count) fail('multi-disk (split) zip archives are not supported');
  return checkDirectory({ count, size: u64(r, 40, fail, 'central directory size'), offset: u64(r, 48, fail, 'central directory offset'), end: at }, fail);
}

function checkDirectory(d: Directory, fail: (why: string) => never): Directory {
  if (d.count > MAX_ENTRIES) fail(`the zip directory lists ${d.count} entries, more than the ${MAX_ENTRIES} allowed`);
  if (d.offset + d.size > d.end) {
    fail(`truncated or not a zip archive (the central directory [${d.offset}, ${d.offset + d.size}) runs past its end record at ${d.end})`);
  }
  if (d.count * CENTRAL_BYTES > d.size) fail(`the central directory is ${d.size} bytes, too small for its ${d.count} entries`);
  return d;
}

function readDirectory(source: ByteSource, d: Directory, fail: (why: string) => never): Map<string, ZipEntry> {
  const cd = source.read(d.offset, d.size);
  const v = view(cd);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < d.count; i++) {
    if (p + CENTRAL_BYTES > cd.byteLength || v.getUint32(p, true) !== SIG.central) fail(`central directory record ${i} at offset ${d.offset + p} is missing or corrupt`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressed = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLength = v.getUint16(p + 28, true);
    const extraLength = v.getUint16(p + 30, true);
    const commentLength = v.getUint16(p + 32, true);
    let disk = v.getUint16(p + 34, true);
    let headerStart = v.getUint32(p + 42, true);
    const next = p + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > cd.byteLength) fail(`central directory record ${i} runs past the end of the directory (corrupt archive)`);
    const rawName = cd.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLength);
    let name: string;
    try {
      name = utf8.decode(rawName);
    } catch {
      return fail(`central directory record ${i} has a name that is not UTF-8`);
    }
    const entryFail = (why: string): never => fail(`zip entry '${name}' ${why}`);
    if (nameLength > MAX_NAME_BYTES) entryFail(`has a ${nameLength}-byte name, more than ${MAX_NAME_BYTES}`);
    // ZIP64 extra field: the 8-byte values of the fields saturated at 0xffffffff (0xffff for the disk), in this order.
    const extra = view(cd.subarray(p + CENTRAL_BYTES + nameLength, p + CENTRAL_BYTES + nameLength + extraLength));
    for (let e = 0; e + 4 <= extra.byteLength; ) {
      const id = extra.getUint16(e, true);
      const length = extra.getUint16(e + 2, true);
      if (e + 4 + length > extra.byteLength) entryFail('has a truncated extra field (corrupt archive)');
      if (id === ZIP64_EXTRA) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + length) entryFail(`has a ZIP64 extra field without its ${what}`);
          const n = u64(extra, q, entryFail, what);
          q += 8;
          return n;
        };
        if (size === 0xffffffff) size = take('size');
        if (compressed === 0xffffffff) compressed = take('compressed size');
        if (headerStart === 0xffffffff) headerStart = take('offset');
        if (disk === 0xffff) disk = q + 4 <= e + 4 + length ? extra.getUint32(q, true) : entryFail('has a ZIP64 extra field without its disk number');
      }
      e += 4 + length;
    }
    if (disk !== 0) entryFail('lies on another disk (split archives are not supported)');
    if (flags & 0x0001) entryFail('is encrypted; torch.save writes plain stored entries only');
    if (method !== STORED) entryFail(`is compressed (method ${method}); torch.save writes stored entries only`);
    if (compressed !== size) entryFail(`is stored but its compressed size ${compressed} differs from its size ${size} (corrupt archive)`);
    if (entries.has(name)) entryFail('appears twice in the central directory');
    const dataStart = readLocalHeader(source, name, headerStart, d, entryFail);
    if (dataStart + size > d.offset) entryFail(`(${size} bytes at offset ${dataStart}) runs past the start of the central directory at ${d.offset} (truncated, or a bad size)`);
    if (!name.endsWith('/')) entries.set(name, { name, size, crc32: crc, headerStart, dataStart });
    p = next;
  }
  return entries;
}

/** Checks the entry's local header (signature, same name) and returns where its data starts. */
function readLocalHeader(source: ByteSource, name: string, at: number, d: Directory, fail: (why: string) => never): number {
  if (at + LOCAL_BYTES > d.offset) fail(`has its local header at offset ${at}, past the start of the central directory at ${d.offset} (bad offset)`);
  const h = view(source.read(at, LOCAL_BYTES));
  if (h.getUint32(0, true) !== SIG.local) fail(`has no local header at offset ${at} (bad offset or corrupt archive)`);
  const nameLength = h.getUint16(26, true);
  const extraLength = h.getUint16(28, true);
  const dataStart = at + LOCAL_BYTES + nameLength + extraLength;
  if (dataStart > d.offset) fail(`has a local header at offset ${at} that runs into the central directory (corrupt archive)`);
  const localName = source.read(at + LOCAL_BYTES, nameLength);
  const expected = new TextEncoder().encode(name);
  if (localName.byteLength !== expected.byteLength || localName.some((b, i) => b !== expected[i])) {
    fail(`has a different name in its local header at offset ${at} (corrupt archive)`);
  }
  return dataStart;
}

/** Entries (local header + data) must not share bytes: overlapping entries are how zip bombs and parser confusions are built. */
function checkNoOverlap(entries: ZipEntry[], fail: (why: string) => never): void {
  const sorted = [...entries].sort((a, b) => a.headerStart - b.headerStart);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    if (previous.dataStart + previous.size > sorted[i].headerStart) {
      fail(`zip entries '${previous.name}' and '${sorted[i].name}' overlap (bytes ${sorted[i].headerStart}-${previous.dataStart + previous.size}); refusing a crafted archive`);
    }
  }
}
