/** An 8-bit RGB image, 3 bytes per pixel, rows top to bottom: what every stage of preprocessing passes on. */
export interface RgbImage {
  width: number;
  height: number;
  /** Length width * height * 3, channel order R, G, B. */
  data: Uint8Array;
}

/** Already-decoded pixels handed in by a caller: RGB or RGBA (alpha is dropped, never composited). */
export interface RawPixels {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** Keeps R, G, B of interleaved pixels with `channels` bytes each (the reference loader drops alpha). */
export function toRgb(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number): RgbImage {
  const pixels = width * height;
  if (channels === 3) return { width, height, data: Uint8Array.from(data.subarray(0, pixels * 3)) };
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0, s = 0, d = 0; p < pixels; p++, s += channels, d += 3) {
    rgb[d] = data[s];
    rgb[d + 1] = data[s + 1];
    rgb[d + 2] = data[s + 2];
  }
  return { width, height, data: rgb };
}
