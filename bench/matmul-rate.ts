/** The backend's own 2-D MatMul rate on the model's shapes: the ceiling the model is measured against. */
import { tf } from '../src/tf';

/** [rows, inner, cols] of the matmuls that dominate the full model. */
export const MODEL_MATMULS: Record<string, [number, number, number]> = {
  'self-attention linear 512x1024x1024': [512, 1024, 1024],
  'cross-attention scores 512x261x8192': [512, 261, 8192],
  'cross-attention context 512x8192x261': [512, 8192, 261],
};

/**
 * Best of `reps` products after `warmups` (XNNPACK packs b on the first; OpenBLAS's threads wake).
 * The product is not read back: the Node backends compute synchronously, so it is done when
 * matMul returns, and dataSync would add a copy of the 2 MB result into a fresh array (5-8 ms on
 * this VM where its pages are new, as long as the product itself: one cause of one process
 * measuring 97 GFLOP/s and the next 179 on 2026-12-05).
 */
export function matmulRates(reps = 10, warmups = 3): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, [m, k, n]] of Object.entries(MODEL_MATMULS)) {
    const a = tf.randomNormal([m, k]) as tf.Tensor2D;
    const b = tf.randomNormal([k, n]) as tf.Tensor2D;
    for (let i = 0; i < warmups; i++) tf.matMul(a, b).dispose();
    const seconds: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const c = tf.matMul(a, b);
      seconds.push((performance.now() - t) / 1000);
      c.dispose();
    }
    rates[name] = (2 * m * k * n) / Math.min(...seconds) / 1e9;
    tf.dispose([a, b]);
  }
  return rates;
}
