/**
 * A new classification head for transfer learning, as Hugging Face's
 * `from_pretrained(..., num_labels=K, ignore_mismatched_sizes=True)` makes it: the decoder's final
 * layer is replaced (weight ~ normal(0, initializer_range), bias 0, `_init_weights`); every other
 * weight is kept.
 */
import { tf } from '../tf';
import { ConfigError } from '../errors';
import type { PerceiverConfig } from '../config';
import { NamedParameter, SharingWeightSource, toHuggingFace } from '../weights/parameters';
import type { LinearSpec } from '../weights/state-dict';
import type { Int64Buffer } from '../weights/weight-source';

export interface NewHeadOptions {
  /** Class names by index (an object {0: 'cat', ...} or a list); or give only `numLabels`. */
  id2label?: Record<number, string> | readonly string[];
  /** Number of classes, named LABEL_0.. as PretrainedConfig does, when `id2label` is not given. */
  numLabels?: number;
  /** Standard deviation of the new weight; Hugging Face's PerceiverConfig default is 0.02. */
  initializerRange?: number;
  /** Seed of the new weight's normal draw (deterministic heads). */
  seed?: number;
}

export const DEFAULT_INITIALIZER_RANGE = 0.02;

/** The config with the new labels. */
export function newHeadConfig(config: PerceiverConfig, options: NewHeadOptions): PerceiverConfig {
  const given = options.id2label;
  let names: string[];
  if (given !== undefined) {
    names = Array.isArray(given) ? [...given] : Object.keys(given).map((_, i) => (given as Record<number, string>)[i]);
    if (names.some((n) => typeof n !== 'string')) throw new ConfigError('withNewHead: id2label must map 0..K-1 to names');
  } else {
    const k = options.numLabels;
    if (!Number.isSafeInteger(k) || (k as number) < 1) throw new ConfigError(`withNewHead: numLabels must be a positive integer, got ${JSON.stringify(k)}`);
    names = Array.from({ length: k as number }, (_, i) => `LABEL_${i}`);
  }
  if (names.length < 1) throw new ConfigError('withNewHead: id2label is empty');
  if (options.numLabels !== undefined && options.numLabels !== names.length) {
    throw new ConfigError(`withNewHead: numLabels is ${options.numLabels} but id2label has ${names.length} entries`);
  }
  return { ...config, id2label: Object.fromEntries(names.map((n, i) => [i, n])), numLabels: names.length };
}

interface ModelParameters {
  readonly config: PerceiverConfig;
  readonly parameters: ReadonlyMap<string, NamedParameter>;
  readonly int64Buffers: ReadonlyMap<string, Int64Buffer>;
}

/** New values for a parameter, in Hugging Face's shape. */
interface Replacement {
  shape: number[];
  values: () => Float32Array;
}

/** A weight source over a model's own tensors (shared with it), some of them replaced by new values. */
export function sharingSource(model: Omit<ModelParameters, 'config'>, replaced: ReadonlyMap<string, Replacement> = new Map()): SharingWeightSource {
  const { parameters, int64Buffers } = model;
  const kept = (name: string): NamedParameter => {
    const p = parameters.get(name);
    if (!p) throw new ConfigError(`the model has no parameter ${name}`);
    return p;
  };
  return {
    source: 'the model in memory',
    names: [...parameters.keys(), ...int64Buffers.keys()],
    shapeOf: (name) => replaced.get(name)?.shape ?? int64Buffers.get(name)?.shape ?? kept(name).hfShape,
    int64Bytes: (name) => int64Buffers.get(name)?.bytes,
    float32: (name) => {
      const r = replaced.get(name);
      if (r) return r.values();
      const p = kept(name);
      return tf.tidy(() => toHuggingFace(p).dataSync() as Float32Array);
    },
    laidOut: (name) => (replaced.has(name) ? undefined : kept(name).tensor),
  };
}

/** The new config and a weight source: the model's tensors (shared) with the final layer replaced. */
export function newHeadWeights(model: ModelParameters, finalLayer: LinearSpec, options: NewHeadOptions): { config: PerceiverConfig; weights: SharingWeightSource } {
  const config = newHeadConfig(model.config, options);
  const std = options.initializerRange ?? DEFAULT_INITIALIZER_RANGE;
  if (!(std >= 0) || !Number.isFinite(std)) throw new ConfigError(`withNewHead: initializerRange must be a finite number >= 0, got ${std}`);
  const D = finalLayer.weight.shape[1];
  const K = config.numLabels;
  const head = new Map<string, Replacement>([
    [finalLayer.weight.name, { shape: [K, D], values: () => tf.tidy(() => tf.randomNormal([K, D], 0, std, 'float32', options.seed).dataSync() as Float32Array) }],
    [finalLayer.bias.name, { shape: [K], values: () => new Float32Array(K) }],
  ]);
  return { config, weights: sharingSource(model, head) };
}
