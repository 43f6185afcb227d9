/**
 * An optional observer of every attention of the forward pass. It receives each layer's exact
 * softmax probabilities as the layer makes them, so a caller (attention rollout) can fold them into
 * a running result instead of keeping all of them (48 x [B, 8, 512, 512] for the real model).
 */
import { tf } from '../tf';
import { AttentionOptions } from '../layers/attention';
import { PerceiverLayer, PerceiverLayerResult } from '../layers/perceiver-layer';

/**
 * Which attention made the probabilities, as an index into Hugging Face's outputs:
 * `attentions[index]` for self-attention application `index` (= block * layers per block + layer),
 * `cross_attentions[index]` for cross-attention (0 the encoder's, 1 the decoder's).
 */
export interface AttentionSite {
  kind: 'self' | 'cross';
  index: number;
}

/**
 * probs: [B, heads, queries, keys], every row a softmax over all keys. They are disposed when the
 * callback returns: compute from them, and `tf.keep` what you keep (the forward may run in a tidy).
 */
export type AttentionCallback = (probs: tf.Tensor4D, site: AttentionSite) => void;

export interface AttentionObserver {
  onAttention?: AttentionCallback;
}

/**
 * `layer.apply`, handing its probabilities to `options.onAttention` if set; they stay in the result
 * only when `options.outputAttentions` asks for them.
 */
export function applyObserved(
  layer: PerceiverLayer,
  hidden: tf.Tensor3D,
  inputs: tf.Tensor3D | undefined,
  options: AttentionOptions & AttentionObserver,
  site: AttentionSite,
): PerceiverLayerResult {
  const { onAttention } = options;
  if (!onAttention) return layer.apply(hidden, inputs, options);
  // outputAttentions makes the attention use one softmax chunk: final probabilities, not partial ones.
  const r = layer.apply(hidden, inputs, { ...options, outputAttentions: true });
  try {
    onAttention(r.probs!, site);
  } catch (e) {
    tf.dispose([r.context, r.attentionOutput, r.output, r.probs!]);
    throw e;
  }
  if (options.outputAttentions) return r;
  r.probs!.dispose();
  return { context: r.context, attentionOutput: r.attentionOutput, output: r.output };
}
