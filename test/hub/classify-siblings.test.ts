/**
 * `perceiver-io classify --model <Hub id>` for each of the three classifiers, end to end through the
 * built CLI against the fake hub: the Hub ids of the real models serve the tiny fixtures as
 * `pytorch_model.bin` (torch.save zips, the ConvProcessing one with its int64 counter), which are
 * downloaded, converted once into the cache, picked by AutoModelForImageClassification from
 * config.json, and give the same predictions as the same files in a local directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fixturePath, readFixture } from '../fixtures';
import { CLI_PATH } from '../global-setup';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub, FakeRepo } from './fake-hub';
import { NodeRun, runNode } from './run-node';
import { COMMIT, listFiles, repoDir } from './tiny-repo';

/** Hub id -> fixture folder, and the input size its preprocessor_config.json asks for (Learned: config.image_size). */
const MODELS = [
  { id: 'deepmind/vision-perceiver-fourier', folder: 'tiny', size: 24 },
  { id: 'deepmind/vision-perceiver-learned', folder: 'learned-tiny', size: 16 },
  { id: 'deepmind/vision-perceiver-conv', folder: 'conv-tiny', size: 32 },
];
const IMAGE = fixturePath('preprocess', 'chelsea.jpg');

let hub: FakeHub;
let tmp: string;
const localDirs: Record<string, string> = {};

function preprocessorConfig(size: number): Buffer {
  return Buffer.from(JSON.stringify({ feature_extractor_type: 'PerceiverFeatureExtractor', crop_size: 256, size, resample: 3, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }));
}

beforeAll(async () => {
  tmp = makeTempDir('hub-siblings');
  const repos: Record<string, FakeRepo> = {};
  for (const { id, folder, size } of MODELS) {
    const fixture = await readFixture(folder, 'model.safetensors');
    const local = path.join(tmp, folder);
    fs.mkdirSync(local);
    const bin = path.join(local, 'pytorch_model.bin');
    writeTorchCheckpoint(bin, fixture.names.map((name) => {
      const dtype = fixture.dtypeOf(name) as 'F32' | 'I64';
      return { name, dtype, shape: fixture.shapeOf(name), parameter: dtype === 'F32', bytes: () => fixture.rawBytes(name) };
    }));
    fs.copyFileSync(fixturePath(folder, 'config.json'), path.join(local, 'config.json'));
    fs.writeFileSync(path.join(local, 'preprocessor_config.json'), preprocessorConfig(size));
    localDirs[id] = local;
    repos[id] = {
      commit: COMMIT,
      branches: { main: COMMIT },
      files: { 'config.json': fs.readFileSync(path.join(local, 'config.json')), 'preprocessor_config.json': preprocessorConfig(size), 'pytorch_model.bin': fs.readFileSync(bin) },
      lfs: ['pytorch_model.bin'],
    };
  }
  hub = await FakeHub.start(repos);
});

afterAll(async () => {
  await hub?.close();
  removeDir(tmp);
});

function classify(model: string, cacheDir: string): Promise<NodeRun> {
  return runNode([CLI_PATH, 'classify', '--json', '--top-k', '3', '--quiet', '--model', model, IMAGE], {
    HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: '', HF_TOKEN: '', HF_ENDPOINT: hub.endpoint,
  });
}

test.each(MODELS)('classify --model $id: downloaded, converted once, same predictions as the local directory', async ({ id }) => {
  const cacheDir = path.join(tmp, `cache-${path.basename(id)}`);
  const local = await classify(localDirs[id], cacheDir); // reads pytorch_model.bin directly (with a notice on stderr)
  expect(local.code).toBe(0);
  expect(JSON.parse(local.stdout).predictions).toHaveLength(3);
  const online = await classify(id, cacheDir);
  expect(online.stderr).toBe('');
  expect([online.code, online.stdout]).toEqual([0, local.stdout]);
  expect(listFiles(repoDir(cacheDir, id))).toContain(`perceiver-io/${COMMIT}/model.safetensors`);
});
