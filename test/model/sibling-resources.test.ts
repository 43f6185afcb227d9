/**
 * The Learned and ConvProcessing classifiers: no tensor leaks across repeated forward passes and
 * feature extraction, none after an error part-way through a forward pass, and dispose() frees all.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { fixturePath, readFixture } from '../fixtures';
import { pixelsOf } from './model-parity';

test.each(['learned-tiny', 'conv-tiny'])('%s: repeated forwards, features and a failing forward leave numTensors unchanged; dispose frees all', async (folder) => {
  await initBackend();
  const before = tf.memory().numTensors;
  const model = await AutoModelForImageClassification.fromPretrained(fixturePath(folder));
  const x = pixelsOf(await readFixture(folder, 'inputs.safetensors'), 'pixel_values');
  const run = (options = {}) => {
    const out = model.forward(x, options);
    tf.dispose([out.logits, ...(out.hiddenStates ?? []), ...(out.attentions ?? []), ...(out.crossAttentions ?? [])]);
  };
  run(); // the first call caches the position features
  const steady = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    run();
    run({ outputHiddenStates: true, outputAttentions: true });
    run({ tokenChunkSize: 5 });
    const f = model.extractFeatures(x);
    tf.dispose([f.lastHiddenState, f.pooled]);
    let calls = 0;
    const failing = () => {
      if (++calls === 3) throw new Error('observer failed');
    };
    expect(() => model.forward(x, { outputHiddenStates: true, onAttention: failing })).toThrow('observer failed');
  }
  expect(tf.memory().numTensors).toBe(steady);
  model.dispose();
  x.dispose();
  expect(tf.memory().numTensors).toBe(before);
});
