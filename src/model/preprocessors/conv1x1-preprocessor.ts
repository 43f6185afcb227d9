/**
 * PerceiverImagePreprocessor with prep_type "conv1x1" and trainable positions, the Learned
 * classifier's: a 1x1 conv with bias (3 -> 256 per pixel), then [features, projected learned
 * positions] -> tokens [B, M=H*W, C=512]. The table has config.image_size^2 rows, so the input must
 * be image_size x image_size (HF fails at the concatenation otherwise; there is no interpolation).
 */
import { tf } from '../../tf';
import { InputError } from '../../errors';
import { Linear } from '../../layers/linear';
import { TrainablePositionEncoding } from '../../layers/trainable-position-encoding';
import { channelsLastTokens, checkPixelValues, concatPositions, InputPreprocessor } from '../input-preprocessor';

export class Conv1x1Preprocessor implements InputPreprocessor {
  constructor(
    /** convnet_1x1 as a per-pixel Linear [3 -> 256] */
    readonly convnet1x1: Linear,
    readonly positionEncoding: TrainablePositionEncoding,
    /** config.image_size: the table covers image_size x image_size tokens. */
    readonly imageSize: number,
  ) {}

  get numChannels(): number {
    return this.convnet1x1.outFeatures + this.positionEncoding.projection.outFeatures;
  }

  /** One token per pixel. */
  tokenGrid(height: number, width: number): { height: number; width: number } {
    return { height, width };
  }

  apply(pixelValues: tf.Tensor4D): tf.Tensor3D {
    checkPixelValues(pixelValues);
    const [B, , H, W] = pixelValues.shape;
    const S = this.imageSize;
    if (H !== S || W !== S) {
      throw new InputError(
        `pixel_values is ${H} x ${W} (height x width), but this Learned model's position table is sized for image_size ${S}: ` +
          `the input must be ${S} x ${S} (its ${S * S} learned positions are not interpolated)`,
      );
    }
    const pos = this.positionEncoding.positions();
    return tf.tidy(() => {
      const pixels = tf.reshape(channelsLastTokens(pixelValues), [B * H * W, 3]) as tf.Tensor2D; // [B, M, 3] -> [B*M, 3]
      const features = tf.reshape(this.convnet1x1.apply(pixels), [B, H * W, -1]) as tf.Tensor3D; // [B*M, 256] -> [B, M, 256]
      return concatPositions(features, pos); // [B, M, 256] ++ [M, 256] -> [B, M, 512]
    });
  }

  dispose(): void {
    this.convnet1x1.dispose();
    this.positionEncoding.dispose();
  }
}
