/**
 * A small but non-trivial image set made in the tests: three kinds of pattern (horizontal stripes,
 * vertical stripes, checkerboard) with a random period, phase, colours and pixel noise per image.
 * Each kind leans to one colour channel (its stripes are brightest there, by a random margin): the
 * tiny fixture model's random, frozen encoder sees colour far better than orientation.
 */
import { SeededRandom } from '../../src/train/random';

export const PATTERNS = ['horizontal', 'vertical', 'checks'] as const;

/** RGB bytes [H, W, 3] of one pattern image. */
export function patternImage(kind: number, size: number, random: SeededRandom): Uint8Array {
  const period = 2 + Math.floor(random.next() * 3);
  const phase = Math.floor(random.next() * period * 2);
  const fg = [0, 1, 2].map((c) => (c === kind ? 170 + random.next() * 85 : 60 + random.next() * 110));
  const bg = [0, 1, 2].map(() => random.next() * 100);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const band = (v: number) => Math.floor((v + phase) / period) % 2;
      const on = kind === 0 ? band(y) : kind === 1 ? band(x) : band(x) ^ band(y);
      for (let c = 0; c < 3; c++) {
        const v = (on ? fg[c] : bg[c]) + (random.next() - 0.5) * 40;
        out[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

/** pixel_values of one image: [3, H, W], scaled to [-1, 1]. */
export function patternPixels(kind: number, size: number, random: SeededRandom): Float32Array {
  const rgb = patternImage(kind, size, random);
  const out = new Float32Array(3 * size * size);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) out[c * size * size + i] = (rgb[i * 3 + c] / 255 - 0.5) / 0.5;
  return out;
}
