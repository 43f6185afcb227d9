/**
 * PerceiverLayer: attention (+ optional query residual), then a residual MLP block:
 *   a = attention(x, inputs) [+ x]
 *   y = a + mlp(layernorm(a))
 */
import { tf, tidy } from '../tf';
import { AttentionOptions, MultiHeadAttention } from './attention';
import { LayerNorm } from './layer-norm';
import { Mlp } from './mlp';

export interface PerceiverLayerResult {
  /** Attention context before the output projection [B, N, v]. */
  context: tf.Tensor3D;
  /** Attention output with the query residual [B, N, D]. */
  attentionOutput: tf.Tensor3D;
  /** Layer output [B, N, D]. */
  output: tf.Tensor3D;
  /** [B, heads, N, M] when options.outputAttentions. */
  probs?: tf.Tensor4D;
}

export class PerceiverLayer {
  constructor(
    readonly attention: MultiHeadAttention,
    readonly layernorm: LayerNorm,
    readonly mlp: Mlp,
    /** Adds the un-normalised queries to the attention output. */
    readonly useQueryResidual: boolean,
  ) {}

  /** hidden: [B, N, D]; inputs: [B, M, C] for cross-attention, omitted for self-attention. */
  apply(hidden: tf.Tensor3D, inputs?: tf.Tensor3D, options: AttentionOptions = {}): PerceiverLayerResult {
    const attn = this.attention.apply(hidden, inputs, options);
    return tidy(() => {
      const attentionOutput = this.useQueryResidual ? tf.add(attn.output, hidden) : attn.output;
      const [B, N, D] = attentionOutput.shape;
      const flat = tf.reshape(attentionOutput, [B * N, D]) as tf.Tensor2D; // [B, N, D] -> [B*N, D]
      const mlpOut = tf.reshape(this.mlp.apply(this.layernorm.apply(flat)), [B, N, D]); // [B*N, D] -> [B, N, D]
      const output = tf.add(attentionOutput, mlpOut) as tf.Tensor3D;
      // Keep only what the caller gets; attn.output is replaced by attentionOutput.
      if (attentionOutput !== attn.output) attn.output.dispose();
      return { context: attn.context, attentionOutput: attentionOutput as tf.Tensor3D, output, probs: attn.probs };
    });
  }

  parameters(): tf.Tensor[] {
    return [...this.attention.parameters(), ...this.layernorm.parameters(), ...this.mlp.parameters()];
  }

  dispose(): void {
    this.attention.dispose();
    this.layernorm.dispose();
    this.mlp.dispose();
  }
}
