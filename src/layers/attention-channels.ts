/**
 * The reference's rules for the widths of an attention (PerceiverAttention / PerceiverSelfAttention
 * in modeling_perceiver.py), with the configurations it cannot run refused up front.
 */
import { ConfigError } from '../errors';
import type { CrossAttentionShape } from '../config';

export interface AttentionChannels {
  numHeads: number;
  /** Width of the queries' input (latents: D). */
  qDim: number;
  /** Width of the keys' and values' input (cross: C = 261 for images; self: D). */
  kvDim: number;
  /** Width of q and k; per head qkChannels / numHeads. */
  qkChannels: number;
  /** Width of v and of the attention context; per head vChannels / numHeads. */
  vChannels: number;
  /** Width after the output projection: qDim for cross-attention, vChannels for self-attention. */
  outChannels: number;
}

export interface AttentionChannelOptions {
  /** Names the attention in messages, e.g. "encoder cross-attention". */
  where: string;
  isCrossAttention: boolean;
  qkChannels: number | null;
  vChannels: number | null;
  numHeads: number;
  qDim: number;
  kvDim: number;
  shapeForAttention: CrossAttentionShape;
}

export function attentionChannels(o: AttentionChannelOptions): AttentionChannels {
  let qk = o.qkChannels;
  let v = o.vChannels;
  if (o.isCrossAttention && qk === null) {
    // cross_attention_shape_for_attention picks which side sets the q/k width.
    qk = o.shapeForAttention === 'q' ? o.qDim : o.kvDim;
  } else if (qk === null) {
    qk = o.qDim;
  }
  if (v === null) v = qk;
  if (qk % o.numHeads !== 0) {
    throw new ConfigError(`${o.where}: qk_channels (${qk}) must be divisible by the number of heads (${o.numHeads})`);
  }
  if (v % o.numHeads !== 0) {
    throw new ConfigError(`${o.where}: v_channels (${v}) must be divisible by the number of heads (${o.numHeads})`);
  }
  const outChannels = o.isCrossAttention ? o.qDim : v;
  if (outChannels !== o.qDim) {
    // Self-attention projects v -> v and adds the D-wide query residual: the reference fails here.
    throw new ConfigError(
      `${o.where}: v_channels (${v}) must equal d_latents (${o.qDim}) for the residual connection; the reference cannot run this configuration`,
    );
  }
  return { numHeads: o.numHeads, qDim: o.qDim, kvDim: o.kvDim, qkChannels: qk, vChannels: v, outChannels };
}
