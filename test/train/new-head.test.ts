/**
 * withNewHead: Hugging Face's `num_labels=K, ignore_mismatched_sizes=True`: a new final layer
 * (normal, std = initializer_range, zero bias), every other weight kept and shared, not copied.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fixturePath } from '../fixtures';
import { toHuggingFace } from '../../src/weights/parameters';
import { readTrainFixture } from './train-fixture';

const HEAD_WEIGHT = 'perceiver.decoder.decoder.final_layer.weight';
const HEAD_BIAS = 'perceiver.decoder.decoder.final_layer.bias';

/** The HF-layout values of a parameter. */
function values(model: PerceiverForImageClassificationFourier, name: string): Float32Array {
  const p = model.parameters.get(name)!;
  return tf.tidy(() => toHuggingFace(p).dataSync() as Float32Array).slice();
}

let base: PerceiverForImageClassificationFourier;
beforeAll(async () => {
  await initBackend('wasm');
  base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
});
afterAll(() => base.dispose());

test('the new head is drawn as HF initialises a Linear; every other weight is kept and shared', () => {
  const tensorsBefore = tf.memory().numTensors;
  const model = base.withNewHead({ id2label: ['circles', 'stripes', 'checks'], seed: 7 });
  const D = base.config.dLatents;
  expect(model.config.numLabels).toBe(3);
  expect(model.config.id2label).toEqual({ 0: 'circles', 1: 'stripes', 2: 'checks' });
  expect(model.parameters.get(HEAD_WEIGHT)!.tensor.shape).toEqual([D, 3]); // held as [in, out]
  expect([...model.parameters.keys()]).toEqual([...base.parameters.keys()]);
  for (const [name, p] of model.parameters) {
    expect(p.tensor).toBeInstanceOf(tf.Variable);
    if (name === HEAD_WEIGHT || name === HEAD_BIAS) continue;
    // Shared, not copied: the same backend data as the base model's tensor.
    expect([name, p.tensor.dataId === base.parameters.get(name)!.tensor.dataId]).toEqual([name, true]);
    expect([name, values(model, name)]).toEqual([name, values(base, name)]);
  }
  expect(Array.from(values(model, HEAD_BIAS))).toEqual([0, 0, 0]);
  const w = Array.from(values(model, HEAD_WEIGHT));
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  // 96 draws of normal(0, 0.02): the sample std is within 0.02 +- 0.0045 (3 sigma) and mean within 0.006.
  expect(Math.abs(std - 0.02)).toBeLessThan(0.0045);
  expect(Math.abs(mean)).toBeLessThan(0.006);
  // Deterministic with a seed; a different seed gives a different head.
  const same = base.withNewHead({ numLabels: 3, seed: 7 });
  const other = base.withNewHead({ numLabels: 3, seed: 8 });
  expect(values(same, HEAD_WEIGHT)).toEqual(values(model, HEAD_WEIGHT));
  expect(values(other, HEAD_WEIGHT)).not.toEqual(values(model, HEAD_WEIGHT));
  expect(same.config.id2label[2]).toBe('LABEL_2');
  for (const m of [same, other, model]) m.dispose();
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

test('training the copy leaves the original untouched; both dispose on their own', async () => {
  const fx = await readTrainFixture();
  const logitsBefore = tf.tidy(() => base.forward(fx.pixelValues).logits.dataSync().slice());
  const model = base.withNewHead({ numLabels: 4, seed: 1 });
  const latents = model.parameters.get('perceiver.embeddings.latents')!.tensor as tf.Variable;
  tf.tidy(() => latents.assign(tf.add(latents, 1)));
  const out = model.forward(fx.pixelValues).logits;
  expect(out.shape).toEqual([2, 4]);
  out.dispose();
  model.dispose();
  expect(tf.tidy(() => base.forward(fx.pixelValues).logits.dataSync().slice())).toEqual(logitsBefore);
  fx.pixelValues.dispose();
});

test('bad label settings are refused', () => {
  expect(() => base.withNewHead({})).toThrow('numLabels must be a positive integer');
  expect(() => base.withNewHead({ numLabels: 0 })).toThrow('numLabels must be a positive integer');
  expect(() => base.withNewHead({ id2label: ['a', 'b'], numLabels: 3 })).toThrow('numLabels is 3 but id2label has 2 entries');
});
