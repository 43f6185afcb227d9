/**
 * The one explicit table from Hugging Face state-dict names to the model's parameters, derived from
 * the config. Every name here is a key of PerceiverForImageClassificationFourier.state_dict();
 * `flattenSpec` lists them with their PyTorch shapes for the count and shape checks.
 */
import type { PerceiverConfig } from '../config';
import { AttentionChannels, attentionChannels } from '../layers/attention-channels';
import { NUM_POSITION_FEATURES } from '../fourier/position-encoding';

/** Input channels of the image preprocessor: R, G, B + 258 Fourier position features = 261. */
export const IMAGE_INPUT_CHANNELS = 3 + NUM_POSITION_FEATURES;

export interface TensorSpec {
  name: string;
  /** PyTorch shape (Linear weights are [out, in]). */
  shape: number[];
}
export interface LinearSpec {
  weight: TensorSpec;
  bias: TensorSpec;
}
export interface LayerNormSpec {
  weight: TensorSpec;
  bias: TensorSpec;
}
export interface AttentionSpec {
  channels: AttentionChannels;
  layernorm1: LayerNormSpec;
  layernorm2: LayerNormSpec | null;
  query: LinearSpec;
  key: LinearSpec;
  value: LinearSpec;
  output: LinearSpec;
}
export interface PerceiverLayerSpec {
  attention: AttentionSpec;
  layernorm: LayerNormSpec;
  dense1: LinearSpec;
  dense2: LinearSpec;
  useQueryResidual: boolean;
}
export interface PerceiverSpec {
  /** perceiver.embeddings.latents [N, D] */
  latents: TensorSpec;
  crossAttention: PerceiverLayerSpec;
  /** The num_self_attends_per_block weight-shared layers of one block. */
  selfAttends: PerceiverLayerSpec[];
  /** The decoder's trainable query [1, D]. */
  decoderQuery: TensorSpec;
  decoderCrossAttention: PerceiverLayerSpec;
  finalLayer: LinearSpec;
}

const linear = (name: string, inDim: number, outDim: number): LinearSpec => ({
  weight: { name: `${name}.weight`, shape: [outDim, inDim] },
  bias: { name: `${name}.bias`, shape: [outDim] },
});

const layerNorm = (name: string, dim: number): LayerNormSpec => ({
  weight: { name: `${name}.weight`, shape: [dim] },
  bias: { name: `${name}.bias`, shape: [dim] },
});

/** One PerceiverLayer under `prefix` (e.g. perceiver.encoder.self_attends.3). */
function perceiverLayer(prefix: string, ch: AttentionChannels, isCross: boolean, widening: number, useQueryResidual: boolean): PerceiverLayerSpec {
  const self = `${prefix}.attention.self`;
  return {
    attention: {
      channels: ch,
      layernorm1: layerNorm(`${self}.layernorm1`, ch.qDim),
      layernorm2: isCross ? layerNorm(`${self}.layernorm2`, ch.kvDim) : null,
      query: linear(`${self}.query`, ch.qDim, ch.qkChannels),
      key: linear(`${self}.key`, ch.kvDim, ch.qkChannels),
      value: linear(`${self}.value`, ch.kvDim, ch.vChannels),
      output: linear(`${prefix}.attention.output.dense`, ch.vChannels, ch.outChannels),
    },
    layernorm: layerNorm(`${prefix}.layernorm`, ch.qDim),
    dense1: linear(`${prefix}.mlp.dense1`, ch.qDim, ch.qDim * widening),
    dense2: linear(`${prefix}.mlp.dense2`, ch.qDim * widening, ch.qDim),
    useQueryResidual,
  };
}

export function perceiverSpec(config: PerceiverConfig): PerceiverSpec {
  const D = config.dLatents;
  const common = { qkChannels: config.qkChannels, vChannels: config.vChannels, shapeForAttention: config.crossAttentionShapeForAttention };
  const encoderCross = attentionChannels({
    ...common,
    where: 'encoder cross-attention',
    isCrossAttention: true,
    numHeads: config.numCrossAttentionHeads,
    qDim: D,
    kvDim: IMAGE_INPUT_CHANNELS,
  });
  const selfAttention = attentionChannels({
    ...common,
    where: 'latent self-attention',
    isCrossAttention: false,
    numHeads: config.numSelfAttentionHeads,
    qDim: D,
    kvDim: D,
  });
  // The classification decoder hard-codes 1 head, q/k/v channels from the latents, widening 1,
  // query residual on (PerceiverClassificationDecoder -> PerceiverBasicDecoder).
  const decoderCross = attentionChannels({
    where: 'decoder cross-attention',
    isCrossAttention: true,
    qkChannels: null,
    vChannels: null,
    shapeForAttention: config.crossAttentionShapeForAttention,
    numHeads: 1,
    qDim: D,
    kvDim: D,
  });
  const decoder = 'perceiver.decoder.decoder';
  return {
    latents: { name: 'perceiver.embeddings.latents', shape: [config.numLatents, D] },
    crossAttention: perceiverLayer('perceiver.encoder.cross_attention', encoderCross, true, config.crossAttentionWideningFactor, config.useQueryResidual),
    selfAttends: Array.from({ length: config.numSelfAttendsPerBlock }, (_, i) =>
      perceiverLayer(`perceiver.encoder.self_attends.${i}`, selfAttention, false, config.selfAttentionWideningFactor, true),
    ),
    decoderQuery: { name: `${decoder}.output_position_encodings.position_embeddings`, shape: [1, D] },
    decoderCrossAttention: perceiverLayer(`${decoder}.decoding_cross_attention`, decoderCross, true, 1, true),
    finalLayer: linear(`${decoder}.final_layer`, D, config.numLabels),
  };
}

function layerTensors(l: PerceiverLayerSpec): TensorSpec[] {
  const a = l.attention;
  const parts = [a.layernorm1, a.layernorm2, a.query, a.key, a.value, a.output, l.layernorm, l.dense1, l.dense2];
  return parts.flatMap((p) => (p ? [p.weight, p.bias] : []));
}

/** Every tensor of the state dict (136 for the real model). */
export function flattenSpec(spec: PerceiverSpec): TensorSpec[] {
  return [
    spec.latents,
    ...layerTensors(spec.crossAttention),
    ...spec.selfAttends.flatMap(layerTensors),
    spec.decoderQuery,
    ...layerTensors(spec.decoderCrossAttention),
    spec.finalLayer.weight,
    spec.finalLayer.bias,
  ];
}

export function countParameters(tensors: readonly TensorSpec[]): number {
  return tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
