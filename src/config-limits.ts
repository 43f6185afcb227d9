/**
 * What a config.json may ask for: the fields without which the model's structure is unknown, an
 * upper bound on every size field, and a bound on the work of one forward pass. The block weights
 * are shared, so `num_blocks` passes every weight check: without these bounds a hostile config
 * (`"num_blocks": 10000000`) next to valid weights makes classify run for ever.
 */
import { ConfigError } from './errors';

/**
 * Fields a Hugging Face PerceiverConfig always writes (save_pretrained writes every field the base
 * class lacks); a config without them would fall back to defaults that then fail far away, as
 * weight-shape mismatches.
 */
const REQUIRED_FIELDS = ['num_latents', 'd_latents', 'num_blocks', 'num_self_attends_per_block', 'num_self_attention_heads', 'num_cross_attention_heads'];

/**
 * Refuses a config.json missing structural fields, listing them all at once. The class count needs
 * `id2label` or `num_labels` (save_pretrained omits id2label only for the 2-label default).
 */
export function checkRequiredFields(json: Record<string, unknown>, source: string): void {
  const missing = REQUIRED_FIELDS.filter((f) => json[f] === undefined);
  if (json.id2label === undefined && json.num_labels === undefined) missing.push('id2label (or num_labels)');
  if (missing.length) {
    throw new ConfigError(`${source}: missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (a Hugging Face Perceiver config.json has them all)`);
  }
}

/**
 * Upper bounds per size field, far above every published Perceiver (vision: N=512, D=1024,
 * 8 blocks x 6 layers, 8 heads, 1000 labels; language: D=1280, 26 layers) yet small enough that
 * no single field can ask for an absurd model.
 */
export const SIZE_LIMITS: Readonly<Record<string, number>> = {
  num_latents: 8192,
  d_latents: 16384,
  d_model: 16384,
  num_blocks: 256,
  num_self_attends_per_block: 256,
  num_self_attention_heads: 1024,
  num_cross_attention_heads: 1024,
  qk_channels: 16384,
  v_channels: 16384,
  self_attention_widening_factor: 64,
  cross_attention_widening_factor: 64,
  image_size: 16384,
  num_labels: 100_000,
};

/**
 * The most floating-point operations the latent self-attention stack may cost per image: 10^13,
 * ~28x the real vision-perceiver-fourier (3.6e11), i.e. tens of seconds, not for ever.
 */
export const MAX_LATENT_FLOPS = 1e13;

/** The sizes the bounds look at, as parsed (null = derived from d_latents). */
export interface ConfigSizes {
  numLatents: number;
  dLatents: number;
  numBlocks: number;
  numSelfAttendsPerBlock: number;
  qkChannels: number | null;
  vChannels: number | null;
  selfAttentionWideningFactor: number;
}

/** Refuses a size field above its bound, naming the field, its value, the bound and the file. */
export function checkSizeLimit(field: string, value: number, source: string): void {
  const limit = SIZE_LIMITS[field];
  if (limit !== undefined && value > limit) {
    throw new ConfigError(`${source}: field '${field}' is ${value}, above the limit of ${limit} (refused as an implausible model size)`);
  }
}

/**
 * Floating-point operations of the num_blocks x num_self_attends_per_block latent self-attention
 * layers for one image (2 per multiply-add): q/k/v/output projections, N x N scores and weighted
 * sum, and the MLP. The input-dependent cross-attention is bounded by the pixel limit instead.
 */
export function latentFlops(c: ConfigSizes): number {
  const n = c.numLatents;
  const d = c.dLatents;
  const qk = c.qkChannels ?? d;
  const v = c.vChannels ?? qk;
  const projections = n * d * (2 * qk + v) + n * v * d;
  const attention = n * n * (qk + v);
  const mlp = 2 * n * d * d * c.selfAttentionWideningFactor;
  return 2 * c.numBlocks * c.numSelfAttendsPerBlock * (projections + attention + mlp);
}

/** Refuses a config whose latent stack would cost more than MAX_LATENT_FLOPS per image. */
export function checkWorkLimit(c: ConfigSizes, source: string): void {
  const flops = latentFlops(c);
  if (flops > MAX_LATENT_FLOPS) {
    throw new ConfigError(
      `${source}: the latent self-attention stack (num_blocks ${c.numBlocks} x num_self_attends_per_block ${c.numSelfAttendsPerBlock}, ` +
        `num_latents ${c.numLatents}, d_latents ${c.dLatents}) needs ${flops.toExponential(2)} floating-point operations per image, ` +
        `above the limit of ${MAX_LATENT_FLOPS.toExponential(0)}`,
    );
  }
}
