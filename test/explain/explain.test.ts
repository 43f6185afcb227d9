/**
 * ImageClassifier.explain end to end on the tiny fixture model: image files in, maps and the
 * model-input image out, lined up with Hugging Face's preprocessing; the PNGs made from them.
 */
import * as fs from 'fs';
import { ImageClassifier } from '../../src/classifier';
import { ImageError, InputError, PerceiverError } from '../../src/errors';
import { Explanation } from '../../src/explain/explanation';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { PerceiverWorkerPool } from '../../src/parallel/worker-pool';
import { rolloutPng } from '../../src/render/attention-pictures';
import { fromRgb } from '../../src/render/raster';
import { tf } from '../../src/tf';
import { fixturePath, maxAbsDiff, readFixture } from '../fixtures';
import { decodePng, luma, region } from '../render/png-reading';

const CHELSEA = fixturePath('preprocess', 'chelsea_exif6.jpg');
const COFFEE = fixturePath('preprocess', 'coffee_small.png');

let clf: ImageClassifier;
let model: PerceiverForImageClassificationFourier;
let explained: Explanation[];

beforeAll(async () => {
  clf = await ImageClassifier.fromPretrained(fixturePath('tiny'));
  model = clf.model as PerceiverForImageClassificationFourier;
  explained = await clf.explain([CHELSEA, fs.readFileSync(COFFEE)], { topK: 3, latents: 5 });
});
afterAll(async () => {
  await clf.dispose();
  await stopDecoderWorker();
});

/** The model's rollout on the fixture's pixel_values (Hugging Face's preprocessing of the same file). */
async function reference(expectedFile: string) {
  const px = (await readFixture('preprocess', expectedFile)).float32('pixel_values');
  const x = tf.tensor4d(px, [1, 3, 224, 224]);
  const out = model.attentionRollout(x, { latentMaps: 5 });
  const ref = {
    pixelValues: px,
    rollout: out.rollout.dataSync().slice(),
    weights: out.latentWeights.dataSync().slice(),
    indices: Array.from(out.latentIndices!.dataSync()),
    maps: out.latentMaps!.dataSync().slice(),
    probabilities: tf.tidy(() => tf.softmax(out.logits).dataSync().slice()),
  };
  tf.dispose([x, out.logits, out.rollout, out.latentWeights, out.latentIndices!, out.latentMaps!]);
  return ref;
}

test('explain: the model-input image is the one behind HF pixel_values; maps, latents and predictions are the rollout of it', async () => {
  const { mean, std } = clf.processor.config.normalize!;
  for (const [e, file] of [[explained[0], 'chelsea_exif6_jpg.safetensors'], [explained[1], 'coffee_small_png.safetensors']] as const) {
    const ref = await reference(file);
    expect([e.image.width, e.image.height]).toEqual([224, 224]);
    // Normalising the returned image gives HF's pixel_values (to float32 rounding): it is what the model saw.
    const M = 224 * 224;
    const renormalised = new Float32Array(3 * M);
    for (let p = 0; p < M; p++) for (let c = 0; c < 3; c++) renormalised[c * M + p] = (e.image.data[3 * p + c] / 255 - mean[c]) / std[c];
    expect(maxAbsDiff(renormalised, ref.pixelValues)).toBeLessThan(1e-6);
    expect([e.rollout.height, e.rollout.width]).toEqual([224, 224]);
    expect(maxAbsDiff(e.rollout.data, ref.rollout)).toBe(0);
    expect(e.latents.map((l) => l.index)).toEqual(ref.indices);
    e.latents.forEach((l, i) => {
      expect(l.weight).toBe(ref.weights[l.index]);
      expect(maxAbsDiff(l.map.data, ref.maps.subarray(i * M, (i + 1) * M))).toBe(0);
      if (i > 0) expect(l.weight).toBeLessThanOrEqual(e.latents[i - 1].weight);
    });
    const order = Array.from(ref.probabilities.keys()).sort((a, b) => ref.probabilities[b] - ref.probabilities[a]);
    expect(e.predictions.map((p) => p.index)).toEqual(order.slice(0, 3));
  }
});

test('rollout PNG of a real map: the image exactly where alpha is 0; the hottest map pixel is the hottest overlay pixel', async () => {
  const e = explained[0];
  const atZero = await decodePng(rolloutPng(e.rollout, e.image, { alpha: 0, legend: e.predictions[0].label }));
  expect(Buffer.from(region(atZero, 0, 0, 224, 224).data).equals(Buffer.from(fromRgb(e.image).data))).toBe(true);
  let hottest = 0;
  for (let p = 1; p < e.rollout.data.length; p++) if (e.rollout.data[p] > e.rollout.data[hottest]) hottest = p;
  const image = fromRgb(e.image);
  for (const alpha of [1, 0.5]) {
    const overlay = await decodePng(rolloutPng(e.rollout, e.image, { alpha }));
    expect(overlay.width).toBe(224);
    // Brightness of the heat colour, recovered from the blend (exact at alpha 1).
    const heat = (p: number) => (luma(overlay, p) - (1 - alpha) * luma(image, p)) / alpha;
    let brightest = -Infinity;
    for (let p = 0; p < 224 * 224; p++) brightest = Math.max(brightest, heat(p));
    expect(heat(hottest)).toBeGreaterThanOrEqual(brightest - 1 / alpha); // PNG rounds each channel: +-0.5 / alpha each side
  }
});

test('explainEach: a bad image yields its error, the others are explained; repeated calls leave no tensor behind', async () => {
  const before = tf.memory().numTensors;
  const results = [];
  for await (const r of clf.explainEach([Buffer.from('not an image'), COFFEE], { latents: 0 })) results.push(r);
  expect(tf.memory().numTensors).toBe(before);
  expect(results[0].error).toBeInstanceOf(ImageError);
  expect(results[0].error!.message).toMatch(/^buffer #0: not a recognised image format/);
  expect(results[1].explanation!.latents).toEqual([]);
  expect(results[1].explanation!.predictions).toHaveLength(5);
  await clf.explain([COFFEE], { latents: 20 }); // more than the 16 latents: all of them
  expect(tf.memory().numTensors).toBe(before);
  const [all] = await clf.explain([COFFEE], { latents: 20 });
  expect(all.latents).toHaveLength(16);
});

test('bad options are InputErrors; a worker pool cannot explain', async () => {
  await expect(clf.explain([COFFEE], { latents: -1 })).rejects.toThrow(InputError);
  await expect(clf.explain([COFFEE], { topK: 0 })).rejects.toThrow(/topK must be a positive integer/);
  const pool = await PerceiverWorkerPool.fromPretrained(fixturePath('tiny'), { workers: 1 });
  try {
    await expect(new ImageClassifier(pool).explain([COFFEE])).rejects.toThrow(PerceiverError);
  } finally {
    await pool.dispose();
  }
});
