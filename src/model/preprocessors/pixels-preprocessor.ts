/**
 * PerceiverImagePreprocessor with prep_type "pixels" and fixed Fourier positions (max resolution
 * 224 x 224), the Fourier classifier's: pixel_values [B, 3, H, W] -> tokens [B, M=H*W, C=261],
 * token t = row*W + col holding [R, G, B, 258 position features].
 */
import { tf } from '../../tf';
import { NUM_POSITION_FEATURES, PIXELS_MAX_RESOLUTION } from '../../fourier/position-encoding';
import { channelsLastTokens, checkPixelValues, concatPositions, InputPreprocessor } from '../input-preprocessor';
import { FourierPositions } from './fourier-positions';

export class PixelsPreprocessor implements InputPreprocessor {
  readonly numChannels = 3 + NUM_POSITION_FEATURES;
  readonly positions = new FourierPositions(PIXELS_MAX_RESOLUTION);

  /** One token per pixel: the token grid is the pixel grid. */
  tokenGrid(height: number, width: number): { height: number; width: number } {
    return { height, width };
  }

  apply(pixelValues: tf.Tensor4D): tf.Tensor3D {
    checkPixelValues(pixelValues);
    const [, , H, W] = pixelValues.shape;
    const pos = this.positions.features(H, W);
    return tf.tidy(() => concatPositions(channelsLastTokens(pixelValues), pos)); // [B, M, 3] ++ [M, 258] -> [B, M, 261]
  }

  dispose(): void {
    this.positions.dispose();
  }
}
