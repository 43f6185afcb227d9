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
  /** weight / sqrt(running_var + eps): [C] */
  readonly scale: tf.Tensor1D;
  /** bias - running_mean * scale: [C] */
  readonly shift: tf.Tensor1D;

  /** The parameters are consumed (disposed) here. */
  constructor(p: BatchNormParameters) {
    [this.scale, this.shift] = tf.tidy(() => {
      const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.runningVar, BATCH_NORM_EPS))) as tf.Tensor1D;
      return [scale, tf.sub(p.bias, tf.mul(p.runningMean, scale)) as tf.Tensor1D];
    });
    tf.dispose([p.weight, p.bias, p.runningMean, p.runningVar]);
  }

  /** x: [..., C] channels last -> same shape. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => tf.add(tf.mul(x, this.scale), this.shift) as T);
  }

  dispose(): void {
    tf.dispose([this.scale, this.shift]);
  }
}
