/**
 * Trainer: cross-entropy training of a classifier made by `model.withNewHead` with Adam/AdamW.
 *   train: 'head' (default): the encoder is frozen and only the decoder (query, cross-attention and
 *     final layer: every `perceiver.decoder.*` parameter) learns. Each image's encoder output
 *     (latents [N, D]) is computed once and cached, so later epochs run only the small decoder.
 *   train: 'all': every parameter learns; each step is a full forward and backward pass.
 * Pure compute: the caller loads images and decides the batches (src/train/fit.ts).
 */
import { tf } from '../tf';
import { InputError } from '../errors';
import type { ArchitectureName } from '../architectures';
import type { ForwardOptions } from '../model/perceiver-model';
import type { NamedParameter } from '../weights/parameters';
import { isBuffer, tapeGradients, tapeGradientsByPasses, TRAINING_FORWARD } from './loss-and-gradients';
import { checkLabels, crossEntropy } from './loss';
import { AdamW, OptimizerOptions, OptimizerState, TrainedParameter } from './optimizer';

export type TrainMode = 'head' | 'all';

export interface TrainerOptions extends Partial<OptimizerOptions> {
  train?: TrainMode;
  /**
   * 'all' mode: images per forward + backward pass (default 4). A larger batch is split into passes
   * and their gradients summed, weighted by size: the same step, since the loss is a mean over images.
   * Bounds memory: one pass of the full model at 4 images peaks at ~3.3 GB of wasm's 4 GiB heap.
   */
  imagesPerPass?: number;
}

export const DEFAULT_IMAGES_PER_PASS = 4;

/** Adam's step size when none is given: a new head learns fast; fine-tuning everything needs HF's gentle default. */
export const DEFAULT_LEARNING_RATE: Record<TrainMode, number> = { head: 1e-3, all: 5e-5 };

/**
 * Architectures whose forward uses kernels with no gradient in our registry (src/train/gradients.ts),
 * so train: 'all' cannot differentiate it (head mode runs the encoder without a tape and works).
 */
const NO_FULL_GRADIENT: Partial<Record<ArchitectureName, string>> = {
  PerceiverForImageClassificationConvProcessing: 'its conv stem uses Conv2D, MaxPool and Relu, which have no gradient here yet',
};

/** What the trainer needs of a model: the generic parts every Perceiver classifier has. */
export interface TrainableModel {
  readonly architecture: ArchitectureName;
  readonly config: { numLabels: number };
  readonly parameters: ReadonlyMap<string, NamedParameter>;
  readonly decoder: { apply(latents: tf.Tensor3D): { logits: tf.Tensor2D } };
  extractFeatures(pixelValues: tf.Tensor4D): { lastHiddenState: tf.Tensor3D; pooled: tf.Tensor2D };
  forward(pixelValues: tf.Tensor4D, options?: ForwardOptions): { logits: tf.Tensor2D };
}

/** A batch: one key per image (its cache entry in head mode), and its pixel values when needed. */
export interface TrainingBatch {
  keys: readonly string[];
  labels: readonly number[];
  /** [B, 3, H, W]; needed in 'all' mode, and in head mode only for keys not yet cached. */
  pixelValues?: tf.Tensor4D;
}

export interface BatchResult {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** Images whose top logit is their label. */
  correct: number;
  size: number;
}

const HEAD_PREFIX = 'perceiver.decoder.';

export class Trainer {
  readonly mode: TrainMode;
  readonly learningRate: number;
  readonly imagesPerPass: number;
  /** The parameters that learn, in a fixed order. */
  readonly trained: readonly TrainedParameter[];
  private readonly optimizer: AdamW;
  /** Head mode: encoder output [N * D] per image key. */
  private readonly features = new Map<string, Float32Array>();
  private featureShape: [number, number] | undefined;

  constructor(
    readonly model: TrainableModel,
    options: TrainerOptions = {},
  ) {
    this.mode = options.train ?? 'head';
    if (this.mode !== 'head' && this.mode !== 'all') throw new InputError(`Trainer: train must be 'head' or 'all', got ${JSON.stringify(this.mode)}`);
    const unsupported = this.mode === 'all' ? NO_FULL_GRADIENT[model.architecture] : undefined;
    if (unsupported) throw new InputError(`Trainer: train: 'all' is not available for ${model.architecture}: ${unsupported}; use train: 'head'`);
    this.learningRate = options.learningRate ?? DEFAULT_LEARNING_RATE[this.mode];
    if (!(this.learningRate > 0)) throw new InputError(`Trainer: learningRate must be > 0, got ${this.learningRate}`);
    this.imagesPerPass = options.imagesPerPass ?? DEFAULT_IMAGES_PER_PASS;
    if (!(Number.isInteger(this.imagesPerPass) && this.imagesPerPass >= 1)) throw new InputError(`Trainer: imagesPerPass must be an integer >= 1, got ${this.imagesPerPass}`);
    if (!((options.weightDecay ?? 0) >= 0)) throw new InputError(`Trainer: weightDecay must be >= 0, got ${options.weightDecay}`);
    this.trained = [...model.parameters]
      .filter(([name]) => !isBuffer(name) && (this.mode === 'all' || name.startsWith(HEAD_PREFIX)))
      .map(([name, p]) => {
        if (!(p.tensor instanceof tf.Variable)) throw new InputError(`Trainer: ${name} is not trainable; train a copy made by model.withNewHead(...)`);
        return { name, variable: p.tensor };
      });
    this.optimizer = new AdamW({ ...options, learningRate: this.learningRate }, this.trained);
  }

  /** Head mode: the keys whose encoder output is not cached yet (their pixels must be passed once). 'all' mode: every key. */
  missingFeatures(keys: readonly string[]): string[] {
    return this.mode === 'all' ? [...keys] : keys.filter((k) => !this.features.has(k));
  }

  /** Bytes held by the head-mode cache (2 MiB per image for the full model: 512 x 1024 float32). */
  get cachedFeatureBytes(): number {
    let n = 0;
    for (const f of this.features.values()) n += f.byteLength;
    return n;
  }

  /** One Adam(W) step on the batch; returns the batch's loss and accuracy before the step. */
  trainStep(batch: TrainingBatch): BatchResult {
    const labels = checkLabels(batch.labels, batch.keys.length, this.model.config.numLabels);
    const variables = this.trained.map((p) => p.variable);
    const r =
      this.mode === 'all'
        ? tapeGradientsByPasses((x) => this.model.forward(x, TRAINING_FORWARD).logits, this.pixels(batch, labels.length), labels, variables, this.imagesPerPass)
        : this.withInputs(batch, (forward) => tapeGradients(forward, labels, variables));
    this.optimizer.step(r.grads);
    tf.dispose(r.grads);
    return this.scored(r.loss, r.logits, labels);
  }

  /** Loss and accuracy without learning (validation). */
  evaluate(batch: TrainingBatch): BatchResult {
    const labels = checkLabels(batch.labels, batch.keys.length, this.model.config.numLabels);
    const { loss, logits } = this.withInputs(batch, (forward) =>
      tf.tidy(() => {
        const l = forward();
        return { logits: l, loss: crossEntropy(l, labels).dataSync()[0] };
      }),
    );
    return this.scored(loss, logits, labels);
  }

  /** The optimizer's moments (live: read, don't dispose) for a checkpoint. */
  optimizerState(): Promise<OptimizerState> {
    return this.optimizer.state();
  }

  /** Continues from a checkpoint's optimizer state (call before the first step). */
  restoreOptimizerState(state: OptimizerState): Promise<void> {
    return this.optimizer.setState(state);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.features.clear();
  }

  private scored(loss: number, logits: tf.Tensor2D, labels: readonly number[]): BatchResult {
    const predicted = tf.tidy(() => tf.argMax(logits, 1).dataSync());
    logits.dispose();
    return { loss, correct: labels.filter((l, i) => predicted[i] === l).length, size: labels.length };
  }

  /** Runs `use` with a forward from the batch to logits [B, K]: the decoder on cached latents (head) or the whole model (all). */
  private withInputs<T>(batch: TrainingBatch, use: (forward: () => tf.Tensor2D) => T): T {
    if (this.mode === 'all') {
      const x = this.pixels(batch, batch.keys.length);
      return use(() => this.model.forward(x, TRAINING_FORWARD).logits);
    }
    this.cacheFeatures(batch);
    const latents = this.cachedLatents(batch.keys);
    try {
      return use(() => this.model.decoder.apply(latents).logits);
    } finally {
      latents.dispose();
    }
  }

  private pixels(batch: TrainingBatch, expected: number): tf.Tensor4D {
    const x = batch.pixelValues;
    if (!x || x.shape[0] !== expected) throw new InputError(`Trainer: the batch needs pixelValues for ${expected} images, got ${x ? x.shape[0] : 'none'}`);
    return x;
  }

  /** Encodes the batch's uncached images (pixelValues holds exactly those, in key order) without a tape. */
  private cacheFeatures(batch: TrainingBatch): void {
    const missing = this.missingFeatures(batch.keys);
    if (missing.length === 0) return;
    const x = this.pixels(batch, missing.length);
    const features = this.model.extractFeatures(x);
    features.pooled.dispose();
    const latents = features.lastHiddenState; // [B, N, D]
    const [, N, D] = latents.shape;
    this.featureShape = [N, D];
    const values = latents.dataSync() as Float32Array;
    missing.forEach((k, i) => this.features.set(k, values.slice(i * N * D, (i + 1) * N * D)));
    latents.dispose();
  }

  private cachedLatents(keys: readonly string[]): tf.Tensor3D {
    const [N, D] = this.featureShape!;
    const all = new Float32Array(keys.length * N * D);
    keys.forEach((k, i) => all.set(this.features.get(k)!, i * N * D));
    return tf.tensor3d(all, [keys.length, N, D]); // B x [N, D] -> [B, N, D]
  }
}
