/**
 * The public API both entries share (src/index.ts for Node, src/browser.ts for browsers): the
 * models, the processor, the typed errors, explanations, pictures and training, none of which
 * touches files, workers or the network. Each entry adds its environment's parts and loaders.
 */
export { tf } from './tf';
export { describeBackend, initBackend } from './backend';
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
export { registerPretrainedLoader } from './model/pretrained-loader';
export type { FromPretrainedOptions, PretrainedFiles, PretrainedLoader } from './model/pretrained-loader';
export type { WeightSource } from './weights/weight-source';
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
export type { ImageInput } from './image/image-input';
export type { RawPixels, RgbImage } from './image/rgb-image';
export type { ImageProcessorConfig } from './image/processor-config';
export { MAX_IMAGE_PIXELS } from './image/decode-image';
export { DEFAULT_MODEL_ID, DEFAULT_REVISION } from './hub/model-id';
export type { DownloadProgress, ProgressCallback } from './hub/progress';
// Training (docs/training.md): the in-memory parts; saving a model directory is Node-only.
export { Trainer, DEFAULT_LEARNING_RATE } from './train/trainer';
export type { TrainerOptions, TrainMode, TrainingBatch, BatchResult } from './train/trainer';
export type { LossAndGradients } from './train/loss-and-gradients';
export type { NewHeadOptions } from './train/new-head';
