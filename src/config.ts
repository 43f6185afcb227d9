/**
 * PerceiverConfig: the fields of a Hugging Face `config.json` that the Perceiver image classifiers
 * use, parsed from snake_case JSON and validated with messages that name the field at fault.
 */
import { ArchitectureName, isArchitectureName, unsupportedArchitectureError } from './architectures';
import { ConfigError } from './errors';
import { checkRequiredFields, checkSizeLimit, checkWorkLimit } from './config-limits';

export type CrossAttentionShape = 'q' | 'kv';

export interface PerceiverConfig {
  /** The first supported name of `architectures`; null when config.json has none (the weight names decide). */
  architecture: ArchitectureName | null;
  /** N: number of latent vectors. */
  numLatents: number;
  /** D: channels of each latent. */
  dLatents: number;
  /** How often the weight-shared block of self-attention layers is applied. */
  numBlocks: number;
  /** Distinct self-attention layers in one block. */
  numSelfAttendsPerBlock: number;
  numSelfAttentionHeads: number;
  numCrossAttentionHeads: number;
  /** q/k channels of every attention; null = the rule of the reference (see layers/attention-shape). */
  qkChannels: number | null;
  /** v channels; null = the q/k channels. */
  vChannels: number | null;
  /** Which side sets the q/k width of the encoder cross-attention when qkChannels is null. */
  crossAttentionShapeForAttention: CrossAttentionShape;
  selfAttentionWideningFactor: number;
  crossAttentionWideningFactor: number;
  /** Whether the encoder cross-attention adds the (un-normalised) latents to its output. */
  useQueryResidual: boolean;
  hiddenAct: 'gelu';
  /** Class names by index; `numLabels` = its size. */
  id2label: Record<number, string>;
  numLabels: number;
  /** Informational: the math uses LayerNorm eps 1e-5 (see fixtures README). */
  layerNormEps: number;
  /**
   * Width of the input tokens as config.json states it (null when absent). The preprocessor sets the
   * real width; a contradicting value is refused when the model is built.
   */
  dModel: number | null;
  /** Side of the square input the Learned position table is sized for (image_size^2 rows); unused by the others. */
  imageSize: number;
}

/** The config.json field names, for messages. */
const FIELD = {
  numLatents: 'num_latents',
  dLatents: 'd_latents',
  numBlocks: 'num_blocks',
  numSelfAttendsPerBlock: 'num_self_attends_per_block',
  numSelfAttentionHeads: 'num_self_attention_heads',
  numCrossAttentionHeads: 'num_cross_attention_heads',
  qkChannels: 'qk_channels',
  vChannels: 'v_channels',
  selfAttentionWideningFactor: 'self_attention_widening_factor',
  crossAttentionWideningFactor: 'cross_attention_widening_factor',
} as const;

/** PerceiverConfig defaults of transformers 4.27 (configuration_perceiver.py). */
const DEFAULTS: Record<string, unknown> = {
  num_latents: 256,
  d_latents: 1280,
  num_blocks: 1,
  num_self_attends_per_block: 26,
  num_self_attention_heads: 8,
  num_cross_attention_heads: 8,
  qk_channels: null,
  v_channels: null,
  cross_attention_shape_for_attention: 'kv',
  self_attention_widening_factor: 1,
  cross_attention_widening_factor: 1,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-12,
  use_query_residual: true,
  image_size: 56,
};

export function parseConfig(json: unknown, source = 'config.json'): PerceiverConfig {
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`${source}: field '${field}' ${why}`);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`${source}: expected a JSON object`);
  }
  checkRequiredFields(json as Record<string, unknown>, source);
  const raw = { ...DEFAULTS, ...(json as Record<string, unknown>) };
  const posInt = (field: string): number => {
    const v = raw[field];
    if (!Number.isSafeInteger(v) || (v as number) < 1) fail(field, `must be a positive integer, got ${JSON.stringify(v)}`);
    checkSizeLimit(field, v as number, source);
    return v as number;
  };
  const optPosInt = (field: string): number | null => (raw[field] === null ? null : posInt(field));

  const modelType = raw.model_type;
  if (modelType !== undefined && modelType !== 'perceiver') fail('model_type', `must be "perceiver", got ${JSON.stringify(modelType)}`);
  const archs = raw.architectures;
  let architecture: ArchitectureName | null = null;
  if (archs !== undefined && archs !== null) {
    architecture = (Array.isArray(archs) ? archs.find(isArchitectureName) : undefined) ?? null;
    if (!architecture) throw unsupportedArchitectureError(source, archs);
  }
  const shape = raw.cross_attention_shape_for_attention;
  if (shape !== 'q' && shape !== 'kv') fail('cross_attention_shape_for_attention', `must be "q" or "kv", got ${JSON.stringify(shape)}`);
  if (raw.hidden_act !== 'gelu') fail('hidden_act', `must be "gelu" (the only activation this port implements), got ${JSON.stringify(raw.hidden_act)}`);
  if (typeof raw.use_query_residual !== 'boolean') fail('use_query_residual', `must be true or false, got ${JSON.stringify(raw.use_query_residual)}`);
  const eps = raw.layer_norm_eps;
  if (typeof eps !== 'number' || !(eps > 0)) fail('layer_norm_eps', `must be a positive number, got ${JSON.stringify(eps)}`);

  // Bounded before parseId2Label, which makes num_labels default names.
  if (typeof raw.num_labels === 'number') checkSizeLimit('num_labels', raw.num_labels, source);
  const id2label = parseId2Label(raw.id2label, raw.num_labels, fail);
  checkSizeLimit('num_labels', Object.keys(id2label).length, source);
  const config: PerceiverConfig = {
    architecture,
    numLatents: posInt(FIELD.numLatents),
    dLatents: posInt(FIELD.dLatents),
    numBlocks: posInt(FIELD.numBlocks),
    numSelfAttendsPerBlock: posInt(FIELD.numSelfAttendsPerBlock),
    numSelfAttentionHeads: posInt(FIELD.numSelfAttentionHeads),
    numCrossAttentionHeads: posInt(FIELD.numCrossAttentionHeads),
    qkChannels: optPosInt(FIELD.qkChannels),
    vChannels: optPosInt(FIELD.vChannels),
    crossAttentionShapeForAttention: shape as CrossAttentionShape,
    selfAttentionWideningFactor: posInt(FIELD.selfAttentionWideningFactor),
    crossAttentionWideningFactor: posInt(FIELD.crossAttentionWideningFactor),
    useQueryResidual: raw.use_query_residual as boolean,
    hiddenAct: 'gelu',
    id2label,
    numLabels: Object.keys(id2label).length,
    layerNormEps: eps as number,
    dModel: raw.d_model === undefined ? null : optPosInt('d_model'),
    imageSize: posInt('image_size'),
  };
  // The reference's PerceiverEncoder refuses these at construction.
  for (const heads of [FIELD.numSelfAttentionHeads, FIELD.numCrossAttentionHeads] as const) {
    const n = raw[heads] as number;
    if (config.dLatents % n !== 0) {
      fail(heads, `(${n}) must divide d_latents (${config.dLatents}), as the reference requires`);
    }
  }
  checkWorkLimit(config, source);
  return config;
}

function parseId2Label(value: unknown, numLabels: unknown, fail: (f: string, why: string) => never): Record<number, string> {
  if (value === undefined) {
    // PretrainedConfig's default when only num_labels is given: LABEL_0 .. LABEL_{n-1}.
    const n = numLabels === undefined ? 2 : numLabels;
    if (!Number.isSafeInteger(n) || (n as number) < 1) fail('num_labels', `must be a positive integer, got ${JSON.stringify(n)}`);
    return Object.fromEntries(Array.from({ length: n as number }, (_, i) => [i, `LABEL_${i}`]));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('id2label', 'must be an object {"0": "name", ...}');
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<number, string> = {};
  for (const [k, v] of entries) {
    const id = Number(k);
    if (!/^\d+$/.test(k) || !Number.isSafeInteger(id)) fail('id2label', `has key ${JSON.stringify(k)}, expected a class index`);
    if (typeof v !== 'string') fail(`id2label.${k}`, `must be a string, got ${JSON.stringify(v)}`);
    out[id] = v as string;
  }
  for (let i = 0; i < entries.length; i++) {
    if (!(i in out)) fail('id2label', `must have the keys 0..${entries.length - 1}; ${i} is missing`);
  }
  if (numLabels !== undefined && numLabels !== entries.length) {
    fail('num_labels', `is ${JSON.stringify(numLabels)} but id2label has ${entries.length} entries`);
  }
  return out;
}
