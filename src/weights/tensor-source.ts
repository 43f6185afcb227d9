/** A weight source that also exposes stored dtypes and raw bytes: what convert and inspect read. */
import { WeightsError } from '../errors';
import { describeNonFinite } from '../finite';
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

type Readable = Pick<TensorSource, 'source' | 'dtypeOf' | 'shapeOf' | 'rawBytes'>;

/** Refuses a float dtype this port cannot compute with, by name. */
export function checkFloatDtype(source: Readable, name: string, action = 'expected'): FloatDtype {
  const dtype = source.dtypeOf(name);
  if (!(FLOAT_DTYPES as readonly string[]).includes(dtype)) {
    throw new WeightsError(`${source.source}: tensor '${name}' has dtype ${dtype}; ${action} ${FLOAT_DTYPES.join(', ')}`);
  }
  return dtype as FloatDtype;
}

/** Refuses a tensor holding NaN or ±Inf, naming the file, the tensor and the element. */
export function checkFinite(source: Readable, name: string, values: Float32Array): Float32Array {
  const bad = describeNonFinite(values, source.shapeOf(name));
  if (bad !== undefined) throw new WeightsError(`${source.source}: tensor '${name}' holds ${bad}; weights must be finite`);
  return values;
}

/**
 * A float tensor's values as float32 (F16/BF16 widened exactly), checked finite: every path that
 * computes with weights (loading, converting, verifying) reads them through here; `rawBytes`
 * replaces the source's own (a reused buffer).
 */
export function float32Of(source: Readable, name: string, rawBytes = (n: string) => source.rawBytes(n)): Float32Array {
  const dtype = checkFloatDtype(source, name, 'expected one of');
  return checkFinite(source, name, toFloat32(rawBytes(name), dtype));
}
