/** Writing safetensors files: streamed tensor by tensor, atomically (temp file + rename). */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { WeightsError } from '../errors';
import { DTYPE_BYTES, Dtype, numElements } from './dtypes';

export interface TensorToWrite {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Produces the little-endian bytes when the writer reaches this tensor, so only one is in memory. */
  bytes: () => Uint8Array | Promise<Uint8Array>;
}

/** Header JSON, tensors in file order, padded with spaces so the data starts 8-byte aligned. */
export function encodeHeader(tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of fileOrder(tensors)) {
    const size = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf-8');
  const padded = Buffer.alloc(Math.ceil((8 + json.length) / 8) * 8, 0x20);
  padded.writeBigUInt64LE(BigInt(padded.length - 8), 0);
  json.copy(padded, 8);
  return padded;
}

/**
 * The safetensors library's order: larger elements first (keeps every tensor aligned), then by
 * name. For an all-float32 file that is name order; BatchNorm's int64 counter comes first.
 */
function fileOrder(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  return [...tensors].sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Writes `tensors` to `file`. Data goes to a temporary file in the same directory that is renamed
 * over `file` only when complete, so a crash never leaves a half-written file behind.
 */
export async function writeSafetensors(
  file: string,
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string> = {},
  onTensor?: (done: number, total: number, name: string) => void,
): Promise<void> {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new WeightsError(`${file}: tensor '${t.name}' given twice`);
    names.add(t.name);
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fsp.open(tmp, 'wx');
  try {
    await handle.write(encodeHeader(tensors, metadata));
    const ordered = fileOrder(tensors);
    for (let i = 0; i < ordered.length; i++) {
      const t = ordered[i];
      const data = await t.bytes();
      const expected = numElements(t.shape) * DTYPE_BYTES[t.dtype];
      if (data.byteLength !== expected) {
        throw new WeightsError(`${file}: tensor '${t.name}' has ${data.byteLength} bytes, ${t.dtype} ${JSON.stringify(t.shape)} needs ${expected}`);
      }
      await handle.write(data);
      onTensor?.(i + 1, ordered.length, t.name);
    }
    await handle.sync();
    await handle.close();
    await fsp.rename(tmp, file);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
