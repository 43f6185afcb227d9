/** Moving between a batch [B, R, C] and its elements [R, C], with the kernels that are fast on wasm. */
import { tf } from '../tf';

/** x[b]: [B, R, C] -> [R, C] */
export function batchElement(x: tf.Tensor3D, b: number): tf.Tensor2D {
  const [, R, C] = x.shape;
  return tf.tidy(() => tf.reshape(tf.slice(x, [b, 0, 0], [1, R, C]), [R, C]));
}

/**
 * The same [R, C] for each of B batch elements: [R, C] -> [B, R, C]. A stack of copies, because
 * `tf.broadcastTo` (the Tile kernel) takes ~2 s for [2, 50176, 258] on wasm where this takes ~0.1 s.
 */
export function repeatBatch(x: tf.Tensor2D, batchSize: number): tf.Tensor3D {
  return stackBatch(Array.from({ length: batchSize }, () => x)) as tf.Tensor3D;
}

/** B x [...] -> [B, ...]; one element is only reshaped (no copy). */
export function stackBatch(elements: tf.Tensor[]): tf.Tensor {
  return elements.length === 1 ? tf.expandDims(elements[0], 0) : tf.stack(elements);
}
