/** The backend's own 2-D MatMul rate on the model's shapes: the ceiling the model is measured against. */
import { tf } from '../src/tf';

/** [rows, inner, cols] of the matmuls that dominate the full model. */
export const MODEL_MATMULS: Record<string, [number, number, number]> = {
  'self-attention linear 512x1024x1024': [512, 1024, 1024],
  'cross-attention scores 512x261x8192': [512, 261, 8192],
  'cross-attention context 512x8192x261': [512, 8192, 261],
};

export function matmulRates(reps = 10): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, [m, k, n]] of Object.entries(MODEL_MATMULS)) {
    const a = tf.randomNormal([m, k]) as tf.Tensor2D;
    const b = tf.randomNormal([k, n]) as tf.Tensor2D;
    tf.matMul(a, b).dispose(); // warm-up (XNNPACK packs b)
    const seconds: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      seconds.push((performance.now() - t) / 1000);
      c.dispose();
    }
    rates[name] = (2 * m * k * n) / Math.min(...seconds) / 1e9;
    tf.dispose([a, b]);
  }
  return rates;
}
