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
import { resolveArchitecture } from '../architectures';
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
 * Integer buffers (BatchNorm's `num_batches_tracked`) are copied as stored.
 */
function encodeTensor(source: TensorSource, name: string, dtype: FloatDtype | 'I64'): Uint8Array {
  if (dtype === 'I64') {
    const stored = source.dtypeOf(name);
    if (stored !== 'I64') throw new WeightsError(`${source.source}: tensor '${name}' has dtype ${stored}, expected I64 (int64)`);
    return source.rawBytes(name);
  }
  const stored = checkFloatDtype(source, name, 'only these weights can be converted:');
  const raw = source.rawBytes(name);
  const values = checkFinite(source, name, toFloat32(raw, stored));
  return stored === dtype ? raw : fromFloat32(values, dtype);
}

/** Writes `outFile` (atomically) and verifies it; a file that fails verification is removed. */
export async function convertCheckpoint(source: TensorSource, config: PerceiverConfig, outFile: string, options: ConvertOptions): Promise<WeightsSummary> {
  const expected = flattenSpec(perceiverSpec(config, resolveArchitecture(config.architecture, source.names)));
  checkWeights(source, expected); // before anything is written
  // BatchNorm's num_batches_tracked stays int64 whatever float dtype the weights get.
  const tensors: TensorToWrite[] = expected.map((t) => {
    const dtype = t.dtype === 'int64' ? 'I64' : options.dtype;
    return { name: t.name, dtype, shape: t.shape, bytes: () => encodeTensor(source, t.name, dtype) };
  });
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
