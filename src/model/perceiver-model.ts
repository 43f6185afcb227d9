/**
 * PerceiverModel, Hugging Face's generic design: an input preprocessor (one per `prep_type`), the
 * encoder and the classification decoder:
 *   pixel_values [B, 3, H, W]
 *   -> input tokens [B, M, C] (the preprocessor; M and C depend on the architecture)
 *   -> encoder: latents [N, D] cross-attend to the tokens, then num_blocks x the shared self-attends
 *   -> decoder: one query cross-attends to the latents -> logits [B, numLabels]
 * The three image classifiers are thin subclasses that only name their architecture; forward,
 * features, attention rollout and dispose live here once.
 */
import { tf, tidy } from '../tf';
import { ArchitectureName, resolveArchitecture } from '../architectures';
import type { PerceiverConfig } from '../config';
import { repeatBatch } from '../layers/batch';
import { NamedParameter, ParameterFactory, ParameterOptions } from '../weights/parameters';
import { countParameters, flattenSpec, perceiverSpec } from '../weights/state-dict';
import { checkWeights, Int64Buffer, readInt64Buffers, WeightSource } from '../weights/weight-source';
import { attentionRollout, AttentionRolloutOptions, AttentionRolloutOutput } from '../explain/attention-rollout';
import { PerceiverClassificationDecoder } from './classification-decoder';
import { checkRecomputable, EncoderOptions, EncoderOutput, layerOutputOnly, PerceiverEncoder } from './encoder';
import { InputPreprocessor } from './input-preprocessor';
import { buildPreprocessor } from './preprocessors/build-preprocessor';
import { FromPretrainedOptions, loadPretrained } from './pretrained-loader';
import { isBuffer, lossAndGradients, LossAndGradients } from '../train/loss-and-gradients';
import { recomputedInBackward } from '../layers/recompute';
import type { LabelsInput } from '../train/loss';
import { newHeadWeights, NewHeadOptions } from '../train/new-head';

/** outputHiddenStates, outputAttentions, onAttention, and the attention's chunking options. */
export type ForwardOptions = EncoderOptions;

export interface PerceiverClassifierOutput {
  /** [B, numLabels] */
  logits: tf.Tensor2D;
  /** Hugging Face's `hidden_states`: num_blocks * (num_self_attends_per_block + 1) tensors [B, N, D]. */
  hiddenStates?: tf.Tensor3D[];
  /** Hugging Face's `attentions`: one [B, heads, N, N] per self-attention layer application. */
  attentions?: tf.Tensor4D[];
  /** Hugging Face's `cross_attentions`: [encoder [B, heads, N, M], decoder [B, 1, 1, N]]. */
  crossAttentions?: tf.Tensor4D[];
}

/** Image features from the encoder, before the decoder (for downstream use: retrieval, probes, clustering). */
export interface PerceiverFeatures {
  /** Hugging Face's PerceiverModel `last_hidden_state`: the final latents [B, N, D]. */
  lastHiddenState: tf.Tensor3D;
  /** The mean of the final latents over the N latents: one vector per image [B, D]. */
  pooled: tf.Tensor2D;
}

/** The parts a model is made of (built by fromWeights). */
export interface PerceiverParts {
  config: PerceiverConfig;
  architecture: ArchitectureName;
  /** perceiver.embeddings.latents [N, D] */
  latents: tf.Tensor2D;
  preprocessor: InputPreprocessor;
  encoder: PerceiverEncoder;
  decoder: PerceiverClassificationDecoder;
  /** Float values loaded (48,440,627 for the real Fourier model). */
  numParameters: number;
  /** Every tensor of the state dict as the layers hold it, by Hugging Face name. */
  parameters: ReadonlyMap<string, NamedParameter>;
  /** The state dict's int64 tensors (BatchNorm's num_batches_tracked), as loaded. */
  int64Buffers: ReadonlyMap<string, Int64Buffer>;
}

/** A class built on PerceiverModel; `architecture` is undefined for PerceiverModel itself (any architecture). */
export interface PerceiverModelClass<T extends PerceiverModel> {
  new (parts: PerceiverParts): T;
  readonly architecture?: ArchitectureName;
  fromWeights(config: PerceiverConfig, weights: WeightSource, options?: ParameterOptions): T;
}

export class PerceiverModel {
  readonly config: PerceiverConfig;
  /** The Hugging Face class this model reproduces. */
  readonly architecture: ArchitectureName;
  readonly latents: tf.Tensor2D;
  readonly preprocessor: InputPreprocessor;
  readonly encoder: PerceiverEncoder;
  readonly decoder: PerceiverClassificationDecoder;
  readonly numParameters: number;
  /** Every tensor of the state dict as the layers hold it, by Hugging Face name (what training differentiates and saves). */
  readonly parameters: ReadonlyMap<string, NamedParameter>;
  /** The state dict's int64 tensors (BatchNorm's num_batches_tracked): unused by the math, kept to be saved. */
  readonly int64Buffers: ReadonlyMap<string, Int64Buffer>;

  /** Use fromWeights or fromPretrained; the parts become owned by the model. */
  constructor(parts: PerceiverParts) {
    this.config = parts.config;
    this.architecture = parts.architecture;
    this.latents = parts.latents;
    this.preprocessor = parts.preprocessor;
    this.encoder = parts.encoder;
    this.decoder = parts.decoder;
    this.numParameters = parts.numParameters;
    this.parameters = parts.parameters;
    this.int64Buffers = parts.int64Buffers;
  }

  /**
   * Loads `config.json` and the weights of a model directory, or of a Hub model id (fetched once into
   * the Hugging Face cache), through the registered loader (src/model/pretrained-loader.ts).
   */
  static async fromPretrained<T extends PerceiverModel>(this: PerceiverModelClass<T>, idOrDir: string, options: FromPretrainedOptions = {}): Promise<T> {
    const { config, weights } = await loadPretrained(idOrDir, options);
    return PerceiverModel.fromWeights.call(this, config, weights) as T;
  }

  /**
   * Builds the model from a parsed config and any weight source; checks names, count and shapes
   * first. On a subclass the architecture is the subclass's; on PerceiverModel, config.json's, else
   * the weight names'. `options.trainable` makes every parameter a tf.Variable (for training).
   */
  static fromWeights<T extends PerceiverModel>(this: PerceiverModelClass<T>, config: PerceiverConfig, weights: WeightSource, options: ParameterOptions = {}): T {
    const architecture = this.architecture ?? resolveArchitecture(config.architecture, weights.names);
    const spec = perceiverSpec(config, architecture);
    const tensors = flattenSpec(spec);
    checkWeights(weights, tensors);
    const p = new ParameterFactory(weights, options);
    const parts = tidy(() => ({
      preprocessor: buildPreprocessor(spec.preprocessor, p, config.imageSize),
      encoder: new PerceiverEncoder(p.perceiverLayer(spec.crossAttention), spec.selfAttends.map((l) => p.perceiverLayer(l)), config.numBlocks),
      decoder: new PerceiverClassificationDecoder(p.tensor(spec.decoderQuery) as tf.Tensor2D, p.perceiverLayer(spec.decoderCrossAttention), p.linear(spec.finalLayer)),
      latents: p.tensor(spec.latents) as tf.Tensor2D,
    }));
    return new this({ config, architecture, ...parts, numParameters: countParameters(tensors), parameters: p.parameters, int64Buffers: readInt64Buffers(weights, tensors) });
  }

  /**
   * A trainable copy (every parameter a tf.Variable) with a freshly initialised final layer for new
   * labels, as Hugging Face's `from_pretrained(..., num_labels=K, ignore_mismatched_sizes=True)`.
   * The other weights are shared with this model until training changes them.
   */
  withNewHead(options: NewHeadOptions): this {
    const { config, weights } = newHeadWeights(this, perceiverSpec(this.config, this.architecture).finalLayer, options);
    return (this.constructor as PerceiverModelClass<this>).fromWeights(config, weights, { trainable: true });
  }

  /**
   * Cross-entropy (mean over the batch, as Hugging Face's `labels=`) and its gradient with respect
   * to every parameter, keyed and shaped as the Hugging Face state dict. The caller owns the tensors.
   */
  lossAndGradients(pixelValues: tf.Tensor4D, labels: LabelsInput): LossAndGradients {
    return lossAndGradients(this, pixelValues, labels);
  }

  /** The latents repeated for each batch element: [N, D] -> [B, N, D]. */
  batchLatents(batchSize: number): tf.Tensor3D {
    return repeatBatch(this.latents, batchSize);
  }

  /**
   * pixel_values [B, 3, H, W] float32 -> logits [B, numLabels], plus Hugging Face's hidden states
   * and attentions when asked. The caller owns (and disposes) every returned tensor; an error
   * part-way leaves none behind.
   */
  forward(pixelValues: tf.Tensor4D, options: ForwardOptions = {}): PerceiverClassifierOutput {
    return tidy(() => {
      const encoded = this.encode(pixelValues, options);
      const decoded = this.decoder.apply(encoded.lastHiddenState, options);
      const out: PerceiverClassifierOutput = { logits: decoded.logits };
      if (options.outputHiddenStates) out.hiddenStates = encoded.hiddenStates;
      if (options.outputAttentions) {
        out.attentions = encoded.attentions;
        out.crossAttentions = [encoded.crossAttention!, decoded.crossAttention!];
      }
      return out;
    });
  }

  /**
   * The encoder's output for pixel_values [B, 3, H, W]: the final latents [B, N, D] and their mean
   * over latents [B, D] (the decoder does not run). The caller disposes both.
   */
  extractFeatures(pixelValues: tf.Tensor4D): PerceiverFeatures {
    return tidy(() => {
      const lastHiddenState = this.encode(pixelValues, {}).lastHiddenState;
      return { lastHiddenState, pooled: tf.mean(lastHiddenState, 1) as tf.Tensor2D }; // [B, N, D] -> [B, D]
    });
  }

  /**
   * Where the prediction's information came from: the attention rollout map on the preprocessor's
   * token grid [B, H', W'] and the weight of each latent [B, N], from one forward pass (docs/explain.md).
   */
  attentionRollout(pixelValues: tf.Tensor4D, options: AttentionRolloutOptions = {}): AttentionRolloutOutput {
    return attentionRollout(this, pixelValues, options);
  }

  dispose(): void {
    this.latents.dispose();
    this.preprocessor.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
  }

  /** Preprocessor + encoder (HF's PerceiverModel up to last_hidden_state). Call inside a tidy. */
  private encode(pixelValues: tf.Tensor4D, options: ForwardOptions): EncoderOutput {
    if (options.recomputeLayers) return this.encodeRecomputed(pixelValues, options);
    const inputs = this.preprocessor.apply(pixelValues);
    return this.encoder.apply(this.batchLatents(pixelValues.shape[0]), inputs, options);
  }

  /**
   * encode() for training with gradient checkpointing: per image, the preprocessor and the
   * cross-attention are one recomputed step, so neither the input tokens ([M, C] = 50,176 x 261 per
   * image) nor the softmax over them stay on the tape, and the backward pass holds one image's
   * cross-attention at any batch size (every op acts per image: the same math). The self-attention
   * layers are recomputed one by one over the whole batch (PerceiverEncoder.applyBlock).
   */
  private encodeRecomputed(pixelValues: tf.Tensor4D, options: ForwardOptions): EncoderOutput {
    checkRecomputable(options);
    const cross = this.encoder.crossAttention;
    const params = [...this.preprocessorParameters(), ...cross.parameters()];
    const step = (latents: tf.Tensor, pixels: tf.Tensor) => layerOutputOnly(cross, latents as tf.Tensor3D, this.preprocessor.apply(pixels as tf.Tensor4D), options);
    // pixel_values are data, not parameters: no gradient (and no backward pass through the preprocessor's copies).
    const perImage = Array.from({ length: pixelValues.shape[0] }, (_, b) =>
      tidy(() => recomputedInBackward(step, [this.batchLatents(1)], params, [tf.slice(pixelValues, [b, 0, 0, 0], [1, -1, -1, -1])])), // [1, N, D], [1, 3, H, W] -> [1, N, D]
    );
    let x = tf.concat(perImage, 0) as tf.Tensor3D; // B x [1, N, D] -> [B, N, D]
    tf.dispose(perImage);
    for (let block = 0; block < this.encoder.numBlocks; block++) x = this.encoder.applyBlock(x, options, {}, block);
    return { lastHiddenState: x };
  }

  /** The preprocessor's trainable tensors (batch-norm statistics are buffers, not parameters). */
  private preprocessorParameters(): tf.Tensor[] {
    return [...this.parameters].filter(([name]) => name.startsWith('perceiver.input_preprocessor.') && !isBuffer(name)).map(([, p]) => p.tensor);
  }
}
