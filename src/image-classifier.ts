/**
 * ImageClassifier: image files in, ranked labels out. Runs the processor and the model in chunks of
 * `batchSize` images, so memory stays bounded however many images are given, and decodes the next
 * chunk (in the decoder) while the model runs on the current one. Pure of I/O: `fromPretrained` goes
 * through the registered loaders (src/model/pretrained-loader.ts), so the class works in Node and in
 * a browser; the Node entry's subclass (classifier.ts) adds worker threads.
 */
import { InputError, PerceiverError } from './errors';
import { explainImage, Explanation, ExplainOptions } from './explain/explanation';
import { PerceiverImageProcessor } from './image/image-processor';
import { describeInput, ImageInput } from './image/image-input';
import { RgbImage } from './image/rgb-image';
import { AutoModelForImageClassification } from './model/auto-model';
import type { PerceiverConfig } from './config';
import { PerceiverModel } from './model/perceiver-model';
import type { FromPretrainedOptions } from './model/pretrained-loader';
import { Prediction, topPredictions } from './predictions';
import { tf } from './tf';

export interface ClassifyOptions {
  /** Predictions per image, best first (default 5; at most the number of labels). */
  topK?: number;
  /** Images per model call (default 8). */
  batchSize?: number;
}

/** One image's outcome: predictions, or the error that stopped it (the other images still run). */
export type ClassifyResult =
  | { index: number; input: string; predictions: Prediction[]; error?: undefined }
  | { index: number; input: string; error: Error; predictions?: undefined };

export interface EmbedOptions {
  /** Images per model call (default 8). */
  batchSize?: number;
  /** Also return each image's final latents [N, D] (default false: only the pooled vector). */
  latents?: boolean;
}

/** One image's features from the encoder (PerceiverModel.extractFeatures), as plain arrays. */
export interface ImageFeatures {
  /** The mean of the final latents over the N latents: [D]. */
  pooled: Float32Array;
  /** With `latents: true`: the final latents, row-major [N, D]. */
  lastHiddenState?: Float32Array;
}

/** One image's features, or the error that stopped it (the other images still run). */
export type EmbedResult =
  | { index: number; input: string; features: ImageFeatures; error?: undefined }
  | { index: number; input: string; error: Error; features?: undefined };

/** One image's explanation, or the error that stopped it (the other images still run). */
export type ExplainResult =
  | { index: number; input: string; explanation: Explanation; error?: undefined }
  | { index: number; input: string; error: Error; explanation?: undefined };

const DEFAULTS = { topK: 5, batchSize: 8, latents: 16 };

function positiveInteger(value: number, name: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new InputError(`${name} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got ${value}`);
  return value;
}

/** Every result's value, in order; rejects with the first result's error, if any. */
async function firstErrorOrAll<R extends { error?: Error }, T>(results: AsyncIterable<R>, value: (r: R) => T): Promise<T[]> {
  const values: T[] = [];
  for await (const r of results) {
    if (r.error) throw r.error;
    values.push(value(r));
  }
  return values;
}

/** A chunk's result per image: a value, or why the image failed. */
type PerImage<T> = { index: number; input: string } & ({ value: T; error?: undefined } | { error: Error; value?: undefined });

/** A chunk's inputs after loading: each resized image, or why it failed. */
type Prepared = { index: number; input: string } & ({ image: RgbImage; error?: undefined } | { error: Error; image?: undefined });

/** A model that runs elsewhere (the Node worker pool, PerceiverWorkerPool): logits only. */
export interface RemoteClassifierModel {
  readonly config: PerceiverConfig;
  /** Logits [B, numLabels] for pixel_values [B, 3, H, W]; the caller disposes both. */
  forward(pixelValues: tf.Tensor4D): Promise<tf.Tensor2D>;
  dispose(): Promise<void>;
}

export class ImageClassifier {
  constructor(
    /** The model on this thread, or one elsewhere (a pool of models on worker threads). */
    readonly model: PerceiverModel | RemoteClassifierModel,
    readonly processor: PerceiverImageProcessor = new PerceiverImageProcessor(),
  ) {}

  /**
   * Model (config.json + weights; the class picked by AutoModelForImageClassification) and processor
   * (preprocessor_config.json, or the defaults) from one directory, URL or Hub model id, through
   * the registered loaders.
   */
  static async fromPretrained(idOrDir: string, options: FromPretrainedOptions = {}): Promise<ImageClassifier> {
    const processor = await PerceiverImageProcessor.fromPretrained(idOrDir, options);
    const model = await AutoModelForImageClassification.fromPretrained(idOrDir, options);
    return new ImageClassifier(model, processor);
  }

  /** Top-k predictions per image, in input order; rejects with the first image's error, if any fails. */
  async classify(inputs: readonly ImageInput[], options: ClassifyOptions = {}): Promise<Prediction[][]> {
    return firstErrorOrAll(this.classifyEach(inputs, options), (r) => r.predictions!);
  }

  /**
   * Yields each image's result, in input order, as soon as its chunk is done. An image that cannot
   * be read or decoded yields an error result; the others are still classified.
   */
  async *classifyEach(inputs: readonly ImageInput[], options: ClassifyOptions = {}): AsyncGenerator<ClassifyResult> {
    const topK = this.topK(options.topK);
    const batchSize = positiveInteger(options.batchSize ?? DEFAULTS.batchSize, 'batchSize');
    for await (const chunk of this.preparedChunks(inputs, batchSize)) yield* await this.classifyPrepared(chunk, topK);
  }

  /** Each image's features, in input order; rejects with the first image's error, if any fails. */
  async embed(inputs: readonly ImageInput[], options: EmbedOptions = {}): Promise<ImageFeatures[]> {
    return firstErrorOrAll(this.embedEach(inputs, options), (r) => r.features!);
  }

  /**
   * Yields each image's features (or error) in input order, a chunk of `batchSize` images per model
   * call, the next chunk decoding meanwhile. Needs the model on this thread (a worker pool only
   * returns logits).
   */
  async *embedEach(inputs: readonly ImageInput[], options: EmbedOptions = {}): AsyncGenerator<EmbedResult> {
    const model = this.localModel('embed');
    const batchSize = positiveInteger(options.batchSize ?? DEFAULTS.batchSize, 'batchSize');
    for await (const chunk of this.preparedChunks(inputs, batchSize)) {
      const rows = await this.perImage(chunk, async (images) => {
        const pixelValues = this.processor.toPixelValues(images);
        const { lastHiddenState, pooled } = model.extractFeatures(pixelValues);
        const [B, N, D] = lastHiddenState.shape;
        const pooledValues = pooled.dataSync() as Float32Array;
        const latentValues = options.latents ? (lastHiddenState.dataSync() as Float32Array) : undefined;
        tf.dispose([pixelValues, lastHiddenState, pooled]);
        return Array.from({ length: B }, (_, b): ImageFeatures => ({
          pooled: pooledValues.slice(b * D, (b + 1) * D),
          ...(latentValues ? { lastHiddenState: latentValues.slice(b * N * D, (b + 1) * N * D) } : {}),
        }));
      });
      yield* rows.map((r): EmbedResult => (r.error ? r : { index: r.index, input: r.input, features: r.value }));
    }
  }

  /**
   * Per image, in input order: predictions, the attention rollout map, the latent maps of the
   * `latents` heaviest latents, and the model-input image they line up with (docs/explain.md).
   * Rejects with the first image's error, if any fails.
   */
  async explain(inputs: readonly ImageInput[], options: ExplainOptions = {}): Promise<Explanation[]> {
    return firstErrorOrAll(this.explainEach(inputs, options), (r) => r.explanation!);
  }

  /**
   * Yields each image's explanation (or error) in input order. One forward pass per image, so memory
   * stays that of one image whatever the count; the next image is decoded meanwhile. Needs the model
   * on this thread (a worker pool only returns logits).
   */
  async *explainEach(inputs: readonly ImageInput[], options: ExplainOptions = {}): AsyncGenerator<ExplainResult> {
    const model = this.localModel('explain');
    const topK = this.topK(options.topK);
    const latents = Math.min(positiveInteger(options.latents ?? DEFAULTS.latents, 'latents', 0), model.config.numLatents);
    for await (const [p] of this.preparedChunks(inputs, 1)) {
      if (p.error) {
        yield { index: p.index, input: p.input, error: p.error };
        continue;
      }
      const pixelValues = this.processor.toPixelValues([p.image]);
      let explanation: Explanation;
      try {
        explanation = explainImage(model, pixelValues, p.image, { topK, latents, onAttention: options.onAttention });
      } finally {
        pixelValues.dispose();
      }
      yield { index: p.index, input: p.input, explanation };
    }
  }

  /** Frees the model's tensors (and stops its worker threads, if any). */
  async dispose(): Promise<void> {
    await this.model.dispose();
  }

  private localModel(task: string): PerceiverModel {
    if (!(this.model instanceof PerceiverModel)) throw new PerceiverError(`${task} needs the model on this thread: create the ImageClassifier with workers: 1`);
    return this.model;
  }

  private topK(requested: number | undefined): number {
    return Math.min(positiveInteger(requested ?? DEFAULTS.topK, 'topK'), this.model.config.numLabels);
  }

  /** The inputs loaded `size` at a time, the next chunk loading while the caller works on this one. */
  private async *preparedChunks(inputs: readonly ImageInput[], size: number): AsyncGenerator<Prepared[]> {
    let next = this.prepare(inputs, 0, size);
    for (let start = 0; start < inputs.length; start += size) {
      const chunk = await next;
      if (start + size < inputs.length) next = this.prepare(inputs, start + size, size);
      yield chunk;
    }
  }

  private prepare(inputs: readonly ImageInput[], start: number, count: number): Promise<Prepared[]> {
    const chunk = inputs.slice(start, start + count);
    return Promise.all(
      chunk.map(async (input, i): Promise<Prepared> => {
        const index = start + i;
        const name = describeInput(input, index);
        try {
          return { index, input: name, image: await this.processor.resized(input, index) };
        } catch (e) {
          return { index, input: name, error: e as Error };
        }
      }),
    );
  }

  private async classifyPrepared(chunk: Prepared[], topK: number): Promise<ClassifyResult[]> {
    const rows = await this.perImage(chunk, (images) => this.probabilities(images));
    return rows.map((r): ClassifyResult => {
      if (r.error) return r;
      try {
        return { index: r.index, input: r.input, predictions: topPredictions(r.value, topK, this.model.config.id2label, r.input) };
      } catch (e) {
        // A non-finite score is this image's error, not the batch's.
        return { index: r.index, input: r.input, error: e as Error };
      }
    });
  }

  /** `compute` on the chunk's loaded images in one call; each image's row, or its loading error, in chunk order. */
  private async perImage<T>(chunk: Prepared[], compute: (images: RgbImage[]) => Promise<T[]>): Promise<PerImage<T>[]> {
    const ok = chunk.filter((p): p is Prepared & { image: RgbImage } => p.image !== undefined);
    const rows = ok.length > 0 ? await compute(ok.map((p) => p.image)) : [];
    const byIndex = new Map(ok.map((p, row) => [p.index, row]));
    return chunk.map((p): PerImage<T> => (p.error ? { index: p.index, input: p.input, error: p.error } : { index: p.index, input: p.input, value: rows[byIndex.get(p.index)!] }));
  }

  /** Softmax over the logits, one row per image. */
  private async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const numLabels = this.model.config.numLabels;
    const pixelValues = this.processor.toPixelValues(images);
    const logits = this.model instanceof PerceiverModel ? this.model.forward(pixelValues).logits : await this.model.forward(pixelValues);
    const probabilities = tf.softmax(logits);
    const values = probabilities.dataSync() as Float32Array;
    tf.dispose([pixelValues, logits, probabilities]);
    return images.map((_, i) => values.subarray(i * numLabels, (i + 1) * numLabels));
  }
}
