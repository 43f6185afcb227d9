/** Reading `preprocessor_config.json` from a model directory (Node only; parsing is in processor-config.ts). */
import * as fs from 'fs';
import * as path from 'path';
import { readJsonFile } from '../config-file';
import { DEFAULT_PROCESSOR_CONFIG, ImageProcessorConfig, parseProcessorConfig } from './processor-config';

/** Reads `<dir>/preprocessor_config.json`; a missing file means Hugging Face's defaults (the tiny fixtures ship none). */
export async function readProcessorConfig(dir: string): Promise<ImageProcessorConfig> {
  const file = path.join(dir, 'preprocessor_config.json');
  if (!fs.existsSync(file)) return DEFAULT_PROCESSOR_CONFIG;
  return parseProcessorConfig(await readJsonFile(file), file);
}
