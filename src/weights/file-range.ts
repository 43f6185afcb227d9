/**
 * Node only: synchronous reads of byte ranges of a file, so weight sources can hand out one tensor
 * at a time without holding the file in memory. The readers see it as a ByteSource.
 */
import * as fs from 'fs';
import { WeightsError } from '../errors';
import type { ByteSource } from './byte-source';
import { checkRange } from './byte-source';

/** Reads `length` bytes at `position` of `file` into a fresh (hence aligned) array. */
export function readFileRange(file: string, position: number, length: number): Uint8Array {
  return readFileRangeInto(file, position, new Uint8Array(length));
}

/** Reads `out.byteLength` bytes at `position` of `file` into `out` (a reused buffer: no fresh memory to fault in). */
export function readFileRangeInto(file: string, position: number, out: Uint8Array): Uint8Array {
  const length = out.byteLength;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new WeightsError(`${file}: cannot open (${(e as Error).message})`);
  }
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, position + done);
      if (n === 0) {
        throw new WeightsError(`${file}: expected ${length} bytes at offset ${position}, the file ends after ${done} (truncated, or changed while reading?)`);
      }
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** A file as a ByteSource: its size now, each range read from disk when asked for. */
export function fileSource(file: string): ByteSource {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    throw new WeightsError(`${file}: cannot read (${(e as Error).message})`);
  }
  const source: ByteSource = {
    name: file,
    size,
    read(position, length) {
      checkRange(source, position, length);
      return readFileRange(file, position, length);
    },
    readInto(position, out) {
      checkRange(source, position, out.byteLength);
      return readFileRangeInto(file, position, out);
    },
  };
  return source;
}
