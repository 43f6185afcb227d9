/**
 * Issue 15, items 3-5 (images): truncated PNG and JPEG refused as Pillow refuses them, with the
 * path; every file's error its own, however many are decoded at once; reasons a user can act on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageError } from '../../src/errors';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { loadRgb } from '../../src/image/image-input';
import { fixturePath } from '../fixtures';
import { runCli } from '../tools/run-cli';
import { makeTempDir, removeDir } from '../tmp-dir';
import { badImages, jpegBogusHuffman, jpegCutAtScan, readableDamagedPngs } from './corpus';

const processor = new PerceiverImageProcessor();
let work: string;
beforeAll(() => {
  work = makeTempDir('hostile-images');
});
afterAll(async () => {
  removeDir(work);
  await stopDecoderWorker();
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Messages of decoder internals a user cannot act on, which no refusal may show. */
const UNACTIONABLE = [/Program terminated with exit/, /read requests waitng/, /Could not find MIME/, /unrecognised content at end of stream/];

async function refusal(file: string): Promise<Error> {
  const error = await loadRgb(file, 0).then(() => undefined, (e: unknown) => e as Error);
  expect(error).toBeInstanceOf(ImageError);
  return error!;
}

test.each(badImages())('$name is refused with the path and its own reason', async ({ name, bytes, message }) => {
  const file = path.join(work, `${name.replace(/[^a-z0-9]+/gi, '-')}.img`);
  fs.writeFileSync(file, bytes());
  const error = await refusal(file);
  expect(error.message.startsWith(`${file}: `)).toBe(true);
  expect(error.message.slice(file.length + 2)).toMatch(message);
  for (const bad of UNACTIONABLE) expect(error.message).not.toMatch(bad);
});

test('the truncated 9000x9000 PNG is refused before any pixel memory is allocated', async () => {
  const file = path.join(work, 'claims-9000.png');
  fs.writeFileSync(file, badImages()[0].bytes());
  const started = Date.now();
  const before = process.memoryUsage().rss;
  await refusal(file);
  // Decoding would allocate 9000 x 9000 x 4 = 324 MB of RGBA (and took 17 s); the bounds only catch that.
  expect(process.memoryUsage().rss - before).toBeLessThan(100 << 20);
  expect(Date.now() - started).toBeLessThan(5000);
});

test.each(readableDamagedPngs())('$name is read as Pillow reads it: the intact pixels', async ({ bytes }) => {
  const intact = await loadRgb(fixturePath('preprocess', 'chelsea.png'), 0);
  const damaged = await loadRgb(bytes(), 0);
  expect([damaged.width, damaged.height]).toEqual([intact.width, intact.height]);
  expect(Buffer.from(damaged.data).equals(Buffer.from(intact.data))).toBe(true);
});

describe('each image gets its own error', () => {
  const good = () => fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg'));

  test('decoded at once (one batch): two bad JPEGs and a good one', async () => {
    // The first batch also starts the codec; before the fix every error held every file's messages and the good file was refused.
    await stopDecoderWorker();
    const inputs = [jpegBogusHuffman(), jpegCutAtScan(), good(), jpegBogusHuffman()];
    const results = await Promise.all(inputs.map((b, i) => processor.resized(b, i).then(() => 'decoded', (e: Error) => e.message)));
    expect(results).toEqual([
      'buffer #0: cannot decode JPEG: JPEG data is corrupt (decoder: Bogus Huffman table definition)',
      'buffer #1: image file is truncated (JPEG, 611 bytes; libjpeg: Premature end of JPEG file)',
      'decoded',
      'buffer #3: cannot decode JPEG: JPEG data is corrupt (decoder: Bogus Huffman table definition)',
    ]);
  });

  test('the classify CLI: one line per file with only its own message', () => {
    const dir = path.join(work, 'cli');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a-huffman.jpg'), jpegBogusHuffman());
    fs.writeFileSync(path.join(dir, 'b-cut.jpg'), jpegCutAtScan());
    fs.writeFileSync(path.join(dir, 'c-good.jpg'), good());
    fs.writeFileSync(path.join(dir, 'd-huffman.jpg'), jpegBogusHuffman());
    const r = runCli(['classify', '--model', fixturePath('tiny'), '--json', '--top-k', '1', dir]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; error?: string; predictions?: unknown[] });
    const byName = Object.fromEntries(lines.map((l) => [path.basename(l.file), l]));
    for (const name of ['a-huffman.jpg', 'd-huffman.jpg']) {
      expect(byName[name].error).toBe(`${path.join(dir, name)}: cannot decode JPEG: JPEG data is corrupt (decoder: Bogus Huffman table definition)`);
    }
    expect(byName['b-cut.jpg'].error).toMatch(new RegExp(`^${escape(path.join(dir, 'b-cut.jpg'))}: image file is truncated \\(JPEG, \\d+ bytes; libjpeg: Premature end of JPEG file\\)$`));
    expect(byName['c-good.jpg'].predictions).toHaveLength(1);
  });
});
