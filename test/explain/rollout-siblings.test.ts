/**
 * attentionRollout of the Learned and ConvProcessing classifiers (inherited from PerceiverModel):
 * on the preprocessor's token grid (the pixel grid for Learned, the pooled grid for
 * ConvProcessing), against the float64 rollout of the attentions their tiny fixtures store, at the
 * same 1e-5-of-max bound as rollout-tiny.test.ts.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { AutoModelForImageClassification, PerceiverImageClassifier } from '../../src/model/auto-model';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath } from '../fixtures';
import { useFixtureModel } from '../fixture-model';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';
import { expectedRollout, relativeError } from './rollout-reference';

const ROLLOUT_REL_TOL = 1e-5;

describe.each([
  { folder: 'learned-tiny', input: 'pixel_values', prefix: '', grid: [16, 16] },
  { folder: 'conv-tiny', input: 'pixel_values', prefix: '', grid: [7, 7] },
  { folder: 'conv-tiny', input: 'pixel_values_nonsquare', prefix: 'nonsquare.', grid: [9, 11] },
])('$folder $input', ({ folder, input, prefix, grid }) => {
  const fx = useFixtureModel(folder, (dir) => AutoModelForImageClassification.fromPretrained(dir));

  test('rollout on the token grid and latent weights match the float64 rollout of the stored attentions', () => {
    const x = fx.pixels(input);
    const [B] = x.shape;
    const [Hp, Wp] = grid;
    const N = fx.model.config.numLatents;
    const want = expectedRollout(fx.expected, prefix, fx.model.config.numBlocks * fx.model.config.numSelfAttendsPerBlock);
    const out = fx.model.attentionRollout(x);
    expect(out.rollout.shape).toEqual([B, Hp, Wp]);
    expectMatches(`${folder} ${prefix}logits (attentionRollout)`, out.logits, fx.expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
    const rollout = out.rollout.dataSync();
    const weights = out.latentWeights.dataSync();
    for (let b = 0; b < B; b++) {
      const r = rollout.subarray(b * Hp * Wp, (b + 1) * Hp * Wp);
      expect(relativeError(r, want.rollout[b])).toBeLessThanOrEqual(ROLLOUT_REL_TOL);
      expect(relativeError(weights.subarray(b * N, (b + 1) * N), want.weights[b])).toBeLessThanOrEqual(ROLLOUT_REL_TOL);
      expect(Math.abs(Array.from(r).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
    }
    tf.dispose([x, out.logits, out.rollout, out.latentWeights]);
  });
});
