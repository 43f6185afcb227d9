/** A weight source that also exposes stored dtypes and raw bytes: what convert and inspect read. */
import type { Dtype } from './dtypes';
import type { WeightSource } from './weight-source';

export interface TensorSource extends WeightSource {
  /** 'safetensors' or 'torch.save zip', for messages and `inspect`. */
  readonly format: string;
  readonly metadata: Record<string, string>;
  dtypeOf(name: string): Dtype;
  /** The tensor's little-endian bytes, contiguous in row-major order. */
  rawBytes(name: string): Uint8Array;
}
