/**
 * Finding NaN and ±Inf: one NaN weight makes every output NaN, and a NaN ranking looks like a
 * result. Weights are checked on load (48 M values, ~40 ms), model outputs before they are ranked.
 */

/** Index of the first NaN or ±Inf in `values`, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  // v * 0 is ±0 for finite v and NaN for NaN and ±Inf, so one branch-free pass finds out whether
  // there is anything to locate; twice as fast as testing each element.
  let acc = 0;
  for (let i = 0; i < values.length; i++) acc += values[i] * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] !== 0) return i;
  return -1;
}

/** The row-major multi-dimensional index of a flat index into `shape`, e.g. 263 in [2, 261] -> [1, 2]. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/** "NaN at element 263 (index [1, 2] of shape [2, 261])", or undefined when every value is finite. */
export function describeNonFinite(values: ArrayLike<number>, shape: readonly number[]): string | undefined {
  const i = firstNonFinite(values);
  if (i < 0) return undefined;
  return `${values[i]} at element ${i} (index [${unravelIndex(i, shape).join(', ')}] of shape [${shape.join(', ')}])`;
}
