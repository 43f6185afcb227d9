/** LayerNorm over the last axis. */
import { tf } from '../tf';

/**
 * The reference builds every LayerNorm with PyTorch's default eps; `config.layer_norm_eps` (1e-12)
 * is never passed to them. Using it would move logits by ~3e-2 (fixtures README).
 */
export const LAYER_NORM_EPS = 1e-5;

export class LayerNorm {
  constructor(
    readonly weight: tf.Tensor1D,
    readonly bias: tf.Tensor1D,
  ) {}

  /** x: [R, C] -> [R, C] */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true); // [R, 1] each
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
      return tf.add(tf.mul(normed, this.weight), this.bias) as tf.Tensor2D;
    });
  }

  parameters(): tf.Tensor[] {
    return [this.weight, this.bias];
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
