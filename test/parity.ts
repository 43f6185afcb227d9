/**
 * Parity checks against the fixtures. Tolerances are the ones the fixtures README derives from the
 * measured float32 noise (fp32 vs fp64 arithmetic and float32 position features):
 *  - logits: 1e-4 absolute (>= 3x above a correct port's noise, >= 2x below the smallest mistake);
 *  - intermediates: 2e-4 x max|expected| of that tensor;
 *  - attention probabilities: 5e-5 absolute; Fourier features: 1e-4 absolute.
 */
import { tf } from '../src/tf';
import { SafetensorsFile } from '../src/weights/safetensors';
import { maxAbs, maxAbsDiff } from './fixtures';

export const LOGITS_ABS_TOL = 1e-4;
export const INTERMEDIATE_REL_TOL = 2e-4;
export const ATTENTION_ABS_TOL = 5e-5;
export const FOURIER_ABS_TOL = 1e-4;

export type Tolerance = { abs: number } | { rel: number };

/** Measured differences, printed by the suites for the record (closing notes, BENCHMARKS.md). */
export const measured: { name: string; maxAbs: number; maxRel: number }[] = [];

export function expectMatches(
  name: string,
  actual: tf.Tensor | Float32Array,
  expected: SafetensorsFile,
  expectedName: string,
  tol: Tolerance,
): void {
  const info = expected.info(expectedName);
  const want = expected.float32(expectedName);
  let got: Float32Array;
  if (actual instanceof tf.Tensor) {
    if (JSON.stringify(actual.shape) !== JSON.stringify(info.shape)) {
      throw new Error(`${name}: shape [${actual.shape}] but ${expectedName} is [${info.shape}]`);
    }
    got = actual.dataSync() as Float32Array;
  } else {
    got = actual;
  }
  const diff = maxAbsDiff(got, want);
  const scale = maxAbs(want);
  measured.push({ name, maxAbs: diff, maxRel: diff / scale });
  const limit = 'abs' in tol ? tol.abs : tol.rel * scale;
  if (!(diff <= limit)) {
    throw new Error(`${name}: max |ours - ${expectedName}| = ${diff.toExponential(3)} exceeds ${limit.toExponential(3)} (max|expected| = ${scale.toExponential(3)})`);
  }
  expect(diff).toBeLessThanOrEqual(limit);
}

export function printMeasured(title: string): void {
  const lines = measured.map((m) => `  ${m.name.padEnd(60)} max abs ${m.maxAbs.toExponential(2)}  rel ${m.maxRel.toExponential(2)}`);
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
}
