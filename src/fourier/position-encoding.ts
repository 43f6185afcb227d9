/**
 * The fixed 2D Fourier position features of PerceiverFourierPositionEncoding, as the vision
 * checkpoint configures them: 64 bands per dimension, max resolution 224 x 224, sin and cos, with
 * the raw positions concatenated in front. 2 + 2*2*64 = 258 features per token.
 */
import { linspaceFloat32 } from './linspace';

export const NUM_BANDS = 64;
/** Hard-coded in the Hugging Face class: the bands do not depend on the input size. */
export const MAX_RESOLUTION = [224, 224] as const;
export const NUM_POSITION_FEATURES = 2 + 2 * 2 * NUM_BANDS;

/** Frequency bands f_k = linspace(1, res/2, 64) per dimension: [2][64] (row dimension first). */
export function frequencyBands(): Float32Array[] {
  return MAX_RESOLUTION.map((res) => linspaceFloat32(1, res / 2, NUM_BANDS));
}

/**
 * Position features for an H x W input, row-major over tokens (t = row*W + col): [M=H*W, 258] as a
 * flat Float32Array. Feature order per token: [row, col, sin(pi f row) x64, sin(pi f col) x64,
 * cos(pi f row) x64, cos(pi f col) x64], every step rounded to float32 as torch computes it.
 */
export function fourierPositionFeatures(height: number, width: number): Float32Array {
  const f = Math.fround;
  const pi = f(Math.PI);
  const rows = linspaceFloat32(-1, 1, height);
  const cols = linspaceFloat32(-1, 1, width);
  const bands = frequencyBands();
  const C = NUM_POSITION_FEATURES;
  const out = new Float32Array(height * width * C);
  const args = new Float32Array(2 * NUM_BANDS);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const base = (r * width + c) * C;
      const pos = [rows[r], cols[c]];
      out[base] = pos[0];
      out[base + 1] = pos[1];
      for (let d = 0; d < 2; d++) {
        for (let k = 0; k < NUM_BANDS; k++) args[d * NUM_BANDS + k] = f(pi * f(pos[d] * bands[d][k]));
      }
      for (let j = 0; j < 2 * NUM_BANDS; j++) {
        out[base + 2 + j] = Math.sin(args[j]);
        out[base + 2 + 2 * NUM_BANDS + j] = Math.cos(args[j]);
      }
    }
  }
  return out;
}
