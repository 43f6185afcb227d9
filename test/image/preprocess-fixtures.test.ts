/** Bit-exact parity with Hugging Face's PerceiverImageProcessor (PIL path) on the preprocess fixtures. */
import * as fs from 'fs';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { decodeRgba, stopDecoderWorker } from '../../src/image/decoder-worker';
import { tf } from '../../src/tf';
import { fixturePath, readFixture, readFixtureJson } from '../fixtures';

interface Manifest {
  cases: { name: string; image: string; expected: string; crop: { top: number; left: number; height: number; width: number } }[];
}

const CASES = readFixtureJson<Manifest>('preprocess', 'manifest.json').cases;
const processor = new PerceiverImageProcessor();

afterAll(stopDecoderWorker);

/** Index and values of the first difference, for a readable failure. */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): string {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  let count = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      count++;
      if (first < 0) first = i;
    }
  }
  return count === 0 ? 'identical' : `${count} differ, first at ${first}: ${actual[first]} vs ${expected[first]}`;
}

test('the manifest lists all eight cases', () => {
  expect(CASES.map((c) => c.name).sort()).toEqual(
    ['astronaut_rgba_png', 'camera_gray_png', 'chelsea_exif6_jpg', 'chelsea_jpg', 'chelsea_png', 'coffee_jpg', 'coffee_small_png', 'rocket_portrait_png'],
  );
});

describe.each(CASES)('$name', ({ image, expected }) => {
  test('resized_uint8 is bit-exact (decode, orientation, crop, Pillow bicubic)', async () => {
    const want = (await readFixture('preprocess', expected)).rawBytes('resized_uint8');
    const got = await processor.resized(fixturePath('preprocess', image));
    expect([got.width, got.height]).toEqual([224, 224]);
    expect(firstDifference(got.data, want)).toBe('identical');
  });

  test('pixel_values is bit-exact, from a path and from a Buffer', async () => {
    const want = (await readFixture('preprocess', expected)).float32('pixel_values');
    const bytes = fs.readFileSync(fixturePath('preprocess', image));
    const pixelValues = await processor.preprocess([fixturePath('preprocess', image), bytes]);
    try {
      expect(pixelValues.shape).toEqual([2, 3, 224, 224]);
      expect(pixelValues.dtype).toBe('float32');
      const values = pixelValues.dataSync();
      expect(firstDifference(values.subarray(0, want.length), want)).toBe('identical');
      expect(firstDifference(values.subarray(want.length), want)).toBe('identical');
    } finally {
      pixelValues.dispose();
    }
  });
});

test('decoded RGBA pixels give the same result as the file (alpha dropped)', async () => {
  const bitmap = await decodeRgba('jimp', fs.readFileSync(fixturePath('preprocess', 'astronaut_rgba.png')));
  const want = (await readFixture('preprocess', 'astronaut_rgba_png.safetensors')).float32('pixel_values');
  const pixelValues = await processor.preprocess({ data: bitmap.data, width: bitmap.width, height: bitmap.height, channels: 4 });
  expect(firstDifference(pixelValues.dataSync(), want)).toBe('identical');
  pixelValues.dispose();
  expect(tf.memory().numTensors).toBe(0);
});
