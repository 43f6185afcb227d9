/**
 * Floating-point operations of one image in the reference (Hugging Face) formulation, per stage:
 * 2 FLOPs per multiply-add of every matmul; norms, softmax and activations are not counted.
 * For the real model at 224 x 224 this is ~406 GFLOP, 180 GMAC of it in the 48 self-attention
 * layer applications. Our folded cross-attention does fewer; GFLOP/s below are per these counts.
 */
import type { PerceiverConfig } from '../src/config';

export interface StageFlops {
  crossAttention: number;
  /** One application of one self-attention layer. */
  selfAttentionLayer: number;
  decoder: number;
  total: number;
}

/** MACs of a PerceiverLayer: N queries of width qDim attending to M tokens of width kvDim. */
function layerMacs(N: number, M: number, qDim: number, kvDim: number, qk: number, v: number, out: number, widening: number): number {
  const projections = N * qDim * qk + M * kvDim * (qk + v);
  const attention = N * M * (qk + v);
  return projections + attention + N * v * out + 2 * N * qDim * qDim * widening;
}

/** The encoder and decoder of one image of M input tokens of C channels (the preprocessor's own convolutions are not counted). */
export function imageFlops(config: PerceiverConfig, M: number, C: number): StageFlops {
  const N = config.numLatents;
  const D = config.dLatents;
  const crossQk = config.qkChannels ?? (config.crossAttentionShapeForAttention === 'q' ? D : C);
  const crossV = config.vChannels ?? crossQk;
  const selfQk = config.qkChannels ?? D;
  const selfV = config.vChannels ?? selfQk;
  const crossAttention = 2 * layerMacs(N, M, D, C, crossQk, crossV, D, config.crossAttentionWideningFactor);
  const selfAttentionLayer = 2 * layerMacs(N, N, D, D, selfQk, selfV, D, config.selfAttentionWideningFactor);
  const decoder = 2 * (layerMacs(1, N, D, D, D, D, D, 1) + D * config.numLabels);
  const total = crossAttention + config.numBlocks * config.numSelfAttendsPerBlock * selfAttentionLayer + decoder;
  return { crossAttention, selfAttentionLayer, decoder, total };
}
