/** Cross-entropy of class logits against integer labels, as Hugging Face computes it for `labels=`. */
import { tf } from '../tf';
import { InputError } from '../errors';

/** One class index per batch element. */
export type LabelsInput = readonly number[] | Int32Array | tf.Tensor1D;

/** The labels as a plain list, checked against the batch size B and the number of classes K. */
export function checkLabels(labels: LabelsInput, batchSize: number, numLabels: number): number[] {
  const list = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : Array.from(labels);
  if (list.length !== batchSize) throw new InputError(`labels: ${list.length} labels for a batch of ${batchSize}`);
  list.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= numLabels) throw new InputError(`labels[${i}] = ${l}: must be a class index in 0..${numLabels - 1}`);
  });
  return list;
}

/**
 * `CrossEntropyLoss()` (mean over the batch): mean_b(logsumexp(logits[b]) - logits[b, labels[b]]).
 * logits [B, K]; labels checked by `checkLabels`. tf.logSoftmax carries its own exact gradient.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    const [, K] = logits.shape;
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d([...labels], 'int32'), K)), 1); // [B, K] -> [B]
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
