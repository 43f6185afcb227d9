/** A weight source that also exposes stored dtypes and raw bytes: what convert and inspect read. */
import { WeightsError } from '../errors';
import { Dtype, FloatDtype, FLOAT_DTYPES, toFloat32 } from './dtypes';
import type { WeightSource } from './weight-source';

export interface TensorSource extends WeightSource {
  /** 'safetensors' or 'torch.save zip', for messages and `inspect`. */
  readonly format: string;
  readonly metadata: Record<string, string>;
  dtypeOf(name: string): Dtype;
  /** The tensor's little-endian bytes, contiguous in row-major order. */
  rawBytes(name: string): Uint8Array;
}

/** A float tensor's values as float32 (F16/BF16 widened exactly); other dtypes are refused by name. */
export function float32Of(source: Pick<TensorSource, 'source' | 'dtypeOf' | 'rawBytes'>, name: string): Float32Array {
  const dtype = source.dtypeOf(name);
  if (!(FLOAT_DTYPES as readonly string[]).includes(dtype)) {
    throw new WeightsError(`${source.source}: tensor '${name}' has dtype ${dtype}; expected one of ${FLOAT_DTYPES.join(', ')}`);
  }
  return toFloat32(source.rawBytes(name), dtype as FloatDtype);
}
