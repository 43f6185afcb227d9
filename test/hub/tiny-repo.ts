/** The tiny fixture model as a fake Hub repository, and helpers to look at the cache it lands in. */
import * as fs from 'fs';
import * as path from 'path';
import { fixturePath } from '../fixtures';
import { FakeRepo } from './fake-hub';

export const REPO_ID = 'deepmind/tiny-perceiver';
export const COMMIT = 'c0ffee0000000000000000000000000000000001';

/** What PerceiverImageProcessor.save_pretrained writes for the Hub model (legacy feature-extractor form). */
export const PREPROCESSOR_CONFIG = Buffer.from(
  JSON.stringify(
    {
      crop_size: 256,
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'PerceiverFeatureExtractor',
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
      resample: 3,
      size: 224,
    },
    null,
    2,
  ) + '\n',
);

export function tinyFiles(): { config: Buffer; weights: Buffer } {
  return { config: fs.readFileSync(fixturePath('tiny', 'config.json')), weights: fs.readFileSync(fixturePath('tiny', 'model.safetensors')) };
}

function tinyRepo(weightsName: string, overrides: Partial<FakeRepo>): FakeRepo {
  const { config, weights } = tinyFiles();
  return {
    commit: COMMIT,
    branches: { main: COMMIT },
    files: { 'config.json': config, 'preprocessor_config.json': PREPROCESSOR_CONFIG, [weightsName]: weights },
    lfs: [weightsName],
    ...overrides,
  };
}

/** model.safetensors as an LFS file, like a repository converted to safetensors. */
export const tinySafetensorsRepo = (overrides: Partial<FakeRepo> = {}): FakeRepo => tinyRepo('model.safetensors', overrides);

/**
 * Like the Hub's deepmind/vision-perceiver-fourier: only pytorch_model.bin. Its bytes are the tiny
 * safetensors file, so tests can convert it with a plain copy.
 */
export const tinyPytorchRepo = (): FakeRepo => tinyRepo('pytorch_model.bin', {});

export const copyConverter = async (checkpoint: string, _config: string, out: string): Promise<void> => fs.promises.copyFile(checkpoint, out);

export function repoDir(cacheDir: string, repoId = REPO_ID): string {
  return path.join(cacheDir, `models--${repoId.replace('/', '--')}`);
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => !fs.statSync(path.join(dir, f)).isDirectory())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}
