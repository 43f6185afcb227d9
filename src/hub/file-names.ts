/** The file names of a Hugging Face model repository that this package reads (pure: shared by the Node and browser loaders). */
export const CONFIG_NAME = 'config.json';
export const PREPROCESSOR_CONFIG_NAME = 'preprocessor_config.json';
export const SAFETENSORS_NAME = 'model.safetensors';
/** What the Hub's deepmind/vision-perceiver-fourier ships: a torch.save zip. */
export const PYTORCH_NAME = 'pytorch_model.bin';
