/** Synchronous reads of byte ranges, so weight sources can hand out one tensor at a time. */
import * as fs from 'fs';
import { WeightsError } from '../errors';

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
