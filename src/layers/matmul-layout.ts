/**
 * Which operand layout the current backend multiplies fastest. On wasm only plain 2-D matMul runs
 * on XNNPACK (a transposed operand falls to a ~1 GFLOP/s loop), so operands are transposed
 * explicitly first; BLAS (blas) and TensorFlow (tensorflow) take a transposed operand at full
 * speed, so the explicit transpose (a pass over the keys per layer) is skipped there.
 */
import { tf } from '../tf';

export function transposedOperandIsFast(): boolean {
  const backend = tf.getBackend();
  return backend === 'blas' || backend === 'tensorflow';
}

