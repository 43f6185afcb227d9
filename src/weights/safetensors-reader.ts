/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the
 * tensor bytes; offsets are relative to the first byte after the header. Reader and writer follow
 * the format's rules: offsets must tile the data region without holes or overlaps.
 * Pure (no Node built-in): the bytes come from a ByteSource; safetensors.ts adds file paths for Node.
 */
import { WeightsError } from '../errors';
import { bytesSource, ByteSource } from './byte-source';
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

/** True on little-endian hosts (all the browsers and Node platforms we know of). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads and validates the header of `source` (only the header's bytes are read). */
export function readHeader(source: ByteSource): SafetensorsHeader {
  if (!LITTLE_ENDIAN) throw new WeightsError('safetensors reading needs a little-endian host');
  const size = source.size;
  const lengthBytes = source.read(0, Math.min(8, size));
  const headerLength = lengthBytes.byteLength === 8 ? new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true) : 0n;
  // A length the header check refuses is reported by parseHeader from the first 8 bytes alone.
  const readable = headerLength <= BigInt(MAX_HEADER_BYTES) && 8 + Number(headerLength) <= size;
  const prefix = readable ? source.read(0, 8 + Number(headerLength)) : lengthBytes;
  return parseHeader(prefix, size, source.name);
}

/**
 * A safetensors file over a ByteSource: in memory (`fromBytes`: tensors are views of the bytes,
 * nothing is copied) or read tensor by tensor from a file (Node: SafetensorsFile.open).
 */
export class SafetensorsReader implements TensorSource {
  private readonly byName: Map<string, TensorInfo>;
  /** borrowFloat32's buffer (sources read range by range only), grown to the largest tensor asked for. */
  private scratch = new Uint8Array(0);
  readonly header: SafetensorsHeader;

  readonly format = 'safetensors';

  constructor(private readonly bytes: ByteSource) {
    this.header = readHeader(bytes);
    this.byName = new Map(this.header.tensors.map((t) => [t.name, t]));
  }

  /** Bytes in memory (a fetched ArrayBuffer, a Buffer); `source` names them in messages. */
  static fromBytes(bytes: Uint8Array, source = '<buffer>'): SafetensorsReader {
    return new SafetensorsReader(bytesSource(bytes, source));
  }

  get source(): string {
    return this.bytes.name;
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
    return this.bytes.read(this.header.dataStart + t.begin, t.end - t.begin);
  }

  /** A float tensor's values as float32 (F32: a view when aligned; F16/BF16: converted). */
  float32(name: string): Float32Array {
    return float32Of(this, name);
  }

  /** float32's values; from a file read tensor by tensor, in one buffer reused by the next call. */
  borrowFloat32(name: string): Float32Array {
    const readInto = this.bytes.readInto?.bind(this.bytes);
    if (!readInto) return this.float32(name); // in memory: already a view
    return float32Of(this, name, () => {
      const t = this.info(name);
      const length = t.end - t.begin;
      // Whole float32s, so that an F32 tensor's values are a view of the buffer.
      if (this.scratch.byteLength < length) this.scratch = new Uint8Array(Math.ceil(length / 4) * 4);
      return readInto(this.header.dataStart + t.begin, this.scratch.subarray(0, length));
    });
  }

}
