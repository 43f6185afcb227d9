/**
 * ImageClassifier: image files in, ranked labels out. Runs the processor and the model in chunks of
 * `batchSize` images, so memory stays bounded however many images are given, and decodes the next
 * chunk (in the decoder worker) while the model runs on the current one.
 */
import { InputError } from './errors';
import { resolveModel } from './hub/resolve-model';
import { PerceiverImageProcessor } from './image/image-processor';
import { describeInput, ImageInput } from './image/image-input';
import { RgbImage } from './image/rgb-image';
import { FromPretrainedOptions, PerceiverForImageClassificationFourier } from './model/perceiver-for-image-classification-fourier';
import { PerceiverWorkerPool } from './parallel/worker-pool';
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

const DEFAULTS = { topK: 5, batchSize: 8 };

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InputError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** A chunk's inputs after loading: each resized image, or why it failed. */
type Prepared = { index: number; input: string } & ({ image: RgbImage; error?: undefined } | { error: Error; image?: undefined });

export interface ClassifierOptions extends FromPretrainedOptions {
  /**
   * Models on worker threads (default 1: the model runs on this thread). More workers classify
   * chunks of >= `workers` images proportionally faster on as many cores; each holds the weights.
   */
  workers?: number;
}

export class ImageClassifier {
  constructor(
    /** The model on this thread, or a pool of models on worker threads. */
    readonly model: PerceiverForImageClassificationFourier | PerceiverWorkerPool,
    readonly processor: PerceiverImageProcessor = new PerceiverImageProcessor(),
  ) {}

  /** Model (config.json + weights) and processor (preprocessor_config.json, or the defaults) from one directory or Hub model id. */
  static async fromPretrained(idOrDir: string, options: ClassifierOptions = {}): Promise<ImageClassifier> {
    const dir = await resolveModel(idOrDir, options);
    const processor = await PerceiverImageProcessor.fromPretrained(dir);
    const workers = options.workers ?? 1;
    const model = workers > 1
      ? await PerceiverWorkerPool.fromPretrained(dir, { ...options, workers })
      : await PerceiverForImageClassificationFourier.fromPretrained(dir, options);
    return new ImageClassifier(model, processor);
  }

  /** Top-k predictions per image, in input order; rejects with the first image's error, if any fails. */
  async classify(inputs: readonly ImageInput[], options: ClassifyOptions = {}): Promise<Prediction[][]> {
    const results: Prediction[][] = [];
    for await (const result of this.classifyEach(inputs, options)) {
      if (result.error) throw result.error;
      results.push(result.predictions);
    }
    return results;
  }

  /**
   * Yields each image's result, in input order, as soon as its chunk is done. An image that cannot
   * be read or decoded yields an error result; the others are still classified.
   */
  async *classifyEach(inputs: readonly ImageInput[], options: ClassifyOptions = {}): AsyncGenerator<ClassifyResult> {
    const topK = Math.min(positiveInteger(options.topK ?? DEFAULTS.topK, 'topK'), this.model.config.numLabels);
    const batchSize = positiveInteger(options.batchSize ?? DEFAULTS.batchSize, 'batchSize');
    let next = this.prepare(inputs, 0, batchSize);
    for (let start = 0; start < inputs.length; start += batchSize) {
      const chunk = await next;
      if (start + batchSize < inputs.length) next = this.prepare(inputs, start + batchSize, batchSize);
      yield* await this.classifyPrepared(chunk, topK);
    }
  }

  /** Frees the model's tensors (and stops its worker threads, if any). */
  async dispose(): Promise<void> {
    await this.model.dispose();
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
    const ok = chunk.filter((p): p is Prepared & { image: RgbImage } => p.image !== undefined);
    const probabilities = ok.length > 0 ? await this.probabilities(ok.map((p) => p.image)) : [];
    const byIndex = new Map(ok.map((p, row) => [p.index, row]));
    return chunk.map((p): ClassifyResult => {
      if (p.error) return { index: p.index, input: p.input, error: p.error };
      const row = probabilities[byIndex.get(p.index)!];
      return { index: p.index, input: p.input, predictions: topPredictions(row, topK, this.model.config.id2label) };
    });
  }

  /** Softmax over the logits, one row per image. */
  private async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const numLabels = this.model.config.numLabels;
    const pixelValues = this.processor.toPixelValues(images);
    const logits = this.model instanceof PerceiverWorkerPool ? await this.model.forward(pixelValues) : this.model.forward(pixelValues).logits;
    const probabilities = tf.softmax(logits);
    const values = probabilities.dataSync() as Float32Array;
    tf.dispose([pixelValues, logits, probabilities]);
    return images.map((_, i) => values.subarray(i * numLabels, (i + 1) * numLabels));
  }
}
