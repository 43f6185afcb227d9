/**
 * softmax(scores) @ v accumulated over chunks of the key/value tokens ("online softmax"): partial
 * results are re-weighted by their row maxima and sums when combined, so the result equals the
 * one-pass softmax up to rounding while only an N x chunk block of scores exists at a time.
 */
import { tf } from '../tf';

export interface SoftmaxState {
  /** Row maxima of the scores so far [N, 1]. */
  max: tf.Tensor2D;
  /** Row sums of exp(score - max) so far [N, 1]. */
  sum: tf.Tensor2D;
  /** softmax over the tokens so far @ their values [N, dV]: the context if no chunk followed. */
  context: tf.Tensor2D;
  /** The last chunk's softmax [N, m]: the attention probabilities when there was one chunk. */
  probs: tf.Tensor2D;
}

/** Folds one chunk in: scores [N, m], v [m, dV]. Call inside a tidy; `state` is not disposed here. */
export function addChunk(state: SoftmaxState | undefined, scores: tf.Tensor2D, v: tf.Tensor2D): SoftmaxState {
  // The fused softmax kernel is ~3x faster on wasm than max/sub/exp/sum as separate ops. The
  // chunk's sum comes back from it: each row's largest probability is exp(0) / sum.
  const p = tf.softmax(scores) as tf.Tensor2D; // [N, m]
  const context = tf.matMul(p, v) as tf.Tensor2D; // [N, dV]
  const max = tf.max(scores, 1, true) as tf.Tensor2D; // [N, 1]
  const sum = tf.reciprocal(tf.max(p, 1, true)) as tf.Tensor2D; // [N, 1]
  if (!state) return { max, sum, context, probs: p };
  const newMax = tf.maximum(state.max, max) as tf.Tensor2D;
  const oldWeight = tf.mul(state.sum, tf.exp(tf.sub(state.max, newMax))); // [N, 1]
  const chunkWeight = tf.mul(sum, tf.exp(tf.sub(max, newMax))); // [N, 1]
  const newSum = tf.add(oldWeight, chunkWeight) as tf.Tensor2D;
  const mixed = tf.add(tf.mul(state.context, oldWeight), tf.mul(context, chunkWeight));
  return { max: newMax, sum: newSum, context: tf.div(mixed, newSum) as tf.Tensor2D, probs: p };
}

export function disposeState(state: SoftmaxState | undefined): void {
  if (state) tf.dispose([state.max, state.sum, state.context, state.probs]);
}
