/**
 * The Node entry's ImageClassifier: the pure one (image-classifier.ts) plus models on worker
 * threads and BLAS threads, with a Hub id resolved once into the local cache for both the model and
 * the processor.
 */
import { initBackend } from './backend';
import { resolveModel } from './hub/resolve-model';
import { PerceiverImageProcessor } from './image/image-processor';
import { ImageClassifier } from './image-classifier';
import './loading/node-loader';
import { AutoModelForImageClassification } from './model/auto-model';
import type { FromPretrainedOptions } from './model/pretrained-loader';
import { PerceiverWorkerPool } from './parallel/worker-pool';

export type { ClassifyOptions, ClassifyResult, EmbedOptions, EmbedResult, ExplainResult, ImageFeatures, RemoteClassifierModel } from './image-classifier';

export interface ClassifierOptions extends FromPretrainedOptions {
  /**
   * Models on worker threads (default 1: the model runs on this thread). More workers classify
   * chunks of >= `workers` images proportionally faster on as many cores; each holds the weights.
   */
  workers?: number;
  /** BLAS threads (default: PERCEIVER_THREADS, else all cores), split between the workers. */
  threads?: number;
}

class NodeImageClassifier extends ImageClassifier {
  /**
   * Model (config.json + weights; the class picked by AutoModelForImageClassification) and processor
   * (preprocessor_config.json, or the defaults) from one directory or Hub model id.
   */
  static override async fromPretrained(idOrDir: string, options: ClassifierOptions = {}): Promise<NodeImageClassifier> {
    const dir = await resolveModel(idOrDir, options);
    const processor = await PerceiverImageProcessor.fromPretrained(dir);
    const workers = options.workers ?? 1;
    if (workers <= 1 && options.threads !== undefined) await initBackend(options.backend, { threads: options.threads });
    const model = workers > 1
      ? await PerceiverWorkerPool.fromPretrained(dir, { ...options, workers })
      : await AutoModelForImageClassification.fromPretrained(dir, options);
    return new NodeImageClassifier(model, processor);
  }
}

export { NodeImageClassifier as ImageClassifier };
