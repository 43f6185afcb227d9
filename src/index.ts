/** perceiver-io public API: re-exports only. */
export { tf } from './tf';
export { initBackend } from './backend';
export type { BackendInfo, BackendName } from './backend';
export { parseConfig, readConfig } from './config';
export type { PerceiverConfig } from './config';
export { PerceiverError, ConfigError, WeightsError, InputError, BackendError } from './errors';
export { PerceiverForImageClassificationFourier } from './model/perceiver-for-image-classification-fourier';
export type { ForwardOptions, PerceiverClassifierOutput, FromPretrainedOptions } from './model/perceiver-for-image-classification-fourier';
export { SafetensorsFile } from './weights/safetensors';
export { writeSafetensors } from './weights/safetensors-writer';
export type { WeightSource } from './weights/weight-source';
