/**
 * Issue 15, item 2: NaN/Inf weights are refused on load, naming the file, tensor and element, and a
 * forward pass with non-finite logits is an error, never a ranking.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { ImageClassifier } from '../../src/classifier';
import { NonFiniteError, WeightsError } from '../../src/errors';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { runCli } from '../tools/run-cli';
import { makeTempDir, removeDir } from '../tmp-dir';
import { tinyModelDirWithTensors, tinyTensorsWith } from './corpus';

const QUERY = 'perceiver.encoder.cross_attention.attention.self.query.weight'; // [261, 32] in tiny
const FINAL = 'perceiver.decoder.decoder.final_layer.weight'; // [10, 32]
let work: string;
let tiny: SafetensorsFile;

beforeAll(async () => {
  await initBackend();
  work = makeTempDir('hostile-weights');
  tiny = await readFixture('tiny', 'model.safetensors');
});
afterAll(async () => {
  removeDir(work);
  await stopDecoderWorker();
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test.each([
  ['NaN', NaN, 1000],
  ['+Inf', Infinity, 0],
  ['-Inf', -Infinity, 261 * 32 - 1],
])('a %s weight in model.safetensors is refused on load with the tensor and its index', async (_label, value, at) => {
  const dir = await tinyModelDirWithTensors(work, `st-${at}`, tinyTensorsWith(tiny, QUERY, (v) => (v[at] = value)));
  const [rows, cols] = tiny.shapeOf(QUERY);
  expect(at).toBeLessThan(rows * cols);
  const index = `[${Math.floor(at / cols)}, ${at % cols}]`;
  const load = PerceiverForImageClassificationFourier.fromPretrained(dir);
  await expect(load).rejects.toThrow(WeightsError);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(
    `${path.join(dir, 'model.safetensors')}: tensor '${QUERY}' holds ${value} at element ${at} (index ${index} of shape [${rows}, ${cols}]); weights must be finite`,
  );
});

test('a NaN weight in pytorch_model.bin is refused on load the same way', async () => {
  const dir = path.join(work, 'torch-nan');
  fs.mkdirSync(dir);
  fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(dir, 'config.json'));
  const tensors = tinyTensorsWith(tiny, FINAL, (v) => (v[33] = NaN));
  writeTorchCheckpoint(path.join(dir, 'pytorch_model.bin'), tensors);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(
    new RegExp(`^${escape(path.join(dir, 'pytorch_model.bin'))}: tensor '${escape(FINAL)}' holds NaN at element 33 \\(index \\[1, 1\\] of shape \\[10, 32\\]\\)`),
  );
});

test('convert names the source file of a NaN, not its output', () => {
  const dir = path.join(work, 'convert-nan');
  fs.mkdirSync(dir);
  fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(dir, 'config.json'));
  const source = path.join(dir, 'pytorch_model.bin');
  writeTorchCheckpoint(source, tinyTensorsWith(tiny, FINAL, (v) => (v[5] = NaN)));
  const out = path.join(work, 'convert-nan-out');
  const r = runCli(['convert', dir, out]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`${source}: tensor '${FINAL}' holds NaN at element 5 (index [0, 5] of shape [10, 32])`);
  expect(r.stderr).not.toContain(out);
  expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
});

describe('finite weights whose logits overflow to Inf', () => {
  // 1e38 * (|latent| ~ 1) summed over 32 channels overflows float32: Inf and NaN probabilities.
  let dir: string;
  beforeAll(async () => {
    dir = await tinyModelDirWithTensors(work, 'overflow', tinyTensorsWith(tiny, FINAL, (v) => v.fill(3e38)));
    // Small model inputs keep the tiny model fast; the overflow does not depend on the size.
    fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({ crop_size: 32, size: 24 }));
  });

  test('classify yields a NonFiniteError naming the image, never a ranking', async () => {
    const clf = await ImageClassifier.fromPretrained(dir);
    const image = fixturePath('preprocess', 'coffee_small.png');
    const results = [];
    for await (const r of clf.classifyEach([image])) results.push(r);
    await clf.dispose();
    expect(results).toHaveLength(1);
    expect(results[0].predictions).toBeUndefined();
    expect(results[0].error).toBeInstanceOf(NonFiniteError);
    expect(results[0].error!.message).toMatch(new RegExp(`^${escape(image)}: the model's output is not finite \\(NaN for class \\d+\\)`));
  });

  test('the CLI exits 1 and prints no score', () => {
    const image = fixturePath('preprocess', 'coffee_small.png');
    const r = runCli(['classify', '--model', dir, '--json', image]);
    expect(r.status).toBe(1);
    const line = JSON.parse(r.stdout.trim());
    expect(line.predictions).toBeUndefined();
    expect(line.error).toMatch(/the model's output is not finite/);
    expect(r.stdout).not.toContain('score');
  });
});
