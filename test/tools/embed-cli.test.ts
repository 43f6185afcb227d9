/**
 * Image features from the library (ImageClassifier.embed) and the CLI (`perceiver-io embed`), on the
 * ConvProcessing tiny model: each image's pooled vector is the model's extractFeatures of the
 * Hugging Face pixel_values the preprocess fixtures store for that image; bad files are reported
 * and left out; .safetensors and .npy outputs carry the file names.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { ImageClassifier } from '../../src/classifier';
import type { PerceiverModel } from '../../src/model/perceiver-model';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, maxAbs, maxAbsDiff, readFixture } from '../fixtures';
import { INTERMEDIATE_REL_TOL } from '../parity';
import { makeTempDir, removeDir } from '../tmp-dir';
import { runCli } from './run-cli';

const MODEL = fixturePath('conv-tiny');
let tmp: string;
let images: string[];
/** The reference: extractFeatures of the stored HF pixel values [1, 3, 224, 224] per image. */
let reference: { pooled: Float32Array; latents: Float32Array }[];
let classifier: ImageClassifier;

beforeAll(async () => {
  await initBackend();
  tmp = makeTempDir('embed');
  images = [path.join(tmp, 'a-chelsea.jpg'), path.join(tmp, 'b-broken.png'), path.join(tmp, 'c-coffee.png')];
  fs.copyFileSync(fixturePath('preprocess', 'chelsea.jpg'), images[0]);
  fs.writeFileSync(images[1], 'not a PNG\n');
  fs.copyFileSync(fixturePath('preprocess', 'coffee_small.png'), images[2]);
  classifier = await ImageClassifier.fromPretrained(MODEL);
  const model = classifier.model as PerceiverModel;
  reference = [];
  for (const name of ['chelsea_jpg.safetensors', 'coffee_small_png.safetensors']) {
    const x = tf.tensor4d((await readFixture('preprocess', name)).float32('pixel_values'), [1, 3, 224, 224]);
    const f = model.extractFeatures(x);
    reference.push({ pooled: f.pooled.dataSync() as Float32Array, latents: f.lastHiddenState.dataSync() as Float32Array });
    tf.dispose([x, f.pooled, f.lastHiddenState]);
  }
});
afterAll(async () => {
  await classifier?.dispose();
  removeDir(tmp);
});

const expectClose = (got: ArrayLike<number>, want: Float32Array) => expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(INTERMEDIATE_REL_TOL * maxAbs(want));

test('ImageClassifier.embed / embedEach: pooled vectors [D] (and latents [N, D]) per image, a bad file as an error result', async () => {
  const results = [];
  for await (const r of classifier.embedEach(images, { batchSize: 2, latents: true })) results.push(r);
  expect(results.map((r) => r.index)).toEqual([0, 1, 2]);
  expect(results[1].error?.message).toContain('b-broken.png');
  const ok = [results[0], results[2]];
  ok.forEach((r, i) => {
    expect(r.features!.pooled).toHaveLength(32);
    expectClose(r.features!.pooled, reference[i].pooled);
    expectClose(r.features!.lastHiddenState!, reference[i].latents);
  });
  await expect(classifier.embed(images)).rejects.toThrow('b-broken.png');
  const [only] = await classifier.embed([images[2]]);
  expect(only.lastHiddenState).toBeUndefined();
  expectClose(only.pooled, reference[1].pooled);
});

test('embed --out x.safetensors --latents: tensors pooled and last_hidden_state, file names in the metadata; exit 1 for the bad file', async () => {
  const out = path.join(tmp, 'features.safetensors');
  const r = runCli(['embed', '--model', MODEL, '--out', out, '--latents', ...images]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('b-broken.png');
  expect(r.stderr).toContain('1 of 3 inputs failed');
  const file = await SafetensorsFile.read(out);
  expect(JSON.parse(file.metadata.files)).toEqual([images[0], images[2]]);
  expect(file.metadata.architecture).toBe('PerceiverForImageClassificationConvProcessing');
  expect(file.info('pooled').shape).toEqual([2, 32]);
  expect(file.info('last_hidden_state').shape).toEqual([2, 12, 32]);
  const pooled = file.float32('pooled');
  const latents = file.float32('last_hidden_state');
  reference.forEach((ref, i) => {
    expectClose(pooled.subarray(i * 32, (i + 1) * 32), ref.pooled);
    expectClose(latents.subarray(i * 384, (i + 1) * 384), ref.latents);
  });
  expect(runCli(['embed', '--model', MODEL, '--out', out, images[0]]).stderr).toContain('refusing to overwrite');
});

test('embed --out x.npy: a NumPy [K, D] float32 array and x.files.json', () => {
  const out = path.join(tmp, 'features.npy');
  const r = runCli(['embed', '--model', MODEL, '--out', out, images[0], images[2]]);
  expect(r.stderr).toContain('wrote');
  expect(r.status).toBe(0);
  const bytes = fs.readFileSync(out);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]));
  const headerLength = bytes.readUInt16LE(8);
  expect((10 + headerLength) % 64).toBe(0);
  expect(bytes.subarray(10, 10 + headerLength).toString('latin1')).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 32\), \} *\n$/);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  expect(data).toHaveLength(64);
  reference.forEach((ref, i) => expectClose(data.subarray(i * 32, (i + 1) * 32), ref.pooled));
  expect(JSON.parse(fs.readFileSync(path.join(tmp, 'features.files.json'), 'utf-8'))).toEqual([images[0], images[2]]);
});

test('bad usage exits 2 with the reason; --help explains the outputs', () => {
  expect(runCli(['embed', images[0]])).toMatchObject({ status: 2, stderr: expect.stringContaining('--out FILE is required') });
  expect(runCli(['embed', '--out', 'x.csv', images[0]])).toMatchObject({ status: 2, stderr: expect.stringContaining('--out must end in .safetensors or .npy') });
  expect(runCli(['embed', '--out', 'x.npy', '--latents', images[0]])).toMatchObject({ status: 2 });
  const help = runCli(['embed', '--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('"last_hidden_state" [K, N, D]');
});
