/** Finds and opens the weights of a model directory. */
import * as fs from 'fs';
import * as path from 'path';
import { WeightsError } from '../errors';
import { SafetensorsFile } from './safetensors';
import type { WeightSource } from './weight-source';

export const SAFETENSORS_NAME = 'model.safetensors';

export async function openWeights(dir: string): Promise<WeightSource> {
  const file = path.join(dir, SAFETENSORS_NAME);
  if (fs.existsSync(file)) return SafetensorsFile.read(file);
  throw new WeightsError(`${dir}: no ${SAFETENSORS_NAME} found`);
}
