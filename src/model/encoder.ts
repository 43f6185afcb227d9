/**
 * PerceiverEncoder: the latents cross-attend to the input tokens once, then the block of
 * `num_self_attends_per_block` self-attention layers runs `num_blocks` times with shared weights.
 */
import { InputError } from '../errors';
import { tf } from '../tf';
import { AttentionOptions } from '../layers/attention';
import { PerceiverLayer } from '../layers/perceiver-layer';
import { recomputedInBackward } from '../layers/recompute';
import { applyObserved, AttentionObserver, AttentionSite } from './attention-callback';

export interface EncoderOptions extends AttentionOptions, AttentionObserver {
  outputHiddenStates?: boolean;
  /**
   * Gradient checkpointing for training: under a gradient tape each layer application keeps only
   * its inputs and is run again in the backward pass. Not with outputAttentions, onAttention or
   * outputHiddenStates; pixel_values get no gradient (a model's forward treats them as data).
   */
  recomputeLayers?: boolean;
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
    const cross = this.applyLayer(this.crossAttention, latents, inputs, options, { kind: 'cross', index: 0 });
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
      const r = this.applyLayer(layer, x, undefined, options, { kind: 'self', index: block * this.selfAttends.length + i });
      if (r.probs) record.attentions?.push(r.probs);
      if (!record.hiddenStates) x.dispose();
      x = r.output;
    }
    // A clone (shared data, separate handle) so each entry can be disposed on its own.
    record.hiddenStates?.push(tf.clone(x));
    return x;
  }

  /** A layer's output [B, N, D] and, when asked, its probabilities; the rest of its result is freed. */
  private applyLayer(layer: PerceiverLayer, hidden: tf.Tensor3D, inputs: tf.Tensor3D | undefined, options: EncoderOptions, site: AttentionSite) {
    if (!options.recomputeLayers) {
      const r = applyObserved(layer, hidden, inputs, options, site);
      tf.dispose([r.context, r.attentionOutput]);
      return { output: r.output, probs: r.probs };
    }
    checkRecomputable(options);
    const layerOutput = (h: tf.Tensor, x?: tf.Tensor) => layerOutputOnly(layer, h as tf.Tensor3D, x as tf.Tensor3D | undefined, options);
    return { output: recomputedInBackward(layerOutput, inputs ? [hidden, inputs] : [hidden], layer.parameters()), probs: undefined };
  }

  dispose(): void {
    this.crossAttention.dispose();
    for (const l of this.selfAttends) l.dispose();
  }
}

/** A layer's output [B, N, D]; its context and pre-MLP output are freed. */
export function layerOutputOnly(layer: PerceiverLayer, hidden: tf.Tensor3D, inputs: tf.Tensor3D | undefined, options: AttentionOptions): tf.Tensor3D {
  const r = layer.apply(hidden, inputs, options);
  tf.dispose([r.context, r.attentionOutput]);
  return r.output;
}

export function checkRecomputable(options: EncoderOptions): void {
  if (options.outputAttentions || options.onAttention || options.outputHiddenStates) {
    throw new InputError('recomputeLayers (a training option) returns neither attentions nor hidden states: the layers keep none of their intermediates');
  }
}
