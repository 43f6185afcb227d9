/**
 * PerceiverImagePreprocessor with prep_type "conv", the ConvProcessing classifier's: HF's
 * Conv2DDownsample (7x7/2 conv without bias, padded 3 on every side; BatchNorm in eval mode; ReLU;
 * unpadded 3x3/2 max-pool) makes a 4x smaller grid, then [pooled features (64), Fourier features
 * of the pooled grid with max resolution (56, 56) (258)] -> tokens [B, M=H'*W', C=322].
 * Conv2DDownsample is built with num_layers = log4(spatial_downsample=1) = 0 and ignores it:
 * exactly one conv/BN/ReLU/pool stage always runs.
 */
import { tf } from '../../tf';
import { InputError } from '../../errors';
import { BatchNorm } from '../../layers/batch-norm';
import { Conv2d } from '../../layers/conv2d';
import { maxPool3x3Stride2, pooledSize } from '../../layers/max-pool';
import { CONV_MAX_RESOLUTION, NUM_POSITION_FEATURES } from '../../fourier/position-encoding';
import { checkPixelValues, concatPositions, InputPreprocessor } from '../input-preprocessor';
import { FourierPositions } from './fourier-positions';

/** The smallest input whose conv output (ceil(n/2)) still fills one 3x3 pooling window. */
export const MIN_CONV_INPUT_SIZE = 5;

export class ConvPreprocessor implements InputPreprocessor {
  readonly positions = new FourierPositions(CONV_MAX_RESOLUTION);

  constructor(
    /** convnet.conv */
    readonly conv: Conv2d,
    /** convnet.batchnorm */
    readonly batchnorm: BatchNorm,
  ) {}

  get numChannels(): number {
    return this.conv.filter.shape[3] + NUM_POSITION_FEATURES;
  }

  /** Rows x columns of the conv output for an H x W input: [B, H2, W2] with H2 = floor((H + 2p - k)/s) + 1. */
  convSize(height: number, width: number): { height: number; width: number } {
    const { kernelSize: k, padding: p, stride: s } = this.conv;
    const out = (n: number) => Math.floor((n + 2 * p - k) / s) + 1;
    return { height: out(height), width: out(width) };
  }

  /** The pooled grid: 224 x 224 -> 112 x 112 -> 55 x 55. */
  tokenGrid(height: number, width: number): { height: number; width: number } {
    const c = this.convSize(height, width);
    return { height: pooledSize(c.height), width: pooledSize(c.width) };
  }

  /** Conv2DDownsample: [B, 3, H, W] -> [B, H', W', 64] channels last. */
  downsample(pixelValues: tf.Tensor4D): tf.Tensor4D {
    checkPixelValues(pixelValues);
    const [, , H, W] = pixelValues.shape;
    if (H < MIN_CONV_INPUT_SIZE || W < MIN_CONV_INPUT_SIZE) {
      throw new InputError(
        `pixel_values is ${H} x ${W} (height x width); the ConvProcessing preprocessor needs at least ${MIN_CONV_INPUT_SIZE} x ${MIN_CONV_INPUT_SIZE} ` +
          `(its 7x7/2 conv output must fill the 3x3 max-pool window)`,
      );
    }
    return tf.tidy(() => {
      const nhwc = tf.transpose(pixelValues, [0, 2, 3, 1]) as tf.Tensor4D; // [B, 3, H, W] -> [B, H, W, 3]
      const conv = this.conv.apply(nhwc); // [B, H2, W2, 64]
      return maxPool3x3Stride2(tf.relu(this.batchnorm.apply(conv))); // [B, H', W', 64]
    });
  }

  apply(pixelValues: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const pooled = this.downsample(pixelValues);
      const [B, Hp, Wp, C] = pooled.shape;
      const features = tf.reshape(pooled, [B, Hp * Wp, C]) as tf.Tensor3D; // [B, H', W', 64] -> [B, M, 64]
      return concatPositions(features, this.positions.features(Hp, Wp)); // [B, M, 64] ++ [M, 258] -> [B, M, 322]
    });
  }

  dispose(): void {
    this.conv.dispose();
    this.batchnorm.dispose();
    this.positions.dispose();
  }
}
