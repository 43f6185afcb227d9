/**
 * nn.BatchNorm2d in eval mode: the running statistics, never the batch's, and PyTorch's default eps
 * 1e-5 (not Keras's 1e-3, not config.layer_norm_eps). Folded once into y = x * scale + shift per
 * channel, the form PyTorch's CPU kernel computes.
 */
import { tf } from '../tf';

export const BATCH_NORM_EPS = 1e-5;

export interface BatchNormParameters {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
  runningMean: tf.Tensor1D;
  runningVar: tf.Tensor1D;
}

export class BatchNorm {
  constructor(readonly weights: BatchNormParameters) {}

  /** x: [..., C] channels last -> same shape. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const { weight, bias, runningMean, runningVar } = this.weights;
      // Folded per channel ([C], cheap; recomputed so that the parameters stay the model's own tensors).
      const scale = tf.mul(weight, tf.rsqrt(tf.add(runningVar, BATCH_NORM_EPS))); // weight / sqrt(running_var + eps)
      const shift = tf.sub(bias, tf.mul(runningMean, scale)); // bias - running_mean * scale
      return tf.add(tf.mul(x, scale), shift) as T;
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
  }
}
