/**
 * The attention rollout computed in float64 from stored Hugging Face attentions (the fixtures'
 * `attentions.{l}` [B, Hs, N, N], `cross_attentions.0` [B, Hc, N, M], `cross_attentions.1` [B, 1, 1, N]),
 * straight from the formulas of issue 13 / docs/explain.md, independently of src/explain:
 *   Āc, Āl, ād = means over heads;  R = (0.5 Ā_L + 0.5 I) ... (0.5 Ā_1 + 0.5 I)
 *   latent weights w = ād R [N];  rollout r = w Āc [M];  latent maps = rows of Āc.
 */
import { SafetensorsFile } from '../../src/weights/safetensors';

export interface ExpectedRollout {
  /** Per image: w [N], r [M], Āc [N * M]. */
  weights: Float64Array[];
  rollout: Float64Array[];
  crossMean: Float64Array[];
  N: number;
  M: number;
}

/** Mean over heads of image b of a [B, H, Q, K] tensor: [Q * K]. */
function headMean(values: Float32Array, shape: number[], b: number): Float64Array {
  const [, H, Q, K] = shape;
  const size = Q * K;
  const out = new Float64Array(size);
  for (let h = 0; h < H; h++) {
    const base = (b * H + h) * size;
    for (let i = 0; i < size; i++) out[i] += values[base + i];
  }
  for (let i = 0; i < size; i++) out[i] /= H;
  return out;
}

/** Row vector times matrix: v [n] · A [n, m] -> [m]. */
function vecMat(v: Float64Array, a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const vi = v[i];
    for (let j = 0; j < m; j++) out[j] += vi * a[i * m + j];
  }
  return out;
}

/** A [n, n] · B [n, n]. */
function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

/** `prefix` '' or 'nonsquare.'; `numLayers` = num_blocks x num_self_attends_per_block. */
export function expectedRollout(expected: SafetensorsFile, prefix: string, numLayers: number): ExpectedRollout {
  const crossName = `${prefix}cross_attentions.0`;
  const crossShape = expected.shapeOf(crossName);
  const [B, , N, M] = crossShape;
  const cross = expected.float32(crossName);
  const dec = expected.float32(`${prefix}cross_attentions.1`);
  const decShape = expected.shapeOf(`${prefix}cross_attentions.1`);
  const layers = Array.from({ length: numLayers }, (_, l) => ({ values: expected.float32(`${prefix}attentions.${l}`), shape: expected.shapeOf(`${prefix}attentions.${l}`) }));
  const out: ExpectedRollout = { weights: [], rollout: [], crossMean: [], N, M };
  for (let b = 0; b < B; b++) {
    // R = I, then R <- (0.5 Āl + 0.5 I) R for l = 1..L (later layers on the left).
    let R: Float64Array = new Float64Array(N * N);
    for (let i = 0; i < N; i++) R[i * N + i] = 1;
    for (const layer of layers) {
      const Rl = headMean(layer.values, layer.shape, b).map((v) => 0.5 * v);
      for (let i = 0; i < N; i++) Rl[i * N + i] += 0.5;
      R = matMul(Rl, R, N);
    }
    const w = vecMat(headMean(dec, decShape, b), R, N, N);
    const crossMean = headMean(cross, crossShape, b);
    out.weights.push(w);
    out.crossMean.push(crossMean);
    out.rollout.push(vecMat(w, crossMean, N, M));
  }
  return out;
}

/** max |got - want| / max |want|. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length mismatch: ${got.length} vs ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}
