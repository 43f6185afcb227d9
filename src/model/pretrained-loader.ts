/**
 * The seam between the models (pure math, no I/O) and where their files come from. `fromPretrained`
 * of every model class asks the registered loader for a parsed config and a weight source; the
 * Node entry registers one that reads directories and the Hugging Face Hub cache
 * (src/loading/node-loader.ts). Another environment (the browser: fetch + Cache Storage)
 * registers its own with `registerPretrainedLoader` and the same model classes work unchanged.
 * The image processor's settings (preprocessor_config.json) come through the same kind of seam.
 */
import type { BackendName } from '../backend';
import type { PerceiverConfig } from '../config';
import { PerceiverError } from '../errors';
import type { ResolveModelOptions } from '../hub/resolve-model';
import type { ImageProcessorConfig } from '../image/processor-config';
import type { WeightSource } from '../weights/weight-source';

/** Hub options (revision, onProgress, cacheDir, offline) apply when a model id is given. */
export interface FromPretrainedOptions extends ResolveModelOptions {
  /** tfjs backend; default: PERCEIVER_BACKEND, else tensorflow > wasm > cpu. */
  backend?: BackendName;
}

export interface PretrainedFiles {
  config: PerceiverConfig;
  weights: WeightSource;
}

/** Makes the backend ready, then finds, fetches if needed, and opens config.json and the weights. */
export type PretrainedLoader = (idOrDir: string, options: FromPretrainedOptions) => Promise<PretrainedFiles>;

let registered: PretrainedLoader | undefined;

export function registerPretrainedLoader(loader: PretrainedLoader): void {
  registered = loader;
}

export function loadPretrained(idOrDir: string, options: FromPretrainedOptions): Promise<PretrainedFiles> {
  if (!registered) {
    throw new PerceiverError(
      "fromPretrained: no model loader is registered; import the package entry ('perceiver-io'), which registers the Node loader, " +
        'or build the model with fromWeights(config, weights)',
    );
  }
  return registered(idOrDir, options);
}

/** Finds, fetches if needed, and parses a model's preprocessor_config.json (Hugging Face's defaults when it has none). */
export type ProcessorConfigLoader = (idOrDir: string, options: FromPretrainedOptions) => Promise<ImageProcessorConfig>;

let processorLoader: ProcessorConfigLoader | undefined;

export function registerProcessorConfigLoader(loader: ProcessorConfigLoader): void {
  processorLoader = loader;
}

export function loadProcessorConfig(idOrDir: string, options: FromPretrainedOptions): Promise<ImageProcessorConfig> {
  if (!processorLoader) {
    throw new PerceiverError(
      "PerceiverImageProcessor.fromPretrained: no loader is registered; import the package entry ('perceiver-io'), " +
        'or construct it with new PerceiverImageProcessor(parseProcessorConfig(json))',
    );
  }
  return processorLoader(idOrDir, options);
}
