/** ImageClassifier end to end on the tiny fixture model: files in, labels out, against the model on the expected pixel_values. */
import * as fs from 'fs';
import { ImageClassifier } from '../src/classifier';
import { ImageError, InputError } from '../src/errors';
import { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { tf } from '../src/tf';
import { referencePrediction, Reference } from './classify-helpers';
import { fixturePath, readFixtureJson } from './fixtures';

let clf: ImageClassifier;
let chelsea: Reference;
let coffee: Reference;
const labels = readFixtureJson<{ id2label: Record<string, string> }>('tiny', 'config.json').id2label;

beforeAll(async () => {
  clf = await ImageClassifier.fromPretrained(fixturePath('tiny'));
  const model = clf.model as PerceiverForImageClassificationFourier; // one worker: the model on this thread
  chelsea = await referencePrediction(model, 'chelsea_exif6_jpg.safetensors');
  coffee = await referencePrediction(model, 'coffee_small_png.safetensors');
});
afterAll(async () => {
  await clf.dispose();
  await stopDecoderWorker();
});

test('classify: top-k labels, scores and indices match the model on the expected pixel_values', async () => {
  const bytes = fs.readFileSync(fixturePath('preprocess', 'coffee_small.png'));
  const [first, second] = await clf.classify([fixturePath('preprocess', 'chelsea_exif6.jpg'), bytes], { topK: 3, batchSize: 2 });
  for (const [result, ref] of [[first, chelsea], [second, coffee]] as const) {
    expect(result.map((p) => p.index)).toEqual(ref.order.slice(0, 3));
    expect(result.map((p) => p.label)).toEqual(ref.order.slice(0, 3).map((i) => labels[String(i)]));
    // Same pixel_values (bit-exact) through the same model: equal up to batch-size effects in the kernels.
    result.forEach((p) => expect(p.score).toBeCloseTo(ref.probabilities[p.index], 5));
  }
});

test('classifyEach: a bad image yields an error result, the others are classified; no tensors leak', async () => {
  const good = fixturePath('preprocess', 'chelsea_exif6.jpg');
  await clf.classify([good], { topK: 1 }); // warm-up: the model caches 224x224 position features
  const before = tf.memory().numTensors;
  const results = [];
  for await (const r of clf.classifyEach([good, Buffer.from('not an image'), fixturePath('preprocess', 'coffee_small.png')], { topK: 10, batchSize: 2 })) {
    results.push(r);
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(results.map((r) => [r.index, r.input])).toEqual([[0, good], [1, 'buffer #1'], [2, fixturePath('preprocess', 'coffee_small.png')]]);
  expect(results[1].error).toBeInstanceOf(ImageError);
  expect(results[1].error!.message).toMatch(/^buffer #1: not a recognised image format/);
  expect(results[0].predictions!.map((p) => p.index)).toEqual(chelsea.order);
  expect(results[2].predictions!.map((p) => p.index)).toEqual(coffee.order);
  const total = results[0].predictions!.reduce((s, p) => s + p.score, 0);
  expect(total).toBeCloseTo(1, 5);
});

test('classify rejects with the failing image; options are validated', async () => {
  await expect(clf.classify([Buffer.alloc(0)])).rejects.toThrow('buffer #0: file is empty (0 bytes)');
  await expect(clf.classify(['x.png'], { topK: 0 })).rejects.toThrow(InputError);
  await expect(clf.classify(['x.png'], { batchSize: 1.5 })).rejects.toThrow('batchSize must be a positive integer, got 1.5');
});
