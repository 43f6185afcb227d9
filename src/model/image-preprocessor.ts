/**
 * PerceiverImagePreprocessor (prep_type "pixels", fixed Fourier positions): pixel_values
 * [B, 3, H, W] -> input tokens [B, M=H*W, C=261], token t = row*W + col holding
 * [R, G, B, 258 position features].
 */
import { tf } from '../tf';
import { InputError } from '../errors';
import { batchElement } from '../layers/batch';
import { fourierPositionFeatures, NUM_POSITION_FEATURES } from '../fourier/position-encoding';

/** Position features are cached per input size; a few sizes cover real use without unbounded growth. */
const MAX_CACHED_SIZES = 4;

export class PerceiverImagePreprocessor {
  private readonly cache = new Map<string, tf.Tensor2D>();

  /** [M, 258] for an H x W input, computed once per size and kept until dispose(). */
  positionFeatures(height: number, width: number): tf.Tensor2D {
    const key = `${height}x${width}`;
    let pos = this.cache.get(key);
    if (pos) {
      this.cache.delete(key); // re-insert: most recently used last
    } else {
      pos = tf.keep(tf.tensor2d(fourierPositionFeatures(height, width), [height * width, NUM_POSITION_FEATURES]));
      if (this.cache.size >= MAX_CACHED_SIZES) {
        const [oldest, tensor] = this.cache.entries().next().value as [string, tf.Tensor2D];
        this.cache.delete(oldest);
        tensor.dispose();
      }
    }
    this.cache.set(key, pos);
    return pos;
  }

  /** One token per pixel: the token grid is the pixel grid. */
  tokenGrid(height: number, width: number): { height: number; width: number } {
    return { height, width };
  }

  apply(pixelValues: tf.Tensor4D): tf.Tensor3D {
    checkPixelValues(pixelValues);
    const [B, C, H, W] = pixelValues.shape;
    const pos = this.positionFeatures(H, W);
    return tf.tidy(() => {
      const pixels = tf.reshape(tf.transpose(pixelValues, [0, 2, 3, 1]), [B, H * W, C]) as tf.Tensor3D; // [B, 3, H, W] -> [B, H, W, 3] -> [B, M, 3]
      const tokens = Array.from({ length: B }, (_, b) => tf.concat([batchElement(pixels, b), pos], 1)); // B x [M, 3 + 258]
      return tf.stack(tokens) as tf.Tensor3D; // [B, M, 261]
    });
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}

export function checkPixelValues(x: tf.Tensor): asserts x is tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) {
    throw new InputError(`pixel_values must be a tf.Tensor4D [B, 3, H, W] from the library's own tf; got ${Object.prototype.toString.call(x)}`);
  }
  if (x.isDisposed) throw new InputError('pixel_values has been disposed');
  if (x.rank !== 4) throw new InputError(`pixel_values must have rank 4 [B, 3, H, W]; got shape [${x.shape.join(', ')}]`);
  if (x.shape[1] !== 3) throw new InputError(`pixel_values must have 3 channels (RGB) in dimension 1 [B, 3, H, W]; got shape [${x.shape.join(', ')}]`);
  if (x.shape.some((d) => d < 1)) throw new InputError(`pixel_values has an empty dimension: shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new InputError(`pixel_values must be float32; got ${x.dtype}`);
}
