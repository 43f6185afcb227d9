/**
 * perceiver-io public API, browser entry (ES module): the same models, processor and classifier as
 * the Node entry, without its Node-only parts (files, the Hub disk cache, worker threads, the BLAS
 * bridge, the CLI). Importing it registers the in-page image decoder and the URL reader for string
 * inputs. Nothing reachable from here imports a Node built-in (test/browser/bundle.test.ts).
 */
import { setWasmPaths as setTfjsWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import './image/browser-decoder';
import './image/browser-image-files';
import './loading/browser-loader';
import { setJpegWasmBase } from './image/browser-decoder';

/**
 * Where the WebAssembly binaries are served from: a folder URL ending in '/' holding tfjs's
 * tfjs-backend-wasm*.wasm and mozjpeg_dec.wasm (dist/browser/ has them all). The prebuilt bundle
 * points this at its own folder; call it before the first model or image to serve them elsewhere.
 */
export function setWasmPaths(folderUrl: string): void {
  setTfjsWasmPaths(folderUrl);
  setJpegWasmBase(folderUrl);
}

export { tf } from './tf';
export { describeBackend, initBackend, BROWSER_BACKEND_ORDER } from './backend';
export type { BackendInfo, BackendName, BackendOptions } from './backend';
export { parseConfig } from './config';
export type { PerceiverConfig } from './config';
export { PerceiverError, ConfigError, WeightsError, InputError, BackendError, ImageError, NonFiniteError, HubError } from './errors';
export type { HubErrorReason } from './errors';
export { PerceiverModel } from './model/perceiver-model';
export type { ForwardOptions, PerceiverClassifierOutput, PerceiverFeatures } from './model/perceiver-model';
export { PerceiverForImageClassificationFourier } from './model/perceiver-for-image-classification-fourier';
export { PerceiverForImageClassificationLearned } from './model/perceiver-for-image-classification-learned';
export { PerceiverForImageClassificationConvProcessing } from './model/perceiver-for-image-classification-conv-processing';
export { AutoModelForImageClassification } from './model/auto-model';
export type { PerceiverImageClassifier } from './model/auto-model';
export { ARCHITECTURE_NAMES } from './architectures';
export type { ArchitectureName } from './architectures';
export { registerPretrainedLoader, registerProcessorConfigLoader } from './model/pretrained-loader';
export type { FromPretrainedOptions, PretrainedFiles, PretrainedLoader, ProcessorConfigLoader } from './model/pretrained-loader';
export type { WeightSource } from './weights/weight-source';
export { ImageClassifier } from './image-classifier';
export type { ClassifyOptions, ClassifyResult, EmbedOptions, EmbedResult, ExplainResult, ImageFeatures, RemoteClassifierModel } from './image-classifier';
export type { AttentionCallback, AttentionSite } from './model/attention-callback';
export type { AttentionRolloutOptions, AttentionRolloutOutput, TokenGrid } from './explain/attention-rollout';
export type { AttentionMap, Explanation, ExplainOptions, LatentMap } from './explain/explanation';
export { rolloutPng, latentGridPng, rolloutPicture, latentGridPicture } from './render/attention-pictures';
export type { LatentPicture, RolloutPictureOptions, LatentGridOptions } from './render/attention-pictures';
export { heatmapOverlay } from './render/heatmap';
export type { ScalarMap } from './render/heatmap';
export { encodePng } from './render/png';
export type { RgbaImage } from './render/raster';
export type { Prediction } from './predictions';
export { PerceiverImageProcessor } from './image/image-processor';
export { parseProcessorConfig, DEFAULT_PROCESSOR_CONFIG } from './image/processor-config';
export type { ImageProcessorConfig } from './image/processor-config';
export type { BlobLike, ImageInput } from './image/image-input';
export type { DrawableImage, ImageDataLike } from './image/browser-image';
export type { RawPixels, RgbImage } from './image/rgb-image';
export { MAX_IMAGE_PIXELS } from './image/decode-image';
export { DEFAULT_MODEL_ID, DEFAULT_REVISION } from './hub/model-id';
export type { DownloadProgress, ProgressCallback } from './hub/progress';
export { clearModelCache, configureModelLoading, DEFAULT_ENDPOINT, MODEL_CACHE_NAME } from './loading/browser-loader';
export type { BrowserLoaderSettings, ModelCache, ModelCacheStorage } from './loading/browser-loader';
// Training (docs/training.md): the in-memory parts; saving a model directory is Node-only.
export { Trainer, DEFAULT_LEARNING_RATE } from './train/trainer';
export type { TrainerOptions, TrainMode, TrainingBatch, BatchResult } from './train/trainer';
export type { LossAndGradients } from './train/loss-and-gradients';
export type { NewHeadOptions } from './train/new-head';
