/** A dense layer y = x W + b, with W stored as [in, out] (Hugging Face stores [out, in]; transposed once at load). */
import { tf } from '../tf';

export class Linear {
  private transposed?: tf.Tensor2D;

  constructor(
    /** [in, out] */
    readonly weight: tf.Tensor2D,
    /** [out] */
    readonly bias: tf.Tensor1D,
  ) {}

  get inFeatures(): number {
    return this.weight.shape[0];
  }

  get outFeatures(): number {
    return this.weight.shape[1];
  }

  /** x: [R, in] -> [R, out]. A plain 2-D matmul: the fast kernel on wasm (XNNPACK). */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: this.weight, bias: this.bias }) as tf.Tensor2D;
  }

  /**
   * W^T [out, in] (PyTorch's layout), made on first use and kept. Not kept for a trainable weight
   * (an optimizer changes it) or while gradients are recorded (the tape must see the transpose):
   * then it is a new tensor each call, freed by the caller's tidy.
   */
  transposedWeight(): tf.Tensor2D {
    if (this.weight instanceof tf.Variable || tf.engine().state.gradientDepth > 0) return tf.transpose(this.weight);
    this.transposed ??= tf.keep(tf.transpose(this.weight));
    return this.transposed;
  }

  /** The tensors apply() reads, for differentiating through it. */
  parameters(): tf.Tensor[] {
    return [this.weight, this.bias];
  }

  dispose(): void {
    this.transposed?.dispose();
    this.weight.dispose();
    this.bias.dispose();
  }
}
