/**
 * The Node implementation of the model-file seam (src/model/pretrained-loader.ts): a model
 * directory, or a Hub id resolved into the Hugging Face cache; config.json through readConfig;
 * model.safetensors, else pytorch_model.bin through the restricted torch reader; preprocessor_config.json. Importing this
 * module registers it (the package entry, the CLI and the worker threads do), and the blas backend.
 */
import * as path from 'path';
import '../blas/node-entry';
import './native-backend';
import '../image/node-image-io';
import { initBackend } from '../backend';
import { readConfig } from '../config-file';
import { readProcessorConfig } from '../image/processor-config-file';
import { resolveModel } from '../hub/resolve-model';
import { FromPretrainedOptions, PretrainedFiles, registerPretrainedLoader, registerProcessorConfigLoader } from '../model/pretrained-loader';
import { openWeights } from '../weights/open-weights';

export async function loadNodePretrained(idOrDir: string, options: FromPretrainedOptions): Promise<PretrainedFiles> {
  await initBackend(options.backend);
  const dir = await resolveModel(idOrDir, options);
  const config = await readConfig(path.join(dir, 'config.json'));
  return { config, weights: await openWeights(dir) };
}

registerPretrainedLoader(loadNodePretrained);
registerProcessorConfigLoader(async (idOrDir, options) => readProcessorConfig(await resolveModel(idOrDir, options)));
