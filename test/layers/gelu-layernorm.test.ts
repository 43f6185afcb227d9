/**
 * The two smallest porting mistakes of the fixtures' discriminativeness table, checked in
 * isolation: tanh-approximate GELU (moves logits only 2e-4 .. 1e-3) and the LayerNorm eps.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { gelu } from '../../src/layers/mlp';
import { LayerNorm, LAYER_NORM_EPS } from '../../src/layers/layer-norm';

/** erf by its Maclaurin series in float64: accurate to ~1e-9 on |x| <= 4, independent of tfjs. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const exactGelu = (x: number) => 0.5 * x * (1 + erfSeries(x / Math.SQRT2));
const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

beforeAll(() => initBackend());

test('GELU is the exact erf form to float32 precision, and distinguishable from the tanh form', () => {
  const xs = Array.from({ length: 801 }, (_, i) => -5.5 + i * 0.01);
  const ours = tf.tidy(() => gelu(tf.tensor1d(xs)).dataSync());
  let maxErr = 0;
  let maxTanhGap = 0;
  xs.forEach((x, i) => {
    maxErr = Math.max(maxErr, Math.abs(ours[i] - exactGelu(x)));
    maxTanhGap = Math.max(maxTanhGap, Math.abs(tanhGelu(x) - exactGelu(x)));
  });
  // float32 rounding of values up to ~5.5 is ~5e-7; the tanh form is off by ~5e-4 somewhere here.
  expect(maxErr).toBeLessThan(2e-6);
  expect(maxTanhGap).toBeGreaterThan(100 * 2e-6);
});

test('LayerNorm uses eps = 1e-5 (PyTorch default), not config.layer_norm_eps', () => {
  expect(LAYER_NORM_EPS).toBe(1e-5);
  // A row with small variance makes eps visible: var = 1e-4 -> 1/sqrt(var + eps) differs by 5%.
  const row = [0.01, -0.01, 0.01, -0.01];
  const ln = new LayerNorm(tf.ones([4]), tf.zeros([4]));
  const out = tf.tidy(() => ln.apply(tf.tensor2d([row])).dataSync());
  const expected = row.map((v) => v / Math.sqrt(1e-4 + 1e-5));
  out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  ln.dispose();
});
