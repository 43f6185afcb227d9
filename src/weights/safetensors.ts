/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the
 * tensor bytes; offsets are relative to the first byte after the header. Reader and writer follow
 * the format's rules: offsets must tile the data region without holes or overlaps.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import { WeightsError } from '../errors';
import { readFileRange, readFileRangeInto } from './file-range';
import { findDuplicateKey } from './json-duplicate-keys';
import { float32Of, TensorSource } from './tensor-source';
import { DTYPE_BYTES, Dtype, isDtype, numElements } from './dtypes';

/** The format's own limit on the header size (100 MB), which also bounds what a hostile file can make us parse. */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Byte range inside the data region (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** Tensors in file order (ascending offsets). */
  tensors: TensorInfo[];
  /** Absolute offset of the data region in the file. */
  dataStart: number;
}

/** Parses and validates the header. `fileSize` is the total size of the file, `source` names it in errors. */
export function parseHeader(prefix: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new WeightsError(`${source}: not a valid safetensors file: ${why}`);
  };
  if (fileSize < 8 || prefix.byteLength < 8) fail(`file is ${fileSize} bytes, shorter than the 8-byte header length`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const length = view.getBigUint64(0, true); // printed exactly: a Number would round 2^64-1
  if (length > BigInt(MAX_HEADER_BYTES)) fail(`header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit of the format`);
  const n = Number(length);
  if (8 + n > fileSize) fail(`header length ${n} runs past the end of the ${fileSize}-byte file (truncated?)`);
  if (prefix.byteLength < 8 + n) fail(`only ${prefix.byteLength} of ${8 + n} header bytes available`);
  let json: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + n));
    json = JSON.parse(text);
  } catch (e) {
    return fail(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) fail(`header has the key ${JSON.stringify(duplicate.key)} twice (again at character ${duplicate.at} of the header)`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail('header is not a JSON object');
  const metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (entry === null || typeof entry !== 'object') fail(`tensor '${name}': entry is not an object`);
    if (!isDtype(entry.dtype)) fail(`tensor '${name}': unknown dtype ${JSON.stringify(entry.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const dtype = entry.dtype as Dtype;
    const expected = numElements(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      fail(`tensor '${name}': ${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    tensors.push({ name, dtype, shape: shape as number[], begin, end });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of tensors) {
    if (t.begin !== cursor) {
      fail(`tensor '${t.name}' starts at byte ${t.begin} of the data region, expected ${cursor} (overlap or hole)`);
    }
    cursor = t.end;
  }
  const dataBytes = fileSize - 8 - n;
  if (cursor !== dataBytes) {
    fail(cursor > dataBytes
      ? `tensor data needs ${cursor} bytes but only ${dataBytes} follow the header (truncated)`
      : `${dataBytes - cursor} bytes after the last tensor are not described by the header`);
  }
  return { metadata, tensors, dataStart: 8 + n };
}

/** A safetensors file: held in memory (`read`, tensors are views of it) or read tensor by tensor (`open`). */
export class SafetensorsFile implements TensorSource {
  private readonly byName: Map<string, TensorInfo>;
  /** borrowFloat32's buffer (files read tensor by tensor only), grown to the largest tensor asked for. */
  private scratch = new Uint8Array(0);

  readonly format = 'safetensors';

  private constructor(
    readonly source: string,
    readonly header: SafetensorsHeader,
    /** Bytes [start, start + length) of the file: a view of memory, or a read from disk (`open`). */
    private readonly readBytes: (start: number, length: number) => Uint8Array,
    /** `open` only: reads bytes [start, start + out.byteLength) into `out`. */
    private readonly readInto?: (start: number, out: Uint8Array) => Uint8Array,
  ) {
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  static async read(path: string): Promise<SafetensorsFile> {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(path);
    } catch (e) {
      throw new WeightsError(`${path}: cannot read (${(e as Error).message})`);
    }
    return SafetensorsFile.fromBytes(bytes, path);
  }

  static fromBytes(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
    if (os.endianness() !== 'LE') throw new WeightsError('safetensors reading needs a little-endian host');
    return new SafetensorsFile(source, parseHeader(bytes, bytes.byteLength, source), (start, length) => bytes.subarray(start, start + length));
  }

  /**
   * Reads only the header; each tensor's bytes are read from disk when asked for, so memory stays
   * at one tensor (convert, inspect, verifying a written file).
   */
  static async open(path: string): Promise<SafetensorsFile> {
    if (os.endianness() !== 'LE') throw new WeightsError('safetensors reading needs a little-endian host');
    let fileSize: number;
    try {
      fileSize = (await fsp.stat(path)).size;
    } catch (e) {
      throw new WeightsError(`${path}: cannot read (${(e as Error).message})`);
    }
    const lengthBytes = readFileRange(path, 0, Math.min(8, fileSize));
    const headerLength = lengthBytes.byteLength === 8 ? Number(new DataView(lengthBytes.buffer).getBigUint64(0, true)) : 0;
    const prefix = headerLength <= MAX_HEADER_BYTES && 8 + headerLength <= fileSize ? readFileRange(path, 0, 8 + headerLength) : lengthBytes;
    return new SafetensorsFile(
      path,
      parseHeader(prefix, fileSize, path),
      (start, length) => readFileRange(path, start, length),
      (start, out) => readFileRangeInto(path, start, out),
    );
  }

  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  get names(): string[] {
    return this.header.tensors.map((t) => t.name);
  }

  info(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new WeightsError(`${this.source}: no tensor named '${name}'`);
    return t;
  }

  shapeOf(name: string): number[] {
    return this.info(name).shape;
  }

  dtypeOf(name: string): Dtype {
    return this.info(name).dtype;
  }

  /** The raw little-endian bytes of a tensor (a view when the file is in memory). */
  rawBytes(name: string): Uint8Array {
    const t = this.info(name);
    return this.readBytes(this.header.dataStart + t.begin, t.end - t.begin);
  }

  /** A float tensor's values as float32 (F32: a view when aligned; F16/BF16: converted). */
  float32(name: string): Float32Array {
    return float32Of(this, name);
  }

  /** float32's values; from a file read tensor by tensor, in one buffer reused by the next call. */
  borrowFloat32(name: string): Float32Array {
    const readInto = this.readInto;
    if (!readInto) return this.float32(name);
    return float32Of(this, name, () => {
      const t = this.info(name);
      const length = t.end - t.begin;
      // Whole float32s, so that an F32 tensor's values are a view of the buffer.
      if (this.scratch.byteLength < length) this.scratch = new Uint8Array(Math.ceil(length / 4) * 4);
      return readInto(this.header.dataStart + t.begin, this.scratch.subarray(0, length));
    });
  }

}
