/**
 * The math uses only the tfjs-core API, so the pure-JS cpu backend (the last resort) computes the
 * same model: the tiny fixtures' logits within the same tolerance, in this test file's own process.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';

test.each(['tiny', 'tiny-b', 'tiny-c'])('%s logits on the cpu backend', async (folder) => {
  const backend = await initBackend('cpu');
  expect(backend.name).toBe('cpu');
  expect(tf.getBackend()).toBe('cpu');
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath(folder));
  const inputs = await readFixture(folder, 'inputs.safetensors');
  const expected = await readFixture(folder, 'expected.safetensors');
  for (const [input, prefix] of [['pixel_values', ''], ['pixel_values_nonsquare', 'nonsquare.']]) {
    const x = tf.tensor4d(inputs.float32(input), inputs.info(input).shape as [number, number, number, number]);
    const { logits } = model.forward(x);
    expectMatches(`cpu ${folder} ${prefix}logits`, logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
    tf.dispose([x, logits]);
  }
  model.dispose();
});
