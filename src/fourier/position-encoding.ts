/**
 * The fixed 2D Fourier position features of PerceiverFourierPositionEncoding, as the vision
 * checkpoints configure them: 64 bands per dimension, sin and cos, with the raw positions
 * concatenated in front (2 + 2*2*64 = 258 features per token). Only the max resolution differs:
 * (224, 224) on the pixel grid of the Fourier model, (56, 56) on the pooled grid of ConvProcessing.
 */
import { linspaceFloat32 } from './linspace';

export const NUM_BANDS = 64;
export const NUM_POSITION_FEATURES = 2 + 2 * 2 * NUM_BANDS;

/** [rows, columns]; hard-coded per class in Hugging Face, so the bands do not depend on the input size. */
export type MaxResolution = readonly [number, number];
/** PerceiverForImageClassificationFourier's max_resolution. */
export const PIXELS_MAX_RESOLUTION: MaxResolution = [224, 224];
/** PerceiverForImageClassificationConvProcessing's max_resolution (not its 55 x 55 grid). */
export const CONV_MAX_RESOLUTION: MaxResolution = [56, 56];

/** Frequency bands f_k = linspace(1, res/2, 64) per dimension: [2][64] (row dimension first). */
export function frequencyBands(maxResolution: MaxResolution): Float32Array[] {
  return maxResolution.map((res) => linspaceFloat32(1, res / 2, NUM_BANDS));
}

/**
 * sin and cos of pi * f_k * p for each position p of one dimension: [n][64] each. A token's
 * features only depend on its row and its column, so these tables hold every value once.
 */
function bandTables(positions: Float32Array, bands: Float32Array): { sin: Float32Array; cos: Float32Array } {
  const f = Math.fround;
  const pi = f(Math.PI);
  const sin = new Float32Array(positions.length * NUM_BANDS);
  const cos = new Float32Array(positions.length * NUM_BANDS);
  positions.forEach((p, i) => {
    for (let k = 0; k < NUM_BANDS; k++) {
      const arg = f(pi * f(p * bands[k])); // float32 rounding of each step, as torch computes it
      sin[i * NUM_BANDS + k] = Math.sin(arg);
      cos[i * NUM_BANDS + k] = Math.cos(arg);
    }
  });
  return { sin, cos };
}

/**
 * Position features for an H x W input, row-major over tokens (t = row*W + col): [M=H*W, 258] as a
 * flat Float32Array. Feature order per token: [row, col, sin(pi f row) x64, sin(pi f col) x64,
 * cos(pi f row) x64, cos(pi f col) x64].
 */
export function fourierPositionFeatures(height: number, width: number, maxResolution: MaxResolution): Float32Array {
  const rows = linspaceFloat32(-1, 1, height);
  const cols = linspaceFloat32(-1, 1, width);
  const [rowBands, colBands] = frequencyBands(maxResolution);
  const r = bandTables(rows, rowBands);
  const c = bandTables(cols, colBands);
  const C = NUM_POSITION_FEATURES;
  const B = NUM_BANDS;
  const out = new Float32Array(height * width * C);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = (y * width + x) * C;
      out[base] = rows[y];
      out[base + 1] = cols[x];
      out.set(r.sin.subarray(y * B, (y + 1) * B), base + 2);
      out.set(c.sin.subarray(x * B, (x + 1) * B), base + 2 + B);
      out.set(r.cos.subarray(y * B, (y + 1) * B), base + 2 + 2 * B);
      out.set(c.cos.subarray(x * B, (x + 1) * B), base + 2 + 3 * B);
    }
  }
  return out;
}
