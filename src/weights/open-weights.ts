/** Finds and opens the weights of a model directory, or one weights file by its format. */
import * as fs from 'fs';
import * as path from 'path';
import { WeightsError } from '../errors';
import { PYTORCH_NAME, SAFETENSORS_NAME } from '../hub/file-names';
import { SafetensorsFile } from './safetensors';
import type { TensorSource } from './tensor-source';
import { TorchCheckpoint } from './torch/torch-checkpoint';
import type { WeightSource } from './weight-source';

export { PYTORCH_NAME, SAFETENSORS_NAME };

/** model.safetensors if present, else pytorch_model.bin through the restricted torch reader. */
export async function openWeights(dir: string): Promise<WeightSource> {
  const safetensors = path.join(dir, SAFETENSORS_NAME);
  // Tensor by tensor through one reused buffer: holding the whole file would fault in its 190 MB.
  if (fs.existsSync(safetensors)) return SafetensorsFile.open(safetensors);
  const pytorch = path.join(dir, PYTORCH_NAME);
  if (fs.existsSync(pytorch)) {
    process.emitWarning(
      `${pytorch}: no ${SAFETENSORS_NAME}, reading the torch checkpoint with the restricted unpickler; ` +
        `'perceiver-io convert ${dir} ${dir}' writes ${SAFETENSORS_NAME} once for faster loading`,
      { code: 'PERCEIVER_TORCH_CHECKPOINT' },
    );
    return TorchCheckpoint.open(pytorch);
  }
  throw new WeightsError(`${dir}: no ${SAFETENSORS_NAME} or ${PYTORCH_NAME} found`);
}

/** A single file: `.safetensors` by name, anything else as a torch.save checkpoint (.bin, .pt, .pth). */
export async function openWeightFile(file: string): Promise<TensorSource> {
  if (!fs.existsSync(file)) throw new WeightsError(`${file}: no such file`);
  return file.endsWith('.safetensors') ? SafetensorsFile.open(file) : TorchCheckpoint.open(file);
}
