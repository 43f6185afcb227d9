/**
 * The fixtures README's "easy to get wrong" items of the Learned and ConvProcessing classifiers:
 * each mistake, emulated on the model's own weights, misses the fixture by more than the parity
 * tolerance (so the parity suite would catch it), and the model's own computation does not make it.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { InputError, WeightsError } from '../../src/errors';
import { CONV_MAX_RESOLUTION, fourierPositionFeatures, PIXELS_MAX_RESOLUTION } from '../../src/fourier/position-encoding';
import { PerceiverForImageClassificationConvProcessing } from '../../src/model/perceiver-for-image-classification-conv-processing';
import { PerceiverForImageClassificationLearned } from '../../src/model/perceiver-for-image-classification-learned';
import { Conv1x1Preprocessor } from '../../src/model/preprocessors/conv1x1-preprocessor';
import { ConvPreprocessor } from '../../src/model/preprocessors/conv-preprocessor';
import { readConfig } from '../../src/config-file';
import { SafetensorsFile } from '../../src/weights/safetensors';
import type { WeightSource } from '../../src/weights/weight-source';
import { fixturePath, maxAbs, maxAbsDiff, readFixture } from '../fixtures';
import { expectMatches, FOURIER_ABS_TOL, INTERMEDIATE_REL_TOL } from '../parity';
import { pixelsOf } from './model-parity';

const rel = { rel: INTERMEDIATE_REL_TOL };

/** The mistaken tensor misses `expectedName` by more than the tolerance the parity tests use. */
function expectCaught(mistake: tf.Tensor | Float32Array, expected: SafetensorsFile, expectedName: string, tolerance = INTERMEDIATE_REL_TOL * maxAbs(expected.float32(expectedName))): void {
  const got = mistake instanceof tf.Tensor ? (mistake.dataSync() as Float32Array) : mistake;
  expect(maxAbsDiff(got, expected.float32(expectedName))).toBeGreaterThan(tolerance);
}

describe('Learned (learned-tiny)', () => {
  let model: PerceiverForImageClassificationLearned;
  let pre: Conv1x1Preprocessor;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;
  let x: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend();
    model = await PerceiverForImageClassificationLearned.fromPretrained(fixturePath('learned-tiny'));
    pre = model.preprocessor as Conv1x1Preprocessor;
    inputs = await readFixture('learned-tiny', 'inputs.safetensors');
    expected = await readFixture('learned-tiny', 'expected.safetensors');
    x = pixelsOf(inputs, 'pixel_values');
  });
  afterAll(() => {
    x?.dispose();
    model?.dispose();
  });

  test('the position table is projected, with W^T, and read row-major', () => {
    tf.tidy(() => {
      const { table, projection } = pre.positionEncoding;
      const [M, C] = table.shape;
      const S = Math.sqrt(M);
      expectMatches('learned-tiny pos_enc', pre.positionEncoding.positions(), expected, 'pos_enc', rel);
      expectCaught(table, expected, 'pos_enc'); // positions_projection skipped
      expectCaught(tf.add(tf.matMul(table, projection.weight, false, true), projection.bias), expected, 'pos_enc'); // W instead of W^T
      const columnMajor = tf.reshape(tf.transpose(tf.reshape(table, [S, S, C]), [1, 0, 2]), [M, C]) as tf.Tensor2D; // row c*S + r for token (r, c)
      expectCaught(projection.apply(columnMajor), expected, 'pos_enc');
    });
  });

  test('the 1x1 conv has a bias, and its [256, 3, 1, 1] weight is not read as [3, 256]', async () => {
    const weights = await readFixture('learned-tiny', 'model.safetensors');
    tf.tidy(() => {
      const B = x.shape[0];
      const pixels = tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [-1, 3]) as tf.Tensor2D; // [B, 3, H, W] -> [B*M, 3]
      const { weight, bias } = pre.convnet1x1;
      const ours = tf.reshape(pre.convnet1x1.apply(pixels), [B, -1, 256]); // [B*M, 256] -> [B, M, 256]
      expectMatches('learned-tiny inputs_without_pos', ours, expected, 'inputs_without_pos', rel);
      expectCaught(tf.matMul(pixels, weight), expected, 'inputs_without_pos'); // no bias
      const misread = tf.tensor2d(weights.float32('perceiver.input_preprocessor.convnet_1x1.weight'), [3, 256]);
      expectCaught(tf.add(tf.matMul(pixels, misread), bias), expected, 'inputs_without_pos');
      // Flattened from NCHW without moving channels last.
      const nchwFlat = tf.reshape(tf.transpose(ours, [0, 2, 1]), [B, -1, 256]); // [B, 256, M] memory read as [B, M, 256]
      expectCaught(nchwFlat, expected, 'inputs_without_pos');
    });
  });

  test('the encoder input is [features, positions], not [positions, features]', () => {
    tf.tidy(() => {
      const tokens = pre.apply(x); // [B, M, 512]
      const swapped = tf.concat([tf.slice(tokens, [0, 0, 256], [-1, 16, 256]), tf.slice(tokens, [0, 0, 0], [-1, 16, 256])], 2);
      expectCaught(swapped, expected, 'preprocessed_inputs_head');
    });
  });

  test('config.image_size fixes the input size: another size is an error naming both', () => {
    const S = model.config.imageSize;
    for (const [h, w] of [[S, S + 1], [S - 1, S - 1]]) {
      const other = tf.zeros([1, 3, h, w]) as tf.Tensor4D;
      expect(() => model.forward(other)).toThrow(InputError);
      expect(() => model.forward(other)).toThrow(`${h} x ${w}`);
      expect(() => model.forward(other)).toThrow(`image_size ${S}`);
      other.dispose();
    }
  });
});

describe('ConvProcessing (conv-tiny)', () => {
  let model: PerceiverForImageClassificationConvProcessing;
  let pre: ConvPreprocessor;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;
  let weights: SafetensorsFile;
  const bn = (name: string) => tf.tensor1d(weights.float32(`perceiver.input_preprocessor.convnet.batchnorm.${name}`));

  beforeAll(async () => {
    await initBackend();
    model = await PerceiverForImageClassificationConvProcessing.fromPretrained(fixturePath('conv-tiny'));
    pre = model.preprocessor as ConvPreprocessor;
    inputs = await readFixture('conv-tiny', 'inputs.safetensors');
    expected = await readFixture('conv-tiny', 'expected.safetensors');
    weights = await readFixture('conv-tiny', 'model.safetensors');
  });
  afterAll(() => model?.dispose());

  const nhwcOf = (input: string) => tf.transpose(pixelsOf(inputs, input), [0, 2, 3, 1]) as tf.Tensor4D; // [B, 3, H, W] -> [B, H, W, 3]
  const nchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]); // [B, H2, W2, 64] -> [B, 64, H2, W2]

  test('the 7x7/2 conv pads 3 on every side (not TF-SAME 2/3), with an OIHW kernel', () => {
    tf.tidy(() => {
      const x = nhwcOf('pixel_values'); // 32 x 32: even, where TF-SAME differs
      expect(pre.conv.padding).toBe(3);
      expectMatches('conv-tiny convnet.conv_output', nchw(pre.conv.apply(x)), expected, 'convnet.conv_output', rel);
      expectCaught(nchw(tf.conv2d(x, pre.conv.filter, 2, 'same')), expected, 'convnet.conv_output');
      const hwSwapped = tf.transpose(pre.conv.filter, [1, 0, 2, 3]) as tf.Tensor4D; // OIWH read as OIHW
      expectCaught(nchw(tf.conv2d(x, hwSwapped, 2, 3)), expected, 'convnet.conv_output');
      // The odd input catches padding 2 on every side (at 32 x 32 the pool never reads the rows where it differs):
      // 37 x 45 -> 18 x 22 instead of 19 x 23, compared on the common part.
      const odd = nhwcOf('pixel_values_nonsquare');
      const name = 'nonsquare.convnet.conv_output';
      const want = tf.slice(tf.tensor4d(expected.float32(name), expected.info(name).shape as [number, number, number, number]), 0, [-1, -1, 18, 22]);
      const padded2 = nchw(tf.conv2d(odd, pre.conv.filter, 2, 2));
      expect(padded2.shape).toEqual(want.shape);
      expect(maxAbsDiff(padded2.dataSync(), want.dataSync())).toBeGreaterThan(INTERMEDIATE_REL_TOL * maxAbs(expected.float32(name)));
    });
  });

  test('BatchNorm: eval mode (running statistics), eps 1e-5 (not 1e-3)', () => {
    tf.tidy(() => {
      const conv = pre.conv.apply(nhwcOf('pixel_values'));
      expectMatches('conv-tiny convnet.batchnorm_output', nchw(pre.batchnorm.apply(conv)), expected, 'convnet.batchnorm_output', rel);
      const norm = (mean: tf.Tensor, variance: tf.Tensor, eps: number) =>
        nchw(tf.add(tf.mul(tf.div(tf.sub(conv, mean), tf.sqrt(tf.add(variance, eps))), bn('weight')), bn('bias')));
      expectMatches('conv-tiny convnet.batchnorm_output (formula)', norm(bn('running_mean'), bn('running_var'), 1e-5), expected, 'convnet.batchnorm_output', rel);
      expectCaught(norm(bn('running_mean'), bn('running_var'), 1e-3), expected, 'convnet.batchnorm_output');
      const batch = tf.moments(conv, [0, 1, 2]);
      expectCaught(norm(batch.mean, batch.variance, 1e-5), expected, 'convnet.batchnorm_output');
    });
  });

  test('the 3x3/2 max-pool is unpadded: 32 -> 16 -> 7 and 37 x 45 -> 19 x 23 -> 9 x 11 tokens', () => {
    expect(pre.tokenGrid(32, 32)).toEqual({ height: 7, width: 7 });
    expect(pre.tokenGrid(37, 45)).toEqual({ height: 9, width: 11 });
    expect(pre.tokenGrid(224, 224)).toEqual({ height: 55, width: 55 });
    tf.tidy(() => {
      const activated = tf.relu(pre.batchnorm.apply(pre.conv.apply(nhwcOf('pixel_values'))));
      expect(tf.maxPool(activated, 3, 2, 'same').shape.slice(1, 3)).toEqual([8, 8]); // TF-SAME pool: 64 tokens, not the fixture's 49
      expect(tf.maxPool(activated, 3, 2, 1).shape.slice(1, 3)).toEqual([8, 8]);
      expect(expected.info('inputs_without_pos').shape[1]).toBe(49);
    });
  });

  test('Fourier features of the pooled grid use max resolution (56, 56), not (224, 224) or the grid size', () => {
    expectMatches('conv-tiny fourier_pos_enc', fourierPositionFeatures(7, 7, CONV_MAX_RESOLUTION), expected, 'fourier_pos_enc', { abs: FOURIER_ABS_TOL });
    expectCaught(fourierPositionFeatures(7, 7, PIXELS_MAX_RESOLUTION), expected, 'fourier_pos_enc', FOURIER_ABS_TOL);
    expectCaught(fourierPositionFeatures(7, 7, [7, 7]), expected, 'fourier_pos_enc', FOURIER_ABS_TOL);
  });

  test('the encoder input is [pooled features, Fourier features]', () => {
    tf.tidy(() => {
      const tokens = pre.apply(pixelsOf(inputs, 'pixel_values')); // [B, 49, 322]
      const swapped = tf.concat([tf.slice(tokens, [0, 0, 64], [-1, 16, 258]), tf.slice(tokens, [0, 0, 0], [-1, 16, 64])], 2);
      expectCaught(swapped, expected, 'preprocessed_inputs_head');
    });
  });

  test('the conv has no bias: a checkpoint with convnet.conv.bias is refused; num_batches_tracked is int64 and not loaded', async () => {
    const config = await readConfig(fixturePath('conv-tiny', 'config.json'));
    expect(weights.info('perceiver.input_preprocessor.convnet.batchnorm.num_batches_tracked').dtype).toBe('I64');
    const withBias: WeightSource = {
      source: 'conv-with-bias.safetensors',
      names: [...weights.names, 'perceiver.input_preprocessor.convnet.conv.bias'],
      shapeOf: (n) => (n.endsWith('conv.bias') ? [64] : weights.shapeOf(n)),
      float32: (n) => weights.float32(n),
    };
    expect(() => PerceiverForImageClassificationConvProcessing.fromWeights(config, withBias)).toThrow(WeightsError);
    expect(() => PerceiverForImageClassificationConvProcessing.fromWeights(config, withBias)).toThrow('unexpected tensors (1):\n  perceiver.input_preprocessor.convnet.conv.bias');
  });

  test('inputs from 5 x 5 work; 4 x 4 is an error naming the size', () => {
    const small = tf.zeros([1, 3, 5, 6]) as tf.Tensor4D;
    const { logits } = model.forward(small);
    expect(logits.shape).toEqual([1, model.config.numLabels]);
    const tooSmall = tf.zeros([1, 3, 4, 9]) as tf.Tensor4D;
    expect(() => model.forward(tooSmall)).toThrow(InputError);
    expect(() => model.forward(tooSmall)).toThrow('4 x 9');
    tf.dispose([small, logits, tooSmall]);
  });
});
