/**
 * The real deepmind/vision-perceiver-learned (62.3 M parameters, 50,176 tokens of 512 channels)
 * and deepmind/vision-perceiver-conv (48.6 M, 3,025 tokens of 322 channels) configurations with
 * PRNG weights, batch 2, against the Hugging Face float64 reference; ConvProcessing also on a
 * non-square 193 x 257 input. Heavy: the weights are rebuilt from weights-recipe.json.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { CONV_MAX_RESOLUTION, fourierPositionFeatures, NUM_POSITION_FEATURES } from '../../src/fourier/position-encoding';
import { AutoModelForImageClassification, PerceiverImageClassifier } from '../../src/model/auto-model';
import { Conv1x1Preprocessor } from '../../src/model/preprocessors/conv1x1-preprocessor';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { readFixture } from '../fixtures';
import { buildFullModelDir, FullFolder, readRecipe } from '../full-model';
import { expectMatches, FOURIER_ABS_TOL, INTERMEDIATE_REL_TOL, printMeasured } from '../parity';
import { makeTempDir, removeDir } from '../tmp-dir';
import { checkFullModel, head, tail } from './full-model-parity';
import { pixelsOf } from './model-parity';

const rel = { rel: INTERMEDIATE_REL_TOL };

describe.each([
  { folder: 'learned-full' as FullFolder, architecture: 'PerceiverForImageClassificationLearned', tensors: 141, parameters: 62_255_848 },
  { folder: 'conv-full' as FullFolder, architecture: 'PerceiverForImageClassificationConvProcessing', tensors: 142, parameters: 48_646_650 },
])('$folder', ({ folder, architecture, tensors, parameters }) => {
  let dir: string;
  let model: PerceiverImageClassifier;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;

  beforeAll(async () => {
    await initBackend();
    dir = await buildFullModelDir(path.join(makeTempDir(folder), 'model'), folder);
    model = await AutoModelForImageClassification.fromPretrained(dir);
    inputs = await readFixture(folder, 'inputs.safetensors');
    expected = await readFixture(folder, 'expected.safetensors');
  });
  afterAll(() => {
    model?.dispose();
    removeDir(dir && path.dirname(dir));
  });

  test(`loads the ${architecture} with exactly ${tensors} tensors and ${parameters.toLocaleString('en-US')} float parameters`, () => {
    const recipe = readRecipe(folder);
    expect(model.architecture).toBe(architecture);
    expect([recipe.num_tensors, recipe.num_parameters]).toEqual([tensors, parameters]);
    expect(model.numParameters).toBe(parameters);
  });

  if (folder === 'learned-full') {
    test('preprocessor: 1x1 conv features and projected position table, first and last rows', () => {
      const pre = model.preprocessor as Conv1x1Preprocessor;
      const x = pixelsOf(inputs, 'pixel_values');
      tf.tidy(() => {
        const pos = tf.expandDims(pre.positionEncoding.positions(), 0); // [M, 256] -> [1, M, 256]
        expectMatches(`${folder} pos_enc_head`, tf.squeeze(head(pos, 512), [0]), expected, 'pos_enc_head', rel);
        expectMatches(`${folder} pos_enc_tail`, tf.squeeze(tail(pos, 512), [0]), expected, 'pos_enc_tail', rel);
        const features = tf.slice(pre.apply(x), [0, 0, 0], [-1, -1, 256]); // [B, M, 512] -> [B, M, 256]
        expectMatches(`${folder} inputs_without_pos_head`, head(features, 64), expected, 'inputs_without_pos_head', rel);
        expectMatches(`${folder} inputs_without_pos_tail`, tail(features, 64), expected, 'inputs_without_pos_tail', rel);
      });
      x.dispose();
    });
  }

  const inputSets = folder === 'conv-full' ? [{ input: 'pixel_values', prefix: '' }, { input: 'pixel_values_nonsquare', prefix: 'nonsquare.' }] : [{ input: 'pixel_values', prefix: '' }];
  describe.each(inputSets)('$input', ({ input, prefix }) => {
    if (folder === 'conv-full') {
      test('preprocessor: pooled features (all tokens) and Fourier features of the pooled grid', () => {
        const x = pixelsOf(inputs, input);
        const [, , H, W] = x.shape;
        const grid = model.preprocessor.tokenGrid(H, W);
        expect([grid.height, grid.width]).toEqual(prefix ? [48, 64] : [55, 55]);
        tf.tidy(() => {
          const features = tf.slice(model.preprocessor.apply(x), [0, 0, 0], [-1, -1, 64]); // [B, M, 322] -> [B, M, 64]
          expectMatches(`${folder} ${prefix}inputs_without_pos`, features, expected, `${prefix}inputs_without_pos`, rel);
        });
        const pos = fourierPositionFeatures(grid.height, grid.width, CONV_MAX_RESOLUTION);
        const C = NUM_POSITION_FEATURES;
        expectMatches(`${folder} ${prefix}fourier_pos_enc_head`, pos.subarray(0, 512 * C), expected, `${prefix}fourier_pos_enc_head`, { abs: FOURIER_ABS_TOL });
        expectMatches(`${folder} ${prefix}fourier_pos_enc_tail`, pos.subarray(pos.length - 512 * C), expected, `${prefix}fourier_pos_enc_tail`, { abs: FOURIER_ABS_TOL });
        x.dispose();
      });
    }

    test('batch 2: logits, hidden states, encoder and decoder stages, attentions', () => {
      const x = pixelsOf(inputs, input);
      checkFullModel(folder, model, x, expected, prefix);
      x.dispose();
    });
  });
});

afterAll(() => printMeasured('full-size Learned and ConvProcessing: max differences vs the fp64 reference'));
