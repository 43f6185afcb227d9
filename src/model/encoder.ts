/**
 * PerceiverEncoder: the latents cross-attend to the input tokens once, then the block of
 * `num_self_attends_per_block` self-attention layers runs `num_blocks` times with shared weights.
 */
import { tf } from '../tf';
import { AttentionOptions } from '../layers/attention';
import { PerceiverLayer } from '../layers/perceiver-layer';
import { applyObserved, AttentionObserver } from './attention-callback';

export interface EncoderOptions extends AttentionOptions, AttentionObserver {
  outputHiddenStates?: boolean;
}

export interface EncoderOutput {
  /** Final latents [B, N, D]. */
  lastHiddenState: tf.Tensor3D;
  /** Hugging Face order: per block, each self-attention layer's input, then the block output. */
  hiddenStates?: tf.Tensor3D[];
  /** Self-attention probabilities per layer application [B, heads, N, N]. */
  attentions?: tf.Tensor4D[];
  /** Encoder cross-attention probabilities [B, heads, N, M]. */
  crossAttention?: tf.Tensor4D;
}

export class PerceiverEncoder {
  constructor(
    readonly crossAttention: PerceiverLayer,
    /** The distinct layers of one block, reused by every block. */
    readonly selfAttends: PerceiverLayer[],
    readonly numBlocks: number,
  ) {}

  /** latents: [B, N, D]; inputs: [B, M, C]. */
  apply(latents: tf.Tensor3D, inputs: tf.Tensor3D, options: EncoderOptions = {}): EncoderOutput {
    const cross = applyObserved(this.crossAttention, latents, inputs, options, { kind: 'cross', index: 0 });
    tf.dispose([cross.context, cross.attentionOutput]);
    const out: EncoderOutput = { lastHiddenState: cross.output };
    if (options.outputHiddenStates) out.hiddenStates = [];
    if (options.outputAttentions) {
      out.attentions = [];
      out.crossAttention = cross.probs;
    }
    let x = cross.output;
    for (let block = 0; block < this.numBlocks; block++) x = this.applyBlock(x, options, out, block);
    out.lastHiddenState = x;
    return out;
  }

  /**
   * One pass of the shared self-attention layers: [B, N, D] -> [B, N, D]. `x` is disposed unless
   * `record.hiddenStates` keeps it; `record` collects hidden states and attentions in HF order;
   * `block` numbers the layer applications for `options.onAttention`.
   */
  applyBlock(x: tf.Tensor3D, options: EncoderOptions = {}, record: Pick<EncoderOutput, 'hiddenStates' | 'attentions'> = {}, block = 0): tf.Tensor3D {
    for (const [i, layer] of this.selfAttends.entries()) {
      record.hiddenStates?.push(x);
      const r = applyObserved(layer, x, undefined, options, { kind: 'self', index: block * this.selfAttends.length + i });
      tf.dispose([r.context, r.attentionOutput]);
      if (r.probs) record.attentions?.push(r.probs);
      if (!record.hiddenStates) x.dispose();
      x = r.output;
    }
    // A clone (shared data, separate handle) so each entry can be disposed on its own.
    record.hiddenStates?.push(tf.clone(x));
    return x;
  }

  dispose(): void {
    this.crossAttention.dispose();
    for (const l of this.selfAttends) l.dispose();
  }
}
