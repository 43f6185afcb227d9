/**
 * The zip container of `torch.save` checkpoints. yauzl parses and validates the central directory
 * (ZIP64 included); entries must be stored uncompressed, as torch writes them, so any byte range of
 * an entry can be read directly from the file without holding the archive in memory.
 */
import * as zlib from 'zlib';
import * as yauzl from 'yauzl';
import { CheckpointError } from '../../errors';
import { readFileRange } from '../file-range';

/** Far above the ~140 entries of a real checkpoint; bounds what a hostile directory makes us list. */
const MAX_ENTRIES = 1_000_000;

const STORED = 0;

export interface ZipEntry {
  name: string;
  size: number;
  crc32: number;
  /** Absolute offset of the entry's data in the file. */
  dataStart: number;
}

export class ZipArchive {
  private constructor(
    readonly file: string,
    private readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(file, { autoClose: false, strictFileNames: false, validateEntrySizes: true });
    } catch (e) {
      throw new CheckpointError(`${file}: truncated or not a zip archive (${(e as Error).message})`);
    }
    try {
      if (zip.entryCount > MAX_ENTRIES) {
        throw new CheckpointError(`${file}: the zip directory lists ${zip.entryCount} entries, more than the ${MAX_ENTRIES} allowed`);
      }
      const entries = new Map<string, ZipEntry>();
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue;
        if (entry.compressionMethod !== STORED || entry.isEncrypted()) {
          throw new CheckpointError(`${file}: zip entry '${entry.fileName}' is compressed or encrypted; torch.save writes stored entries only`);
        }
        const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
        if (fileDataStart + entry.compressedSize > zip.fileSize) {
          throw new CheckpointError(`${file}: zip entry '${entry.fileName}' runs past the end of the file (truncated)`);
        }
        entries.set(entry.fileName, { name: entry.fileName, size: entry.uncompressedSize, crc32: entry.crc32, dataStart: fileDataStart });
      }
      return new ZipArchive(file, entries);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`${file}: invalid zip archive (${(e as Error).message})`);
    } finally {
      zip.close();
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e) throw new CheckpointError(`${this.file}: the archive has no entry '${name}'`);
    return e;
  }

  /** The whole entry, checked against its CRC-32 (a flipped bit fails here, not in the model). */
  read(name: string): Uint8Array {
    const e = this.entry(name);
    const bytes = readFileRange(this.file, e.dataStart, e.size);
    if (zlib.crc32(bytes) !== e.crc32) {
      throw new CheckpointError(`${this.file}: zip entry '${name}' fails its CRC-32 check (corrupt file)`);
    }
    return bytes;
  }
}
