/**
 * What the generic PerceiverModel needs of its input preprocessor (HF's `input_preprocessor`):
 * pixel_values [B, 3, H, W] -> input tokens [B, M, C], and where the M tokens lie on the image.
 * One implementation per Hugging Face `prep_type`, in ./preprocessors.
 */
import { tf } from '../tf';
import { InputError } from '../errors';
import type { TokenGrid } from '../explain/attention-rollout';

export interface InputPreprocessor {
  /** C: channels of each input token (the encoder cross-attention's kv width). */
  readonly numChannels: number;
  /** pixel_values [B, 3, H, W] float32 -> tokens [B, M, C], row-major over tokenGrid(H, W). */
  apply(pixelValues: tf.Tensor4D): tf.Tensor3D;
  /** Rows x columns of the tokens for an H x W input (M = rows * columns). */
  tokenGrid(height: number, width: number): TokenGrid;
  dispose(): void;
}

/**
 * HF's concat_or_add_pos="concat": features first, then the position features of each token.
 * features [B, M, F], positions [M, P] (the same for every batch element) -> [B, M, F + P].
 */
export function concatPositions(features: tf.Tensor3D, positions: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, M] = features.shape;
    const pos = tf.expandDims(positions, 0); // [M, P] -> [1, M, P]
    const tokens = Array.from({ length: B }, (_, b) => tf.concat([tf.slice(features, [b, 0, 0], [1, M, -1]), pos], 2)); // B x [1, M, F + P]
    return (B === 1 ? tokens[0] : tf.concat(tokens, 0)) as tf.Tensor3D;
  });
}

/** [B, C, H, W] -> [B, H*W, C]: channels last, tokens row-major (t = row*W + col). */
export function channelsLastTokens(x: tf.Tensor4D): tf.Tensor3D {
  const [B, C, H, W] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [B, H * W, C])); // [B, C, H, W] -> [B, H, W, C] -> [B, M, C]
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
