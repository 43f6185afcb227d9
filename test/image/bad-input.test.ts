/** Hostile and broken inputs are refused with an ImageError naming the file, never a hang or crash. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageError } from '../../src/errors';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { fixturePath } from '../fixtures';
import { jpegClaiming, pngClaiming } from '../hostile/corpus';

const processor = new PerceiverImageProcessor();
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perceiver-bad-input-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await stopDecoderWorker();
});

function writeFile(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

async function refusal(input: string | Uint8Array): Promise<ImageError> {
  const error = await processor.resized(input, 3).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  return error as ImageError;
}

test('an empty file', async () => {
  const p = writeFile('empty.jpg', '');
  expect((await refusal(p)).message).toBe(`${p}: file is empty (0 bytes)`);
});

test('a missing file names the path', async () => {
  const p = path.join(dir, 'no-such-file.png');
  expect((await refusal(p)).message).toMatch(new RegExp(`^${p}: cannot read .*ENOENT`));
});

test('a text file named .png', async () => {
  const p = writeFile('notes.png', 'these are not pixels\n');
  expect((await refusal(p)).message).toBe(`${p}: not a recognised image format (expected PNG, JPEG, GIF, BMP or TIFF)`);
});

test('a truncated JPEG (cut in the image data)', async () => {
  const jpeg = fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg'));
  const p = writeFile('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  expect((await refusal(p)).message).toMatch(new RegExp(`^${p}: image file is truncated \\(JPEG`));
});

test('a JPEG cut inside its headers', async () => {
  const jpeg = fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg'));
  expect((await refusal(jpeg.subarray(0, 40))).message).toMatch(/^buffer #3: JPEG without a frame header/);
});

test('a truncated PNG', async () => {
  const png = fs.readFileSync(fixturePath('preprocess', 'chelsea.png'));
  expect((await refusal(png.subarray(0, 5000))).message).toMatch(/^buffer #3: image file is truncated: /);
});

test('a corrupt JPEG (garbage in the entropy-coded data) is refused or decoded, never a crash', async () => {
  const jpeg = Buffer.from(fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg')));
  jpeg.fill(0xff, 2000, 2100);
  const error = await processor.resized(jpeg).then(() => undefined, (e: unknown) => e);
  if (error) expect((error as Error).message).toMatch(/^buffer #0: cannot decode JPEG: /);
  // The worker survives a libjpeg error: the next file still decodes.
  const ok = await processor.resized(fixturePath('preprocess', 'chelsea.jpg'));
  expect(ok.width).toBe(224);
});

// JPEG frame headers hold 16-bit sizes, so its largest claim is 65535 x 65535.
describe.each([
  ['PNG', pngClaiming, 100_000],
  ['JPEG', jpegClaiming, 65_535],
])('a %s whose header claims a huge size', (_format, craft, side) => {
  test('is refused from the header, before decoding, naming the file and the size', async () => {
    const p = writeFile('bomb', craft(side, side));
    expect((await refusal(p)).message).toBe(
      `${p}: ${side}x${side} = ${side * side} pixels exceeds the limit of 89478485 ` +
        `(Pillow's MAX_IMAGE_PIXELS; refused as a possible decompression bomb)`,
    );
  });

  test('just above the limit is refused; the crafted header itself parses', async () => {
    expect((await refusal(craft(9460, 9459))).message).toMatch(/^buffer #3: 9460x9459 = 89482140 pixels exceeds the limit of 89478485/);
    // Below the limit the same crafted file gets past the guard and fails only in the decoder.
    expect((await refusal(craft(64, 64))).message).not.toMatch(/exceeds the limit/);
  });
});

test('raw pixels: wrong length, bad channel count, too many pixels', async () => {
  const bad = [
    [{ data: new Uint8Array(10), width: 2, height: 2, channels: 3 as const }, /^pixels #3: expected 2x2x3 = 12 bytes of pixel data, got 10/],
    [{ data: new Uint8Array(8), width: 2, height: 2, channels: 2 as unknown as 3 }, /^pixels #3: channels must be 3 \(RGB\) or 4 \(RGBA\), got 2/],
    [{ data: new Uint8Array(3), width: 100_000, height: 100_000, channels: 3 as const }, /^pixels #3: 100000x100000 = 10000000000 pixels exceeds/],
  ] as const;
  for (const [pixels, message] of bad) {
    const error = await processor.resized(pixels, 3).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toMatch(message);
  }
});

test('preprocess names the failing input of a batch', async () => {
  const good = fixturePath('preprocess', 'coffee_small.png');
  await expect(processor.preprocess([good, good, Buffer.from('GIF89a')])).rejects.toThrow(/^buffer #2: GIF shorter than its 10-byte header/);
});
