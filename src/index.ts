/** perceiver-io public API: re-exports only. */
export { tf } from './tf';
export { initBackend, BackendInfo, BackendName } from './backend';
export { PerceiverConfig, parseConfig, readConfig } from './config';
export { PerceiverError, ConfigError, WeightsError, InputError, BackendError } from './errors';
export { SafetensorsFile } from './weights/safetensors';
export { writeSafetensors } from './weights/safetensors-writer';
