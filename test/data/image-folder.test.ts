/** The image-folder dataset: layout, stratified seeded split, flips, and bad images reported and skipped during training. */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { flipHorizontal } from '../../src/data/flip';
import { readImageFolder, stratifiedSplit } from '../../src/data/image-folder';
import { processorImageSource } from '../../src/data/image-source';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { EpochRunner } from '../../src/train/fit';
import { Trainer } from '../../src/train/trainer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { PATTERNS } from '../train/synthetic-patterns';
import { writePatternFolder, writeTinyModelDir } from '../train/pattern-folder';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('image-folder');
  writePatternFolder(path.join(dir, 'data'), 10, 1);
});
afterAll(async () => {
  removeDir(dir);
  await stopDecoderWorker();
});

test('classes are the sorted subfolders; images sorted within each', async () => {
  const folder = await readImageFolder(path.join(dir, 'data'));
  expect(folder.labels).toEqual([...PATTERNS].sort());
  expect(folder.images).toHaveLength(30);
  expect(folder.images[0]).toEqual({ path: path.join(dir, 'data', 'checks', '000.png'), label: 0 });
  expect(folder.images.filter((im) => im.label === 2).every((im) => im.path.includes(`${path.sep}vertical${path.sep}`))).toBe(true);
});

test('folder problems are InputErrors naming the folder', async () => {
  await expect(readImageFolder(path.join(dir, 'nope'))).rejects.toThrow(`${path.join(dir, 'nope')}: cannot read the image folder`);
  fs.mkdirSync(path.join(dir, 'flat'));
  fs.writeFileSync(path.join(dir, 'flat', 'a.png'), '');
  await expect(readImageFolder(path.join(dir, 'flat'))).rejects.toThrow('no class folders; expected');
  fs.mkdirSync(path.join(dir, 'flat', 'empty'));
  await expect(readImageFolder(path.join(dir, 'flat'))).rejects.toThrow(`${path.join(dir, 'flat', 'empty')}: no .png/`);
  await expect(readImageFolder(path.join(dir, 'data'), ['checks', 'horizontal'])).rejects.toThrow('class folders vertical are not among the training labels');
});

test('stratified split: the fraction of each class, seeded, disjoint', async () => {
  const { images } = await readImageFolder(path.join(dir, 'data'));
  const a = stratifiedSplit(images, 0.2, 4);
  expect(a.val).toHaveLength(6);
  for (let label = 0; label < 3; label++) expect(a.val.filter((im) => im.label === label)).toHaveLength(2);
  expect(new Set([...a.train, ...a.val].map((im) => im.path)).size).toBe(30);
  expect(stratifiedSplit(images, 0.2, 4)).toEqual(a);
  expect(stratifiedSplit(images, 0.2, 5).val).not.toEqual(a.val);
  expect(stratifiedSplit(images, 0, 4).val).toEqual([]);
  expect(() => stratifiedSplit(images, 1, 4)).toThrow('must be in [0, 1)');
});

test('horizontal flip mirrors each row', () => {
  const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
  const flipped = flipHorizontal(image);
  expect(Array.from(flipped.data.subarray(0, 9))).toEqual([6, 7, 8, 3, 4, 5, 0, 1, 2]);
  expect(flipHorizontal(flipped)).toEqual(image);
});

test('a bad image is reported once with its path and left out; training goes on; no tensor growth between epochs', async () => {
  await initBackend('wasm');
  const data = path.join(dir, 'with-bad');
  writePatternFolder(data, 4, 2);
  const bad = path.join(data, 'checks', 'zz-broken.png');
  fs.writeFileSync(bad, 'not a png at all');
  const modelDir = path.join(dir, 'model');
  writeTinyModelDir(modelDir);
  const base = await PerceiverForImageClassificationFourier.fromPretrained(modelDir);
  const model = base.withNewHead({ id2label: [...PATTERNS].sort(), seed: 1 });
  base.dispose();
  const trainer = new Trainer(model);
  const folder = await readImageFolder(data);
  const reported: string[] = [];
  const tensors: number[] = [];
  const runner = new EpochRunner(trainer, processorImageSource(await PerceiverImageProcessor.fromPretrained(modelDir)), {
    epochs: 3,
    batchSize: 4,
    seed: 1,
    flip: true,
    onBadImage: (p, e) => reported.push(`${p}: ${e.message}`),
    onEpoch: () => {
      tensors.push(tf.memory().numTensors);
    },
  });
  const stats = await runner.fit(folder.images, []);
  expect(reported).toHaveLength(1);
  expect(reported[0].startsWith(bad)).toBe(true);
  expect(stats.map((s) => s.images)).toEqual([12, 12, 12]);
  expect(stats.every((s) => Number.isFinite(s.trainLoss) && s.valLoss === null)).toBe(true);
  expect(new Set(tensors).size).toBe(1);
  trainer.dispose();
  model.dispose();
});
