/** PerceiverMLP: dense1 (C -> C*wideningFactor), exact GELU, dense2 (back to C). */
import { tf } from '../tf';
import { Linear } from './linear';

/** GELU in its exact erf form (`hidden_act="gelu"`); the tanh approximation fails parity. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

export class Mlp {
  constructor(
    readonly dense1: Linear,
    readonly dense2: Linear,
  ) {}

  /** x: [R, C] -> [R, C] */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.dense2.apply(gelu(this.dense1.apply(x)) as tf.Tensor2D));
  }

  parameters(): tf.Tensor[] {
    return [...this.dense1.parameters(), ...this.dense2.parameters()];
  }

  dispose(): void {
    this.dense1.dispose();
    this.dense2.dispose();
  }
}
