/**
 * Writing image features for other tools: a safetensors file (tensors `pooled` [K, D] and
 * optionally `last_hidden_state` [K, N, D], the image file names in its metadata), or a NumPy .npy
 * of `pooled` with the file names beside it in `<name>.files.json`. Both written atomically.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { writeSafetensors } from '../src/weights/safetensors-writer';

export interface FeatureTable {
  /** The images the rows belong to, in row order. */
  files: string[];
  /** D */
  dim: number;
  /** K rows of D values each. */
  pooled: Float32Array[];
  /** With latents: K rows of N*D values, and N. */
  latents?: { numLatents: number; rows: Float32Array[] };
  /** Stored in the safetensors metadata (model id or directory, architecture). */
  about: Record<string, string>;
}

export const FEATURE_FORMATS = ['.safetensors', '.npy'] as const;

function concat(rows: Float32Array[], width: number): Uint8Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return new Uint8Array(out.buffer);
}

/** NumPy format 1.0: magic, header length, a Python-literal dict padded to 64 bytes, then the data (C order, little-endian float32). */
export function npyBytes(shape: number[], data: Uint8Array): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** The side file of a .npy output holding the file names. */
export const namesFileOf = (npyFile: string): string => npyFile.replace(/\.npy$/, '.files.json');

/** Writes `out` (format by extension); returns the files written. */
export async function writeFeatures(out: string, t: FeatureTable): Promise<string[]> {
  const K = t.files.length;
  if (out.endsWith('.npy')) {
    await writeAtomically(out, npyBytes([K, t.dim], concat(t.pooled, t.dim)));
    await writeAtomically(namesFileOf(out), Buffer.from(JSON.stringify(t.files, null, 1) + '\n'));
    return [out, namesFileOf(out)];
  }
  const tensors = [{ name: 'pooled', dtype: 'F32' as const, shape: [K, t.dim], bytes: () => concat(t.pooled, t.dim) }];
  if (t.latents) {
    const { numLatents: N, rows } = t.latents;
    tensors.push({ name: 'last_hidden_state', dtype: 'F32', shape: [K, N, t.dim], bytes: () => concat(rows, N * t.dim) });
  }
  await writeSafetensors(out, tensors, { ...t.about, files: JSON.stringify(t.files) });
  return [out];
}
