/**
 * Random access to the bytes of a weights file, whatever holds them: memory (a fetched
 * ArrayBuffer in the browser, a Buffer in Node) or a file read range by range (file-range.ts, Node
 * only). The safetensors and torch.save readers only see this interface, so they run unchanged in
 * a browser. Every read is bounds-checked: a hostile offset is a WeightsError naming the file.
 */
import { WeightsError } from '../errors';

export interface ByteSource {
  /** Names the file in messages (a path, a URL, or `<buffer>`). */
  readonly name: string;
  readonly size: number;
  /**
   * Bytes [position, position + length). From memory a view (no copy, valid as long as the memory),
   * from a file a fresh array.
   */
  read(position: number, length: number): Uint8Array;
  /** Files only: reads `out.byteLength` bytes at `position` into `out` (a reused buffer). */
  readInto?(position: number, out: Uint8Array): Uint8Array;
}

/** Refuses a range outside [0, size), naming the file. */
export function checkRange(source: Pick<ByteSource, 'name' | 'size'>, position: number, length: number): void {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > source.size) {
    throw new WeightsError(
      `${source.name}: expected ${length} bytes at offset ${position}, the file is ${source.size} bytes (truncated, or a bad offset?)`,
    );
  }
}

/** A source over bytes in memory: every read is a view of `bytes`. */
export function bytesSource(bytes: Uint8Array, name = '<buffer>'): ByteSource {
  const source: ByteSource = {
    name,
    size: bytes.byteLength,
    read(position, length) {
      checkRange(source, position, length);
      return bytes.subarray(position, position + length);
    },
  };
  return source;
}
