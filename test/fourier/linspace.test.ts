/**
 * torch's float32 linspace reproduced bit for bit: the frequency bands and every position column
 * stored in the fixtures (the README explains why a running-sum linspace fails the logit tolerance).
 */
import { linspaceFloat32 } from '../../src/fourier/linspace';
import { frequencyBands, NUM_POSITION_FEATURES, PIXELS_MAX_RESOLUTION } from '../../src/fourier/position-encoding';
import { readFixture } from '../fixtures';

const C = NUM_POSITION_FEATURES;

test('frequency bands equal torch.linspace(1, 112, 64) exactly', async () => {
  const expected = (await readFixture('tiny', 'expected.safetensors')).float32('fourier_freq_bands'); // [2, 64]
  const [rowBands, colBands] = frequencyBands(PIXELS_MAX_RESOLUTION);
  expect(Array.from(rowBands)).toEqual(Array.from(expected.subarray(0, 64)));
  expect(Array.from(colBands)).toEqual(Array.from(expected.subarray(64, 128)));
});

test.each([
  ['tiny', 'pixel_values', ''],
  ['tiny', 'pixel_values_nonsquare', 'nonsquare.'],
  ['tiny-b', 'pixel_values', ''],
  ['tiny-b', 'pixel_values_nonsquare', 'nonsquare.'],
  ['tiny-c', 'pixel_values', ''],
  ['tiny-c', 'pixel_values_nonsquare', 'nonsquare.'],
])('positions of %s %s equal torch.linspace(-1, 1, n) exactly', async (folder, input, prefix) => {
  const [, , H, W] = (await readFixture(folder, 'inputs.safetensors')).info(input).shape;
  const pos = (await readFixture(folder, 'expected.safetensors')).float32(`${prefix}fourier_pos_enc`); // [H*W, 258]
  const rows = Array.from({ length: H }, (_, r) => pos[r * W * C]);
  const cols = Array.from({ length: W }, (_, c) => pos[c * C + 1]);
  expect(Array.from(linspaceFloat32(-1, 1, H))).toEqual(rows);
  expect(Array.from(linspaceFloat32(-1, 1, W))).toEqual(cols);
});

test('224 positions (all vectorised lanes) equal the full fixture, and a running sum does not', async () => {
  const pos = (await readFixture('full', 'expected.safetensors')).float32('fourier_pos_enc_head'); // tokens 0..511: row 0 and 1
  const cols = Array.from({ length: 224 }, (_, c) => pos[c * C + 1]);
  expect(Array.from(linspaceFloat32(-1, 1, 224))).toEqual(cols);
  const running = new Float32Array(224);
  running[0] = -1;
  for (let i = 1; i < 224; i++) running[i] = running[i - 1] + Math.fround(2 / 223);
  expect(Array.from(running)).not.toEqual(cols);
});
