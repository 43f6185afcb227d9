/**
 * The math uses only the tfjs-core API, so the fall-back backends compute the same model as the
 * default (blas, which the parity suites run on): the tiny fixtures' logits within the same
 * tolerance on pure wasm (no BLAS) and on the pure-JS cpu backend (the last resort).
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';

const cases = (['wasm', 'cpu'] as const).flatMap((name) => ['tiny', 'tiny-b', 'tiny-c'].map((folder) => [folder, name] as const));

test.each(cases)('%s logits on the %s backend', async (folder, name) => {
  const backend = await initBackend(name);
  expect(backend.name).toBe(name);
  expect(tf.getBackend()).toBe(name);
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath(folder));
  const inputs = await readFixture(folder, 'inputs.safetensors');
  const expected = await readFixture(folder, 'expected.safetensors');
  for (const [input, prefix] of [['pixel_values', ''], ['pixel_values_nonsquare', 'nonsquare.']]) {
    const x = tf.tensor4d(inputs.float32(input), inputs.info(input).shape as [number, number, number, number]);
    const { logits } = model.forward(x);
    expectMatches(`${name} ${folder} ${prefix}logits`, logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
    tf.dispose([x, logits]);
  }
  model.dispose();
});
