/** The default CheckpointConverter: pytorch_model.bin through the restricted torch reader, to float32 safetensors. */
import { readConfig } from '../config-file';
import { convertCheckpoint } from '../weights/convert-checkpoint';
import { openWeightFile } from '../weights/open-weights';
import type { CheckpointConverter } from './converted-model';

export const convertTorchCheckpoint: CheckpointConverter = async (checkpointFile, configFile, safetensorsFile) => {
  const config = await readConfig(configFile);
  await convertCheckpoint(await openWeightFile(checkpointFile), config, safetensorsFile, { dtype: 'F32' });
};
