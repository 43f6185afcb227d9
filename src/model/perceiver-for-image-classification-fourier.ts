/**
 * PerceiverForImageClassificationFourier (Hub: deepmind/vision-perceiver-fourier):
 *   pixel_values [B, 3, H, W]
 *   -> tokens [B, M=H*W, C=261] (pixels ++ Fourier positions)
 *   -> encoder: latents [N, D] cross-attend to the tokens, then num_blocks x the shared self-attends
 *   -> decoder: one query cross-attends to the latents -> logits [B, numLabels]
 */
import * as path from 'path';
import { tf } from '../tf';
import { initBackend, BackendName } from '../backend';
import { resolveModel, ResolveModelOptions } from '../hub/resolve-model';
import { PerceiverConfig, readConfig } from '../config';
import { repeatBatch } from '../layers/batch';
import { NamedParameter, ParameterFactory, ParameterOptions } from '../weights/parameters';
import { countParameters, flattenSpec, perceiverSpec } from '../weights/state-dict';
import { checkWeights, WeightSource } from '../weights/weight-source';
import { openWeights } from '../weights/open-weights';
import { PerceiverClassificationDecoder } from './classification-decoder';
import { EncoderOptions, EncoderOutput, PerceiverEncoder } from './encoder';
import { PerceiverImagePreprocessor } from './image-preprocessor';
import { attentionRollout, AttentionRolloutOptions, AttentionRolloutOutput } from '../explain/attention-rollout';
import { lossAndGradients, LossAndGradients } from '../train/loss-and-gradients';
import { LabelsInput } from '../train/loss';
import { newHeadWeights, NewHeadOptions } from '../train/new-head';

/** outputHiddenStates, outputAttentions, and the attention's chunking options. */
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

/** Hub options (revision, onProgress, cacheDir, offline) apply when a model id is given. */
export interface FromPretrainedOptions extends ResolveModelOptions {
  /** tfjs backend; default: PERCEIVER_BACKEND, else tensorflow > wasm > cpu. */
  backend?: BackendName;
}

/**
 * Under a gradient tape every intermediate is kept anyway, so the online softmax's chunks would save
 * no memory: the training forward uses one softmax over all tokens (exact, and its gradient is the
 * plain softmax gradient).
 */
export const TRAINING_FORWARD: ForwardOptions = { tokenChunkSize: Number.MAX_SAFE_INTEGER };

export class PerceiverForImageClassificationFourier {
  private constructor(
    readonly config: PerceiverConfig,
    /** perceiver.embeddings.latents [N, D] */
    readonly latents: tf.Tensor2D,
    readonly preprocessor: PerceiverImagePreprocessor,
    readonly encoder: PerceiverEncoder,
    readonly decoder: PerceiverClassificationDecoder,
    /** Number of parameters loaded (48,440,627 for the real model). */
    readonly numParameters: number,
    /** Every parameter tensor by its Hugging Face name (what the training code differentiates). */
    readonly parameters: ReadonlyMap<string, NamedParameter>,
  ) {}

  /** Loads `config.json` and the weights of a model directory, or of a Hub model id (fetched once into the Hugging Face cache). */
  static async fromPretrained(idOrDir: string, options: FromPretrainedOptions = {}): Promise<PerceiverForImageClassificationFourier> {
    await initBackend(options.backend);
    const dir = await resolveModel(idOrDir, options);
    const config = await readConfig(path.join(dir, 'config.json'));
    const weights = await openWeights(dir);
    return PerceiverForImageClassificationFourier.fromWeights(config, weights);
  }

  /** Builds the model from a parsed config and any weight source; checks names, count and shapes first. */
  static fromWeights(config: PerceiverConfig, weights: WeightSource, parameterOptions: ParameterOptions = {}): PerceiverForImageClassificationFourier {
    const spec = perceiverSpec(config);
    const tensors = flattenSpec(spec);
    checkWeights(weights, tensors);
    const p = new ParameterFactory(weights, parameterOptions);
    const encoder = new PerceiverEncoder(p.perceiverLayer(spec.crossAttention), spec.selfAttends.map((l) => p.perceiverLayer(l)), config.numBlocks);
    const decoder = new PerceiverClassificationDecoder(
      p.tensor(spec.decoderQuery) as tf.Tensor2D,
      p.perceiverLayer(spec.decoderCrossAttention),
      p.linear(spec.finalLayer),
    );
    const latents = p.tensor(spec.latents) as tf.Tensor2D;
    return new PerceiverForImageClassificationFourier(config, latents, new PerceiverImagePreprocessor(), encoder, decoder, countParameters(tensors), p.parameters);
  }

  /**
   * A trainable copy (every parameter a tf.Variable) with a freshly initialised final layer for new
   * labels, as Hugging Face's `from_pretrained(..., num_labels=K, ignore_mismatched_sizes=True)`.
   * The other weights are shared with this model until training changes them.
   */
  withNewHead(options: NewHeadOptions): PerceiverForImageClassificationFourier {
    const { config, weights } = newHeadWeights(this, perceiverSpec(this.config).finalLayer, options);
    return PerceiverForImageClassificationFourier.fromWeights(config, weights, { trainable: true });
  }

  /**
   * Cross-entropy (mean over the batch, as Hugging Face's `labels=`) and its gradient with respect
   * to every parameter, keyed and shaped as the Hugging Face state dict. The caller owns the tensors.
   */
  lossAndGradients(pixelValues: tf.Tensor4D, labels: LabelsInput): LossAndGradients {
    const shape = { batchSize: pixelValues.shape[0], numLabels: this.config.numLabels };
    return lossAndGradients(() => this.forward(pixelValues, TRAINING_FORWARD).logits, labels, shape, this.parameters);
  }

  /** The latents repeated for each batch element: [N, D] -> [B, N, D]. */
  batchLatents(batchSize: number): tf.Tensor3D {
    return repeatBatch(this.latents, batchSize);
  }

  /**
   * pixel_values [B, 3, H, W] float32 (any H, W) -> logits [B, numLabels], plus Hugging Face's
   * hidden states and attentions when asked. The caller owns (and disposes) every returned tensor.
   */
  forward(pixelValues: tf.Tensor4D, options: ForwardOptions = {}): PerceiverClassifierOutput {
    const encoded = this.encode(pixelValues, options);
    const decoded = this.decoder.apply(encoded.lastHiddenState, options);
    encoded.lastHiddenState.dispose();
    const out: PerceiverClassifierOutput = { logits: decoded.logits };
    if (options.outputHiddenStates) out.hiddenStates = encoded.hiddenStates;
    if (options.outputAttentions) {
      out.attentions = encoded.attentions;
      out.crossAttentions = [encoded.crossAttention!, decoded.crossAttention!];
    }
    return out;
  }

  /** pixel_values [B, 3, H, W] -> the encoder's outputs (final latents [B, N, D]). */
  encode(pixelValues: tf.Tensor4D, options: EncoderOptions = {}): EncoderOutput {
    const inputs = this.preprocessor.apply(pixelValues);
    const latents = this.batchLatents(pixelValues.shape[0]);
    const encoded = this.encoder.apply(latents, inputs, options);
    tf.dispose([inputs, latents]);
    return encoded;
  }

  /**
   * Where the prediction's information came from: the attention rollout map on the token grid
   * [B, H', W'] and the weight of each latent [B, N], from one forward pass (docs/explain.md).
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
}
