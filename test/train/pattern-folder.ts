/** Writes the generated patterns as PNG files in the image-folder layout, plus a small tiny-model directory for them. */
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../src/render/png';
import { fromRgb } from '../../src/render/raster';
import { SeededRandom } from '../../src/train/random';
import { fixturePath } from '../fixtures';
import { PATTERNS, patternImage } from './synthetic-patterns';

export const PATTERN_SIZE = 16;

/** `<dir>/<pattern>/<i>.png`, `perClass` images each. */
export function writePatternFolder(dir: string, perClass: number, seed: number): void {
  const random = new SeededRandom(seed);
  PATTERNS.forEach((name, kind) => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const data = patternImage(kind, PATTERN_SIZE, random);
      fs.writeFileSync(path.join(dir, name, `${String(i).padStart(3, '0')}.png`), encodePng(fromRgb({ width: PATTERN_SIZE, height: PATTERN_SIZE, data })));
    }
  });
}

/** The train-tiny model with a preprocessor that keeps the 16 x 16 patterns as they are (no crop, same size). */
export function writeTinyModelDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(fixturePath('train-tiny', f), path.join(dir, f));
  fs.writeFileSync(
    path.join(dir, 'preprocessor_config.json'),
    JSON.stringify({ do_center_crop: false, do_resize: true, size: { height: PATTERN_SIZE, width: PATTERN_SIZE }, resample: 3, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }),
  );
}
