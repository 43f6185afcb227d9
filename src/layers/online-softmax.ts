/**
 * softmax(scores) @ v accumulated over chunks of the key/value tokens ("online softmax"): partial
 * results are re-weighted by their row maxima and sums when combined, so the result equals the
 * one-pass softmax up to rounding while only an N x chunk block of scores exists at a time.
 */
import { tf } from '../tf';
import { MatMulOperand, matMulBlocks } from './column-blocks';

export interface SoftmaxState {
  /** softmax over the tokens so far @ their values [N, dV]: the context if no chunk follows. */
  context: tf.Tensor2D;
  /** The last chunk's softmax [N, m]: the attention probabilities when there is one chunk. */
  probs: tf.Tensor2D;
  /** Row maxima of the scores so far [N, 1] and row sums of exp(score - max) [N, 1]; kept only while chunks follow. */
  max?: tf.Tensor2D;
  sum?: tf.Tensor2D;
}

/**
 * Folds one chunk in: scores [N, m], v [m, dV]. `moreFollow` keeps the statistics a later chunk
 * needs (a single chunk skips them). Call inside a tidy; `state` is not disposed here.
 */
export function addChunk(state: SoftmaxState | undefined, scores: tf.Tensor2D, v: MatMulOperand, moreFollow: boolean): SoftmaxState {
  // The fused softmax kernel is ~3x faster on wasm than max/sub/exp/sum as separate ops. The
  // chunk's sum comes back from it: each row's largest probability is exp(0) / sum.
  const probs = tf.softmax(scores) as tf.Tensor2D; // [N, m]
  const context = matMulBlocks(probs, v); // [N, dV]
  if (!state && !moreFollow) return { context, probs };
  const max = tf.max(scores, 1, true) as tf.Tensor2D; // [N, 1]
  const sum = tf.reciprocal(tf.max(probs, 1, true)) as tf.Tensor2D; // [N, 1]
  if (!state?.max || !state.sum) return { context, probs, max, sum };
  const newMax = tf.maximum(state.max, max) as tf.Tensor2D;
  const oldWeight = tf.mul(state.sum, tf.exp(tf.sub(state.max, newMax))); // [N, 1]
  const chunkWeight = tf.mul(sum, tf.exp(tf.sub(max, newMax))); // [N, 1]
  const newSum = tf.add(oldWeight, chunkWeight) as tf.Tensor2D;
  const mixed = tf.add(tf.mul(state.context, oldWeight), tf.mul(context, chunkWeight));
  return { context: tf.div(mixed, newSum) as tf.Tensor2D, probs, max: newMax, sum: newSum };
}

export function disposeState(state: SoftmaxState | undefined): void {
  if (state) tf.dispose([state.context, state.probs, state.max, state.sum].filter((t): t is tf.Tensor2D => t !== undefined));
}
