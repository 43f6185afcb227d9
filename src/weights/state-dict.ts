/**
 * The one explicit table from Hugging Face state-dict names to the model's parameters, derived from
 * the config and the architecture. Every name here is a key of the Hugging Face class's
 * state_dict(); `flattenSpec` lists them with their PyTorch shapes for the count and shape checks.
 */
import type { PerceiverConfig } from '../config';
import { ARCHITECTURES, ArchitectureName } from '../architectures';
import { ConfigError } from '../errors';
import { AttentionChannels, attentionChannels } from '../layers/attention-channels';
import { NUM_POSITION_FEATURES } from '../fourier/position-encoding';

export interface TensorSpec {
  name: string;
  /** PyTorch shape (Linear weights are [out, in], conv weights [out, in, kh, kw]). */
  shape: number[];
  /** Only BatchNorm's num_batches_tracked (unused at inference) is int64; every other tensor is a float. */
  dtype?: 'int64';
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

/** prep_type "pixels" (Fourier): no weights; tokens are [R, G, B, 258 Fourier features]. */
export interface PixelsPreprocessorSpec {
  prepType: 'pixels';
  /** C = 3 + 258 = 261 */
  numChannels: number;
}
/** prep_type "conv1x1" (Learned): a 1x1 conv, then [features, projected learned positions]. */
export interface Conv1x1PreprocessorSpec {
  prepType: 'conv1x1';
  /** C = 256 + 256 = 512 */
  numChannels: number;
  /** convnet_1x1: weight [256, 3, 1, 1], bias [256] */
  convnet1x1: LinearSpec;
  /** position_embeddings.position_embeddings [image_size^2, 256]: one row per token, row-major */
  positionEmbeddings: TensorSpec;
  /** positions_projection: Linear(256, 256) */
  positionsProjection: LinearSpec;
}
export interface BatchNormSpec {
  weight: TensorSpec;
  bias: TensorSpec;
  runningMean: TensorSpec;
  runningVar: TensorSpec;
  numBatchesTracked: TensorSpec;
}
/** prep_type "conv" (ConvProcessing): Conv2DDownsample, then [pooled features, Fourier features]. */
export interface ConvPreprocessorSpec {
  prepType: 'conv';
  /** C = 64 + 258 = 322 */
  numChannels: number;
  /** convnet.conv.weight [64, 3, 7, 7], no bias */
  conv: TensorSpec;
  batchnorm: BatchNormSpec;
}
export type PreprocessorSpec = PixelsPreprocessorSpec | Conv1x1PreprocessorSpec | ConvPreprocessorSpec;

export interface PerceiverSpec {
  architecture: ArchitectureName;
  preprocessor: PreprocessorSpec;
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

/** Output channels HF hard-codes for the Learned 1x1 conv (out_channels) and its position table (num_channels, project_pos_dim). */
export const LEARNED_CHANNELS = 256;
/** Conv2DDownsample's fixed output channels. */
export const CONV_CHANNELS = 64;
export const CONV_KERNEL_SIZE = 7;

const PREPROCESSOR = 'perceiver.input_preprocessor';

function preprocessorSpec(architecture: ArchitectureName, config: PerceiverConfig): PreprocessorSpec {
  const prepType = ARCHITECTURES[architecture];
  switch (prepType) {
    case 'pixels':
      return { prepType, numChannels: 3 + NUM_POSITION_FEATURES };
    case 'conv1x1': {
      const C = LEARNED_CHANNELS;
      const conv = `${PREPROCESSOR}.convnet_1x1`;
      return {
        prepType,
        numChannels: 2 * C,
        convnet1x1: { weight: { name: `${conv}.weight`, shape: [C, 3, 1, 1] }, bias: { name: `${conv}.bias`, shape: [C] } },
        positionEmbeddings: { name: `${PREPROCESSOR}.position_embeddings.position_embeddings`, shape: [config.imageSize ** 2, C] },
        positionsProjection: linear(`${PREPROCESSOR}.positions_projection`, C, C),
      };
    }
    case 'conv': {
      const C = CONV_CHANNELS;
      const bn = `${PREPROCESSOR}.convnet.batchnorm`;
      return {
        prepType,
        numChannels: C + NUM_POSITION_FEATURES,
        conv: { name: `${PREPROCESSOR}.convnet.conv.weight`, shape: [C, 3, CONV_KERNEL_SIZE, CONV_KERNEL_SIZE] },
        batchnorm: {
          weight: { name: `${bn}.weight`, shape: [C] },
          bias: { name: `${bn}.bias`, shape: [C] },
          runningMean: { name: `${bn}.running_mean`, shape: [C] },
          runningVar: { name: `${bn}.running_var`, shape: [C] },
          numBatchesTracked: { name: `${bn}.num_batches_tracked`, shape: [], dtype: 'int64' },
        },
      };
    }
  }
}

function preprocessorTensors(p: PreprocessorSpec): TensorSpec[] {
  switch (p.prepType) {
    case 'pixels':
      return [];
    case 'conv1x1':
      return [p.convnet1x1.weight, p.convnet1x1.bias, p.positionEmbeddings, p.positionsProjection.weight, p.positionsProjection.bias];
    case 'conv': {
      const bn = p.batchnorm;
      return [p.conv, bn.weight, bn.bias, bn.runningMean, bn.runningVar, bn.numBatchesTracked];
    }
  }
}

/** The state dict of `architecture` for `config`; refuses a d_model that contradicts the preprocessor's width. */
export function perceiverSpec(config: PerceiverConfig, architecture: ArchitectureName): PerceiverSpec {
  if (config.architecture !== null && config.architecture !== architecture) {
    throw new ConfigError(`config.json declares architecture ${config.architecture}, not ${architecture}`);
  }
  const preprocessor = preprocessorSpec(architecture, config);
  if (config.dModel !== null && config.dModel !== preprocessor.numChannels) {
    throw new ConfigError(
      `config.json: field 'd_model' is ${config.dModel}, but the input preprocessor of ${architecture} (prep_type "${preprocessor.prepType}") ` +
        `makes tokens of ${preprocessor.numChannels} channels`,
    );
  }
  const D = config.dLatents;
  const common = { qkChannels: config.qkChannels, vChannels: config.vChannels, shapeForAttention: config.crossAttentionShapeForAttention };
  const encoderCross = attentionChannels({
    ...common,
    where: 'encoder cross-attention',
    isCrossAttention: true,
    numHeads: config.numCrossAttentionHeads,
    qDim: D,
    kvDim: preprocessor.numChannels,
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
    architecture,
    preprocessor,
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

/** Every tensor of the state dict (136 for the real Fourier model). */
export function flattenSpec(spec: PerceiverSpec): TensorSpec[] {
  return [
    ...preprocessorTensors(spec.preprocessor),
    spec.latents,
    ...layerTensors(spec.crossAttention),
    ...spec.selfAttends.flatMap(layerTensors),
    spec.decoderQuery,
    ...layerTensors(spec.decoderCrossAttention),
    spec.finalLayer.weight,
    spec.finalLayer.bias,
  ];
}

/** Float elements (HF's parameters plus BatchNorm's running statistics); the int64 counter is not one. */
export function countParameters(tensors: readonly TensorSpec[]): number {
  return tensors.filter((t) => t.dtype !== 'int64').reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
