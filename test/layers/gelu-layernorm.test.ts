/**
 * The two smallest porting mistakes of the fixtures' discriminativeness table, checked in
 * isolation: tanh-approximate GELU (moves logits only 2e-4 .. 1e-3) and the LayerNorm eps.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { gelu } from '../../src/layers/mlp';
import { LayerNorm, LAYER_NORM_EPS } from '../../src/layers/layer-norm';
import { registerTrainingGradients } from '../../src/train/gradients';

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

test("LayerNorm's own gradient (dx, dweight, dbias) matches float64 central differences of the formula", () => {
  const [R, C] = [3, 5];
  const x = Array.from({ length: R * C }, (_, i) => Math.sin(i * 1.7) * 2 + (i % C) * 0.3);
  const w = Array.from({ length: C }, (_, i) => 0.5 + 0.25 * i);
  const b = Array.from({ length: C }, (_, i) => 0.1 * i - 0.2);
  const c = Array.from({ length: R * C }, (_, i) => Math.cos(i * 0.9)); // loss = sum(c * LN(x))
  const loss64 = (xv: number[], wv: number[], bv: number[]) => {
    let total = 0;
    for (let r = 0; r < R; r++) {
      const row = xv.slice(r * C, (r + 1) * C);
      const mean = row.reduce((s, v) => s + v, 0) / C;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / C;
      row.forEach((v, j) => (total += c[r * C + j] * (((v - mean) / Math.sqrt(variance + LAYER_NORM_EPS)) * wv[j] + bv[j])));
    }
    return total;
  };
  const h = 1e-6;
  const central = (values: number[], at: (v: number[]) => number) =>
    values.map((_, i) => {
      const up = values.slice();
      const down = values.slice();
      up[i] += h;
      down[i] -= h;
      return (at(up) - at(down)) / (2 * h);
    });
  const want = [central(x, (v) => loss64(v, w, b)), central(w, (v) => loss64(x, v, b)), central(b, (v) => loss64(x, w, v))];

  registerTrainingGradients();
  const ln = new LayerNorm(tf.tensor1d(w), tf.tensor1d(b));
  const xt = tf.tensor2d(x, [R, C]);
  const before = tf.memory().numTensors;
  const { value, grads } = tf.engine().gradients(() => tf.sum(tf.mul(ln.apply(xt), tf.tensor2d(c, [R, C]))), [xt, ln.weight, ln.bias]);
  expect(value.dataSync()[0]).toBeCloseTo(loss64(x, w, b), 4);
  // float32 arithmetic on values of order 1: ~1e-6; the differences' own error is ~1e-8.
  grads.forEach((g, k) => g.dataSync().forEach((v, i) => expect(Math.abs(v - want[k][i])).toBeLessThan(1e-5)));
  tf.dispose([value, ...grads]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([xt]);
  ln.dispose();
});
