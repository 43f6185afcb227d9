/** Copies a strided view (torch's storage offset, shape, stride) out of storage bytes, row-major. */

/** `offset` and `stride` count elements of `elementBytes` each. Contiguous views are sliced without a loop. */
export function gatherStridedView(storage: Uint8Array, elementBytes: number, offset: number, shape: readonly number[], stride: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (isContiguous(shape, stride)) return storage.subarray(offset * elementBytes, (offset + count) * elementBytes);
  const out = new Uint8Array(count * elementBytes);
  const index = new Array<number>(shape.length).fill(0);
  let source = offset;
  for (let i = 0; i < count; i++) {
    out.set(storage.subarray(source * elementBytes, (source + 1) * elementBytes), i * elementBytes);
    // Odometer over the dimensions, last one fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      source += stride[d];
      if (++index[d] < shape[d]) break;
      source -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Row-major contiguous; dimensions of size 1 may have any stride (torch does not normalise them). */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
