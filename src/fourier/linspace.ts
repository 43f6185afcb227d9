/**
 * float32 `torch.linspace` bit for bit, as torch 1.13's x86-64 CPU kernel (AVX2 build) computes it.
 *
 * Why not `tf.linspace`: it is a running float32 sum on the cpu backend, which drifts by up to 5e-5
 * on the frequency bands and moves logits past the parity tolerance (fixtures README, "Numerical
 * noise"). torch computes each value from the start (first half) or the end (second half) with
 * `step = float32(end - start) / (steps - 1)`, in groups of 8 lanes: each group's first value is a
 * fused multiply-add, the other lanes add `j * step` (rounded) to it; the last `steps % 16` values
 * are scalar fused multiply-adds. This reproduces every position and band stored in the fixtures.
 */
const f = Math.fround;

/** float32 fused multiply-add: the float32 product is exact in a double, so one rounding to float32 remains. */
const fma = (a: number, b: number, c: number): number => f(a * b + c);

export function linspaceFloat32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const step = f(f(f(end) - f(start)) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const at = (i: number): number => (i < halfway ? fma(step, i, start) : fma(-step, steps - i - 1, end));
  const LANES = 8;
  let i = 0;
  // torch's vectorized loop handles two 8-lane vectors per iteration while 16 values remain.
  for (; i + 2 * LANES <= steps; i += 2 * LANES) {
    for (const first of [i, i + LANES]) {
      const base = at(first);
      out[first] = base;
      for (let j = 1; j < LANES; j++) out[first + j] = f(base + f(j * step));
    }
  }
  for (; i < steps; i++) out[i] = at(i);
  return out;
}
