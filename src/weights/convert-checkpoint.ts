/**
 * Checkpoint -> model.safetensors with the Hugging Face names, streamed tensor by tensor (only the
 * tensor being written is in memory), checked against the config before and after writing.
 */
import { promises as fsp } from 'fs';
import { PerceiverConfig } from '../config';
import { WeightsError } from '../errors';
import { FloatDtype, fromFloat32, toFloat32 } from './dtypes';
import { SafetensorsFile } from './safetensors';
import { TensorToWrite, writeSafetensors } from './safetensors-writer';
import { flattenSpec, perceiverSpec } from './state-dict';
import { checkFinite, checkFloatDtype, TensorSource } from './tensor-source';
import { verifyWeights, WeightsSummary } from './verify-weights';
import { checkWeights } from './weight-source';

/** What transformers writes, and what its safetensors loader checks for. */
export const SAFETENSORS_METADATA = { format: 'pt' };

export interface ConvertOptions {
  dtype: FloatDtype;
  onTensor?: (done: number, total: number, name: string) => void;
}

/**
 * One tensor's bytes in `dtype`: as stored when it already matches, else via float32 (exact
 * widening, rounded narrowing). Checked finite here, so a NaN is reported in the source file.
 */
function encodeTensor(source: TensorSource, name: string, dtype: FloatDtype): Uint8Array {
  const stored = checkFloatDtype(source, name, 'only these weights can be converted:');
  const raw = source.rawBytes(name);
  const values = checkFinite(source, name, toFloat32(raw, stored));
  return stored === dtype ? raw : fromFloat32(values, dtype);
}

/** Writes `outFile` (atomically) and verifies it; a file that fails verification is removed. */
export async function convertCheckpoint(source: TensorSource, config: PerceiverConfig, outFile: string, options: ConvertOptions): Promise<WeightsSummary> {
  const expected = flattenSpec(perceiverSpec(config));
  checkWeights(source, expected); // before anything is written
  const tensors: TensorToWrite[] = expected.map((t) => ({
    name: t.name,
    dtype: options.dtype,
    shape: t.shape,
    bytes: () => encodeTensor(source, t.name, options.dtype),
  }));
  await writeSafetensors(outFile, tensors, SAFETENSORS_METADATA, options.onTensor);
  try {
    const written = await SafetensorsFile.open(outFile);
    if (written.metadata.format !== SAFETENSORS_METADATA.format) throw new WeightsError(`${outFile}: metadata format is ${written.metadata.format}`);
    return verifyWeights(written, config, options.dtype);
  } catch (e) {
    await fsp.rm(outFile, { force: true });
    throw e;
  }
}
