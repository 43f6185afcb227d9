/**
 * The one tfjs namespace the library computes with. Callers build inputs with this same instance
 * (re-exported from the package root), so tensors never cross between two copies of tfjs-core.
 */
import * as tf from '@tensorflow/tfjs-core';
// Side-effect imports: each registers its backend with the tfjs-core instance above.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

/**
 * `tf.tidy` typed for our result objects: tensors reachable from the returned value are kept,
 * every other tensor made inside `fn` is disposed.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as unknown as T;
}
