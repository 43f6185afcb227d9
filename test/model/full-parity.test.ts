/**
 * The real 48.4 M-parameter configuration (deepmind/vision-perceiver-fourier) with PRNG weights,
 * batch 2 at 224 x 224, against the Hugging Face float64 reference. Heavy: one process runs it.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fourierPositionFeatures, PIXELS_MAX_RESOLUTION } from '../../src/fourier/position-encoding';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { readFixture, readFixtureJson } from '../fixtures';
import { buildFullModelDir } from '../full-model';
import { expectMatches, FOURIER_ABS_TOL, printMeasured } from '../parity';
import { checkFullModel } from './full-model-parity';
import { makeTempDir, removeDir } from '../tmp-dir';

let dir: string;
let model: PerceiverForImageClassificationFourier;
let inputs: SafetensorsFile;
let expected: SafetensorsFile;

beforeAll(async () => {
  await initBackend();
  dir = await buildFullModelDir(path.join(makeTempDir('full'), 'model'));
  model = await PerceiverForImageClassificationFourier.fromPretrained(dir);
  inputs = await readFixture('full', 'inputs.safetensors');
  expected = await readFixture('full', 'expected.safetensors');
});
afterAll(() => {
  model?.dispose();
  removeDir(dir && path.dirname(dir));
  printMeasured('full model: max differences vs the fp64 reference');
});

const pixels = () => tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as [number, number, number, number]);

test('loads exactly 136 tensors and 48,440,627 parameters', async () => {
  const recipe = readFixtureJson<{ num_tensors: number; num_parameters: number }>('full', 'weights-recipe.json');
  const weights = await SafetensorsFile.read(path.join(dir, 'model.safetensors'));
  expect(weights.names).toHaveLength(136);
  expect(recipe.num_tensors).toBe(136);
  expect(model.numParameters).toBe(48_440_627);
  expect(recipe.num_parameters).toBe(48_440_627);
});

test('Fourier features at 224 x 224: first and last 512 tokens', () => {
  const pos = fourierPositionFeatures(224, 224, PIXELS_MAX_RESOLUTION);
  const C = 258;
  expectMatches('full fourier_pos_enc_head', pos.subarray(0, 512 * C), expected, 'fourier_pos_enc_head', { abs: FOURIER_ABS_TOL });
  expectMatches('full fourier_pos_enc_tail', pos.subarray(pos.length - 512 * C), expected, 'fourier_pos_enc_tail', { abs: FOURIER_ABS_TOL });
});

test('batch 2: logits, hidden states, encoder and decoder stages, attentions', () => {
  const x = pixels();
  checkFullModel('full', model, x, expected);
  x.dispose();
});
