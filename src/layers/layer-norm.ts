/** LayerNorm over the last axis. */
import { tf } from '../tf';

/**
 * The reference builds every LayerNorm with PyTorch's default eps; `config.layer_norm_eps` (1e-12)
 * is never passed to them. Using it would move logits by ~3e-2 (fixtures README).
 */
export const LAYER_NORM_EPS = 1e-5;

/** x [R, C] -> x̂ = (x - mean) / sqrt(var + eps) [R, C] and 1 / sqrt(var + eps) [R, 1]. */
function standardize(x: tf.Tensor2D): { normed: tf.Tensor2D; rstd: tf.Tensor2D } {
  // tf.moments' own steps (biased variance of x - mean), with x - mean made once and without its
  // float32 cast of x (a copy on wasm): 7 passes over [R, C] per LayerNorm instead of 9, same values.
  // Each [R, C] intermediate is freed as soon as it is used: the wasm heap keeps its peak for good.
  const { centred, rstd } = tf.tidy(() => {
    const c = tf.sub(x, tf.mean(x, -1, true)) as tf.Tensor2D; // [R, C]
    const variance = tf.mean(tf.square(c), -1, true); // [R, 1]
    return { centred: c, rstd: tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)) as tf.Tensor2D };
  });
  const normed = tf.mul(centred, rstd) as tf.Tensor2D;
  centred.dispose();
  return { normed, rstd };
}

/**
 * Under a gradient tape the ops of `standardize` would each keep an [R, C] tensor for their
 * gradients (~0.4 GB for the 50,176 image tokens of one image); as one op with its own gradient
 * LayerNorm keeps x̂ and 1/σ only:
 *   dx = (1/σ) (g - mean(g) - x̂ mean(g x̂)), g = dy * weight;  dweight = Σ_rows dy x̂;  dbias = Σ_rows dy
 */
const layerNormWithGradient = tf.customGrad((x, weight, bias, save) => {
  const { normed, rstd } = standardize(x as tf.Tensor2D);
  (save as tf.GradSaveFunc)([normed, rstd, weight as tf.Tensor]);
  return {
    value: tf.add(tf.mul(normed, weight as tf.Tensor), bias as tf.Tensor),
    gradFunc: (dy: tf.Tensor, [xHat, invStd, w]: tf.Tensor[]) => {
      const g = tf.mul(dy, w); // [R, C]
      const centred = tf.sub(g, tf.mean(g, -1, true));
      const dx = tf.mul(invStd, tf.sub(centred, tf.mul(xHat, tf.mean(tf.mul(g, xHat), -1, true))));
      return [dx, tf.sum(tf.mul(dy, xHat), 0), tf.sum(dy, 0)];
    },
  };
});

export class LayerNorm {
  constructor(
    readonly weight: tf.Tensor1D,
    readonly bias: tf.Tensor1D,
  ) {}

  /** x: [R, C] -> [R, C] */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (tf.engine().isTapeOn()) return layerNormWithGradient(x, this.weight, this.bias) as tf.Tensor2D;
    return tf.tidy(() => tf.add(tf.mul(standardize(x).normed, this.weight), this.bias) as tf.Tensor2D);
  }

  parameters(): tf.Tensor[] {
    return [this.weight, this.bias];
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
