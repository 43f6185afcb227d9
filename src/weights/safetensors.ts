/**
 * Node only: safetensors files by path. The format and its checks live in safetensors-reader.ts
 * (pure, also the browser's reader); this adds reading a file whole (`read`) or tensor by tensor
 * (`open`).
 */
import { promises as fsp } from 'fs';
import { WeightsError } from '../errors';
import { bytesSource } from './byte-source';
import { fileSource } from './file-range';
import { SafetensorsReader } from './safetensors-reader';

export { parseHeader, readHeader, SafetensorsReader } from './safetensors-reader';
export type { SafetensorsHeader, TensorInfo } from './safetensors-reader';

export class SafetensorsFile extends SafetensorsReader {
  /** The whole file in memory; tensors are views of it. */
  static async read(path: string): Promise<SafetensorsFile> {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(path);
    } catch (e) {
      throw new WeightsError(`${path}: cannot read (${(e as Error).message})`);
    }
    return new SafetensorsFile(bytesSource(bytes, path));
  }

  /**
   * Reads only the header; each tensor's bytes are read from disk when asked for, so memory stays
   * at one tensor (convert, inspect, verifying a written file).
   */
  static async open(path: string): Promise<SafetensorsFile> {
    return new SafetensorsFile(fileSource(path));
  }
}
