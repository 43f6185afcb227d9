/** What the model loads from: a safetensors file, or a torch checkpoint read by the safe reader. */
import { WeightsError } from '../errors';
import type { TensorSpec } from './state-dict';
import type { TensorSource } from './tensor-source';

export interface WeightSource {
  /** Names the file in messages. */
  readonly source: string;
  readonly names: string[];
  shapeOf(name: string): number[];
  /** Values as float32 (F16/BF16 widened exactly). */
  float32(name: string): Float32Array;
  /**
   * The same values, possibly in a buffer the next call reuses: the caller copies them before
   * asking for another tensor. Saves faulting in fresh memory for every tensor at load.
   */
  borrowFloat32?(name: string): Float32Array;
  /** An int64 tensor's little-endian bytes (BatchNorm's num_batches_tracked), for sources that hold them in memory. */
  int64Bytes?(name: string): Uint8Array | undefined;
}

/** An int64 tensor of the state dict, never computed with: kept as stored, to be written back. */
export interface Int64Buffer {
  shape: number[];
  /** Little-endian int64 elements. */
  bytes: Uint8Array;
}

/**
 * The expected int64 tensors' values: from the source's own bytes (a file: its stored I64 bytes;
 * a model in memory: int64Bytes), else zeros, which is what PyTorch initialises the counter to.
 */
export function readInt64Buffers(source: WeightSource, expected: readonly TensorSpec[]): Map<string, Int64Buffer> {
  const file = source as Partial<Pick<TensorSource, 'dtypeOf' | 'rawBytes'>>;
  const buffers = new Map<string, Int64Buffer>();
  for (const t of expected.filter((e) => e.dtype === 'int64')) {
    const size = 8 * t.shape.reduce((a, b) => a * b, 1);
    const stored = source.int64Bytes?.(t.name) ?? (file.dtypeOf?.(t.name) === 'I64' ? file.rawBytes?.(t.name) : undefined);
    buffers.set(t.name, { shape: [...t.shape], bytes: stored?.length === size ? stored.slice() : new Uint8Array(size) });
  }
  return buffers;
}

const MAX_LISTED = 20;

function listing(title: string, items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).map((s) => `  ${s}`);
  if (items.length > MAX_LISTED) shown.push(`  ... and ${items.length - MAX_LISTED} more`);
  return `${title} (${items.length}):\n${shown.join('\n')}`;
}

/**
 * Checks a weight source against the expected tensors: every name present, nothing unexpected,
 * every shape equal. One error lists all problems at once.
 */
export function checkWeights(source: WeightSource, expected: readonly TensorSpec[]): void {
  const have = new Set(source.names);
  const want = new Set(expected.map((t) => t.name));
  const missing = expected.filter((t) => !have.has(t.name)).map((t) => `${t.name} ${JSON.stringify(t.shape)}`);
  const unexpected = source.names.filter((n) => !want.has(n)).map((n) => `${n} ${JSON.stringify(source.shapeOf(n))}`);
  const misshapen = expected
    .filter((t) => have.has(t.name))
    .filter((t) => JSON.stringify(source.shapeOf(t.name)) !== JSON.stringify(t.shape))
    .map((t) => `${t.name}: has ${JSON.stringify(source.shapeOf(t.name))}, the config needs ${JSON.stringify(t.shape)}`);
  const problems = [
    missing.length ? listing('missing tensors', missing) : '',
    unexpected.length ? listing('unexpected tensors', unexpected) : '',
    misshapen.length ? listing('tensors with the wrong shape', misshapen) : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new WeightsError(
      `${source.source} does not match the model configuration (expected ${expected.length} tensors, found ${source.names.length}):\n${problems.join('\n')}`,
    );
  }
}
