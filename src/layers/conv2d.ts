/**
 * A bias-free 2D convolution with symmetric zero padding, as HF's Conv2dSamePadding pads it: k//2
 * pixels on every side, from the kernel size alone (not TensorFlow's "SAME", which pads 2 before
 * and 3 after for a 7x7/2 conv on even sizes). Cross-correlation, like every PyTorch conv.
 */
import { tf } from '../tf';

export class Conv2d {
  constructor(
    /** [kh, kw, in, out] (tfjs's HWIO; PyTorch's [out, in, kh, kw] is transposed once at load). */
    readonly filter: tf.Tensor4D,
    readonly stride: number,
  ) {}

  get kernelSize(): number {
    return this.filter.shape[0];
  }

  /** Padding on each side: k//2 (3 for the 7x7 conv). */
  get padding(): number {
    return Math.floor(this.kernelSize / 2);
  }

  /** x: [B, H, W, in] -> [B, floor((H + 2p - k)/s) + 1, ..., out] */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.filter, this.stride, this.padding);
  }

  dispose(): void {
    this.filter.dispose();
  }
}
