/** No tensor leaks across forward passes, and dispose() frees every tensor the model owns. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fixturePath, readFixture } from '../fixtures';

test('repeated forward passes leave tf.memory().numTensors unchanged; dispose frees all', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('tiny-b'));
  const inputs = await readFixture('tiny-b', 'inputs.safetensors');
  const x = tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as [number, number, number, number]);
  const run = (options = {}) => {
    const out = model.forward(x, options);
    tf.dispose([out.logits, ...(out.hiddenStates ?? []), ...(out.attentions ?? []), ...(out.crossAttentions ?? [])]);
  };
  run(); // first call caches the position features for this input size
  const steady = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    run();
    run({ outputHiddenStates: true, outputAttentions: true });
    run({ tokenChunkSize: 5 });
  }
  expect(tf.memory().numTensors).toBe(steady);
  model.dispose();
  x.dispose();
  expect(tf.memory().numTensors).toBe(before);
});
