/**
 * Pillow's 8-bit BICUBIC resize, reimplemented for bit-exact parity (fixtures README, section 2):
 * separable, horizontal pass first into an 8-bit intermediate, antialiasing support widening when
 * shrinking, and 22-bit fixed-point coefficients. A float version of the same filter differs by up
 * to 7 levels, so every rounding step here is deliberate.
 */
import { RgbImage } from './rgb-image';

const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const CHANNELS = 3;

/** Keys cubic convolution kernel with a = -0.5, as Pillow's bicubic_filter. */
function bicubic(x: number): number {
  const a = -0.5;
  const t = x < 0 ? -x : x;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Taps of one axis: output i reads input samples first[i] .. first[i] + count[i] - 1. */
interface AxisCoefficients {
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `maxTaps` slots per output sample. */
  weights: Int32Array;
  maxTaps: number;
}

function axisCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const invFilterScale = 1 / filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * maxTaps);
  const raw = new Float64Array(maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const taps = hi - lo;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const w = bicubic((j + lo - center + 0.5) * invFilterScale);
      raw[j] = w;
      sum += w;
    }
    for (let j = 0; j < taps; j++) {
      const w = sum !== 0 ? raw[j] / sum : raw[j];
      // Round half away from zero, then truncate toward zero: Pillow's (int)(w * 2^22 +/- 0.5).
      weights[i * maxTaps + j] = Math.trunc(w < 0 ? w * ONE - 0.5 : w * ONE + 0.5);
    }
    first[i] = lo;
    count[i] = taps;
  }
  return { first, count, weights, maxTaps };
}

/** Pillow's clip8: the accumulator already holds the rounding half; shift and clamp to 0..255. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resampleRows(src: RgbImage, outWidth: number): RgbImage {
  const { first, count, weights, maxTaps } = axisCoefficients(src.width, outWidth);
  const out = new Uint8Array(outWidth * src.height * CHANNELS);
  const inRow = src.width * CHANNELS;
  for (let y = 0; y < src.height; y++) {
    const rowStart = y * inRow;
    let o = y * outWidth * CHANNELS;
    for (let x = 0; x < outWidth; x++) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      const k = x * maxTaps;
      let s = rowStart + first[x] * CHANNELS;
      for (let j = 0; j < count[x]; j++, s += CHANNELS) {
        const w = weights[k + j];
        r += src.data[s] * w;
        g += src.data[s + 1] * w;
        b += src.data[s + 2] * w;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return { width: outWidth, height: src.height, data: out };
}

function resampleColumns(src: RgbImage, outHeight: number): RgbImage {
  const { first, count, weights, maxTaps } = axisCoefficients(src.height, outHeight);
  const rowBytes = src.width * CHANNELS;
  const out = new Uint8Array(rowBytes * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const k = y * maxTaps;
    const top = first[y] * rowBytes;
    const taps = count[y];
    const o = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      let acc = HALF;
      for (let j = 0, s = top + i; j < taps; j++, s += rowBytes) acc += src.data[s] * weights[k + j];
      out[o + i] = clip8(acc);
    }
  }
  return { width: src.width, height: outHeight, data: out };
}

/** Resizes like Pillow's `Image.resize((width, height), Image.BICUBIC)` on an RGB image. */
export function resizeBicubic(src: RgbImage, width: number, height: number): RgbImage {
  const horizontal = width !== src.width ? resampleRows(src, width) : src;
  const vertical = height !== src.height ? resampleColumns(horizontal, height) : horizontal;
  return vertical === src ? { width, height, data: src.data.slice() } : vertical;
}
