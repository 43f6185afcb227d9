/**
 * EXIF orientation 1..8, expected results built from three primitives (mirror, flip, transpose) as
 * the EXIF specification describes each value; value 6 is also pinned by the chelsea_exif6 fixture.
 */
import * as fs from 'fs';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { applyExifOrientation } from '../../src/image/exif-orientation';
import { loadRgb } from '../../src/image/image-input';
import { readJpegInfo } from '../../src/image/jpeg-markers';
import { RgbImage } from '../../src/image/rgb-image';
import { fixturePath } from '../fixtures';

afterAll(stopDecoderWorker);

type Pixel = (x: number, y: number) => [number, number];

/** out(x, y) = image(source(x, y)), output size given. */
function remap(image: RgbImage, width: number, height: number, source: Pixel): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = source(x, y);
      data.set(image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}
const mirror = (i: RgbImage): RgbImage => remap(i, i.width, i.height, (x, y) => [i.width - 1 - x, y]);
const flip = (i: RgbImage): RgbImage => remap(i, i.width, i.height, (x, y) => [x, i.height - 1 - y]);
const transpose = (i: RgbImage): RgbImage => remap(i, i.height, i.width, (x, y) => [y, x]);

const EXPECTED: Record<number, (i: RgbImage) => RgbImage> = {
  1: (i) => i,
  2: mirror,
  3: (i) => flip(mirror(i)),
  4: flip,
  5: transpose,
  6: (i) => mirror(transpose(i)), // rotate 90 degrees clockwise
  7: (i) => flip(mirror(transpose(i))),
  8: (i) => flip(transpose(i)), // rotate 90 degrees counter-clockwise
};

const sample: RgbImage = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 10) };

test.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i on a 3x2 image', (orientation) => {
  expect(applyExifOrientation(sample, orientation)).toEqual(EXPECTED[orientation](sample));
});

test('values outside 1..8 leave the image as stored', () => {
  expect(applyExifOrientation(sample, 9)).toEqual(sample);
  expect(applyExifOrientation(sample, 0)).toEqual(sample);
});

/** chelsea_exif6.jpg with its orientation tag rewritten to `value`. */
function withOrientation(value: number): Buffer {
  const bytes = Buffer.from(fs.readFileSync(fixturePath('preprocess', 'chelsea_exif6.jpg')));
  const at = bytes.indexOf(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06])); // big-endian entry, SHORT, 1 value
  const atLE = bytes.indexOf(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00]));
  if (at >= 0) bytes[at + 9] = value;
  else if (atLE >= 0) bytes[atLE + 8] = value;
  else throw new Error('orientation entry not found in chelsea_exif6.jpg');
  return bytes;
}

test('the JPEG marker reader finds the fixture orientation and size', () => {
  expect(readJpegInfo(fs.readFileSync(fixturePath('preprocess', 'chelsea_exif6.jpg')))).toEqual({ width: 300, height: 451, orientation: 6 });
  expect(readJpegInfo(fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg')))).toEqual({ width: 451, height: 300, orientation: 1 });
});

test('every orientation value in a real JPEG is applied on decode', async () => {
  const stored = await loadRgb(withOrientation(1), 0);
  expect([stored.width, stored.height]).toEqual([300, 451]);
  for (const value of [2, 3, 4, 5, 6, 7, 8]) {
    const decoded = await loadRgb(withOrientation(value), 0);
    expect(decoded).toEqual(EXPECTED[value](stored));
  }
});
