/**
 * nn.MaxPool2d(kernel_size=3, stride=2) as HF's Conv2DDownsample uses it: no padding, floor mode,
 * so H' = floor((H - 3)/2) + 1 and the last row/column of an even-sized input is never read
 * (DeepMind's original pads SAME; the HF port, whose checkpoints we load, does not).
 */
import { tf } from '../tf';

export const POOL_SIZE = 3;
export const POOL_STRIDE = 2;

/** x: [B, H, W, C] -> [B, H', W', C]; H, W >= 3. */
export function maxPool3x3Stride2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, POOL_SIZE, POOL_STRIDE, 'valid');
}

/** H' for an input of `size` rows (or columns); < 1 when the input is smaller than the window. */
export function pooledSize(size: number): number {
  return Math.floor((size - POOL_SIZE) / POOL_STRIDE) + 1;
}
