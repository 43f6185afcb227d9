/**
 * Golden tests of the Learned and ConvProcessing classifiers on their tiny fixtures: every stored
 * preprocessor intermediate, the encoder input, hidden states, attentions, logits and features;
 * ConvProcessing on an even (32 x 32) and an odd, non-square (37 x 45) input.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { CONV_MAX_RESOLUTION, fourierPositionFeatures, frequencyBands } from '../../src/fourier/position-encoding';
import { PerceiverForImageClassificationConvProcessing } from '../../src/model/perceiver-for-image-classification-conv-processing';
import { PerceiverForImageClassificationLearned } from '../../src/model/perceiver-for-image-classification-learned';
import { Conv1x1Preprocessor } from '../../src/model/preprocessors/conv1x1-preprocessor';
import { ConvPreprocessor } from '../../src/model/preprocessors/conv-preprocessor';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, FOURIER_ABS_TOL, INTERMEDIATE_REL_TOL, LOGITS_ABS_TOL, printMeasured } from '../parity';
import { describeParity, ParityCase, pixelsOf } from './model-parity';

const rel = { rel: INTERMEDIATE_REL_TOL };

describe('learned-tiny', () => {
  let model: PerceiverForImageClassificationLearned;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;
  const tag = (name: string) => `learned-tiny ${name}`;
  const parity = (): ParityCase => ({ model, expected, prefix: '', tag });

  beforeAll(async () => {
    await initBackend();
    model = await PerceiverForImageClassificationLearned.fromPretrained(fixturePath('learned-tiny'));
    inputs = await readFixture('learned-tiny', 'inputs.safetensors');
    expected = await readFixture('learned-tiny', 'expected.safetensors');
  });
  afterAll(() => model?.dispose());

  test('the preprocessor: 1x1 conv features, projected position table, 512 channels', () => {
    const pre = model.preprocessor as Conv1x1Preprocessor;
    expect(pre.numChannels).toBe(512);
    const x = pixelsOf(inputs, 'pixel_values');
    tf.tidy(() => {
      expectMatches(tag('pos_enc'), pre.positionEncoding.positions(), expected, 'pos_enc', rel);
      const tokens = pre.apply(x); // [B, M, 512]
      expectMatches(tag('inputs_without_pos'), tf.slice(tokens, [0, 0, 0], [-1, -1, 256]), expected, 'inputs_without_pos', rel);
    });
    x.dispose();
  });

  describeParity(parity, () => pixelsOf(inputs, 'pixel_values'));
});

describe('conv-tiny', () => {
  let model: PerceiverForImageClassificationConvProcessing;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;

  beforeAll(async () => {
    await initBackend();
    model = await PerceiverForImageClassificationConvProcessing.fromPretrained(fixturePath('conv-tiny'));
    inputs = await readFixture('conv-tiny', 'inputs.safetensors');
    expected = await readFixture('conv-tiny', 'expected.safetensors');
  });
  afterAll(() => model?.dispose());

  test('frequency bands: torch.linspace(1, 28, 64) from the hard-coded max resolution 56', () => {
    const want = expected.float32('fourier_freq_bands');
    const [rows, cols] = frequencyBands(CONV_MAX_RESOLUTION);
    expect(Array.from(rows)).toEqual(Array.from(want.subarray(0, 64)));
    expect(Array.from(cols)).toEqual(Array.from(want.subarray(64, 128)));
  });

  describe.each([
    { input: 'pixel_values', prefix: '', grid: [7, 7] },
    { input: 'pixel_values_nonsquare', prefix: 'nonsquare.', grid: [9, 11] },
  ])('$input', ({ input, prefix, grid }) => {
    const tag = (name: string) => `conv-tiny ${prefix}${name}`;
    const parity = (): ParityCase => ({ model, expected, prefix, tag });

    test('the preprocessor: conv, BatchNorm, pooled features, Fourier features of the pooled grid', () => {
      const pre = model.preprocessor as ConvPreprocessor;
      expect(pre.numChannels).toBe(322);
      const x = pixelsOf(inputs, input);
      const [, , H, W] = x.shape;
      expect(pre.tokenGrid(H, W)).toEqual({ height: grid[0], width: grid[1] });
      tf.tidy(() => {
        const nhwc = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D; // [B, 3, H, W] -> [B, H, W, 3]
        const conv = pre.conv.apply(nhwc); // [B, H2, W2, 64]
        const nchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]); // [B, H2, W2, 64] -> [B, 64, H2, W2]
        expectMatches(tag('convnet.conv_output'), nchw(conv), expected, `${prefix}convnet.conv_output`, rel);
        expectMatches(tag('convnet.batchnorm_output'), nchw(pre.batchnorm.apply(conv)), expected, `${prefix}convnet.batchnorm_output`, rel);
        const tokens = pre.apply(x); // [B, M, 322]
        expectMatches(tag('inputs_without_pos'), tf.slice(tokens, [0, 0, 0], [-1, -1, 64]), expected, `${prefix}inputs_without_pos`, rel);
      });
      expectMatches(tag('fourier_pos_enc'), fourierPositionFeatures(grid[0], grid[1], CONV_MAX_RESOLUTION), expected, `${prefix}fourier_pos_enc`, { abs: FOURIER_ABS_TOL });
      x.dispose();
    });

    describeParity(parity, () => pixelsOf(inputs, input));

    test('chunked attention gives the same logits', () => {
      const x = pixelsOf(inputs, input);
      const { logits } = model.forward(x, { tokenChunkSize: 5, foldKeysValues: false });
      expectMatches(tag('logits (5-token chunks)'), logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      tf.dispose([x, logits]);
    });
  });
});

afterAll(() => printMeasured(`max differences vs ${path.basename(fixturePath())} (fp64 reference)`));
