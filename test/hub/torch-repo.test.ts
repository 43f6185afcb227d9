/**
 * The Hub's real situation: a repository with only pytorch_model.bin (a torch.save zip), converted
 * by the default converter once, then loaded by fromPretrained from its model id.
 */
import * as fs from 'fs';
import * as path from 'path';
import { resolveModel } from '../../src/hub/resolve-model';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { tf } from '../../src/tf';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub } from './fake-hub';
import { COMMIT, repoDir, tinyPytorchRepo } from './tiny-repo';

const REPO = 'deepmind/tiny-torch';
const env = { ...process.env };
let hub: FakeHub;
let cacheDir: string;
let fixture: SafetensorsFile;

beforeAll(async () => {
  cacheDir = makeTempDir('hub-torch');
  fixture = await readFixture('tiny', 'model.safetensors');
  const bin = path.join(cacheDir, 'pytorch_model.bin');
  writeTorchCheckpoint(bin, fixture.names.map((name) => ({ name, dtype: 'F32', shape: fixture.shapeOf(name), parameter: true, bytes: () => fixture.rawBytes(name) })));
  const repo = tinyPytorchRepo();
  repo.files['pytorch_model.bin'] = fs.readFileSync(bin);
  hub = await FakeHub.start({ [REPO]: repo });
  process.env.HF_ENDPOINT = hub.endpoint;
  delete process.env.HF_HUB_OFFLINE;
});

afterAll(async () => {
  process.env = env;
  await hub.close();
  removeDir(cacheDir);
});

test('pytorch_model.bin is converted to the same tensors, once, and fromPretrained loads the model by id', async () => {
  const dir = await resolveModel(REPO, { cacheDir });
  expect(dir).toBe(path.join(repoDir(cacheDir, REPO), 'perceiver-io', COMMIT));
  const converted = await SafetensorsFile.read(path.join(dir, 'model.safetensors'));
  expect(converted.names.sort()).toEqual(fixture.names.sort());
  for (const name of fixture.names) expect(Buffer.from(converted.rawBytes(name)).equals(Buffer.from(fixture.rawBytes(name)))).toBe(true);
  const written = fs.statSync(path.join(dir, 'model.safetensors')).mtimeMs;

  const byId = await PerceiverForImageClassificationFourier.fromPretrained(REPO, { cacheDir, offline: true });
  const byDir = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('tiny'));
  const pixels = tf.randomUniform([1, 3, 12, 12], -1, 1, 'float32', 7) as tf.Tensor4D;
  const [a, b] = [byId.forward(pixels).logits, byDir.forward(pixels).logits];
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  tf.dispose([pixels, a, b]);
  byId.dispose();
  byDir.dispose();
  expect(fs.statSync(path.join(dir, 'model.safetensors')).mtimeMs).toBe(written);
});
