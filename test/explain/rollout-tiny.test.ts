/**
 * Attention rollout on the tiny fixtures (1, 3 and 9 cross-attention heads, 4/6/3 self-attention
 * heads, 4-6 layer applications, square and non-square inputs, batch 2), against the maps computed
 * here in float64 from the fixtures' own stored Hugging Face attentions.
 *
 * Tolerance: ROLLOUT_REL_TOL = 1e-5 of each map's max (the bound). Measured float32 noise
 * (printed at the end of the run): rollout maps <= 2.7e-6 of their max, latent weights <= 7.6e-7,
 * latent maps <= 3.8e-6 over all folders and inputs, i.e. >= 2.6x below the bound. The products'
 * inputs are attention probabilities, whose float32 noise the fixtures README puts at <= 2.5e-6
 * relative here. Emulated mistakes, measured on the same stored attentions in float64: no residual
 * moves the rollout map by 14-25% of its max, the product in reverse order by 13-20%, a head sum
 * instead of the mean by 27x or more.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import type { AttentionSite } from '../../src/model/attention-callback';
import { explainImage } from '../../src/explain/explanation';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath } from '../fixtures';
import { useFixtureModel } from '../fixture-model';
import { ATTENTION_ABS_TOL, expectMatches, LOGITS_ABS_TOL } from '../parity';
import { expectedRollout, ExpectedRollout, relativeError } from './rollout-reference';

const ROLLOUT_REL_TOL = 1e-5;
const measured: string[] = [];

function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const err = relativeError(got, want);
  measured.push(`  ${name.padEnd(48)} max abs error / max ${err.toExponential(2)}`);
  if (!(err <= ROLLOUT_REL_TOL)) throw new Error(`${name}: max abs error ${err.toExponential(3)} of the map's max exceeds ${ROLLOUT_REL_TOL}`);
  expect(err).toBeLessThanOrEqual(ROLLOUT_REL_TOL);
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

describe.each(['tiny', 'tiny-b', 'tiny-c'])('%s fixture', (folder) => {
  const fx = useFixtureModel(folder, (dir) => PerceiverForImageClassificationFourier.fromPretrained(dir));

  describe.each([
    { input: 'pixel_values', prefix: '' },
    { input: 'pixel_values_nonsquare', prefix: 'nonsquare.' },
  ])('$input', ({ input, prefix }) => {
    const shape = () => fx.inputs.info(input).shape as [number, number, number, number];
    const pixels = (): tf.Tensor4D => fx.pixels(input);
    const tag = (name: string) => `${folder} ${prefix}${name}`;
    let want: ExpectedRollout;
    beforeAll(() => {
      want = expectedRollout(fx.expected, prefix, fx.model.config.numBlocks * fx.model.config.numSelfAttendsPerBlock);
    });

    test('rollout map, latent weights and logits match the float64 rollout of the stored attentions', () => {
      const x = pixels();
      const [B, , H, W] = shape();
      const { numLatents: N } = fx.model.config;
      const out = fx.model.attentionRollout(x);
      expect(out.rollout.shape).toEqual([B, H, W]);
      expect(out.latentWeights.shape).toEqual([B, N]);
      expect(out.latentIndices).toBeUndefined();
      expectMatches(tag('logits (attentionRollout)'), out.logits, fx.expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      const rollout = out.rollout.dataSync();
      const weights = out.latentWeights.dataSync();
      for (let b = 0; b < B; b++) {
        const r = rollout.subarray(b * H * W, (b + 1) * H * W);
        const w = weights.subarray(b * N, (b + 1) * N);
        expectClose(tag(`rollout[${b}]`), r, want.rollout[b]);
        expectClose(tag(`latent weights[${b}]`), w, want.weights[b]);
        expect(Math.abs(sum(r) - 1)).toBeLessThan(1e-5);
        expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-5);
      }
      tf.dispose([x, out.logits, out.rollout, out.latentWeights]);
    });

    test('latent maps: rows of the head-averaged cross-attention, heaviest latents first', () => {
      const x = pixels();
      const [B, , H, W] = shape();
      const k = Math.min(4, fx.model.config.numLatents);
      const out = fx.model.attentionRollout(x, { latentMaps: k });
      expect(out.latentIndices!.shape).toEqual([B, k]);
      expect(out.latentMaps!.shape).toEqual([B, k, H, W]);
      const indices = out.latentIndices!.arraySync() as number[][];
      const maps = out.latentMaps!.dataSync();
      const M = H * W;
      for (let b = 0; b < B; b++) {
        const w = want.weights[b];
        // The reference's own top k (its weights are distinct far beyond float32 noise).
        const order = Array.from(w.keys()).sort((i, j) => w[j] - w[i]);
        expect(indices[b]).toEqual(order.slice(0, k));
        indices[b].forEach((n, i) =>
          expectClose(tag(`latent map ${n} [${b}]`), maps.subarray((b * k + i) * M, (b * k + i + 1) * M), want.crossMean[b].subarray(n * M, (n + 1) * M)),
        );
      }
      tf.dispose([x, out.logits, out.rollout, out.latentWeights, out.latentIndices!, out.latentMaps!]);
    });

    test('explainImage: the same maps as plain data, one image at a time, every latent', () => {
      const [B, , H, W] = shape();
      const N = fx.model.config.numLatents;
      const all = fx.inputs.float32(input);
      for (let b = 0; b < B; b++) {
        const x = tf.tensor4d(all.subarray(b * 3 * H * W, (b + 1) * 3 * H * W), [1, 3, H, W]);
        const image = { width: W, height: H, data: new Uint8Array(3 * H * W) };
        const e = explainImage(fx.model, x, image, { topK: 3, latents: N });
        expect(e.image).toBe(image);
        expect([e.rollout.height, e.rollout.width]).toEqual([H, W]);
        expectClose(tag(`explainImage rollout[${b}]`), e.rollout.data, want.rollout[b]);
        expect(e.latents).toHaveLength(N);
        const w = want.weights[b];
        expect(e.latents.map((l) => l.index)).toEqual(Array.from(w.keys()).sort((i, j) => w[j] - w[i]));
        expectClose(tag(`explainImage latent weights[${b}]`), e.latents.map((l) => l.weight), e.latents.map((l) => w[l.index]));
        for (const l of e.latents) expectClose(tag(`explainImage latent map ${l.index} [${b}]`), l.map.data, want.crossMean[b].subarray(l.index * H * W, (l.index + 1) * H * W));
        expect(e.predictions.map((p) => p.index)).toHaveLength(3);
        x.dispose();
      }
    });

    test('onAttention sees every attention once, in Hugging Face order, with exact probabilities even when chunking is asked for', () => {
      const x = pixels();
      const seen: AttentionSite[] = [];
      const out = fx.model.forward(x, {
        tokenChunkSize: 7,
        onAttention: (probs, site) => {
          seen.push(site);
          const name = site.kind === 'self' ? `attentions.${site.index}` : `cross_attentions.${site.index}`;
          expectMatches(tag(`${name} (onAttention)`), probs, fx.expected, `${prefix}${name}`, { abs: ATTENTION_ABS_TOL });
        },
      });
      const L = fx.model.config.numBlocks * fx.model.config.numSelfAttendsPerBlock;
      expect(seen).toEqual([
        { kind: 'cross', index: 0 },
        ...Array.from({ length: L }, (_, index) => ({ kind: 'self', index })),
        { kind: 'cross', index: 1 },
      ]);
      expect(out.attentions).toBeUndefined();
      expectMatches(tag('logits (onAttention)'), out.logits, fx.expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      tf.dispose([x, out.logits]);
    });
  });

  test('repeated rollouts leave no tensor behind', () => {
    const x = fx.pixels('pixel_values');
    const run = () => {
      const out = fx.model.attentionRollout(x, { latentMaps: 3 });
      tf.dispose([out.logits, out.rollout, out.latentWeights, out.latentIndices!, out.latentMaps!]);
    };
    run(); // the first call caches the position features of this size
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

test('a bad latentMaps count is an InputError', async () => {
  await initBackend();
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('tiny'));
  const x = tf.zeros([1, 3, 4, 4]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  expect(() => model.attentionRollout(x, { latentMaps: -1 })).toThrow(/latentMaps must be a non-negative integer/);
  expect(() => model.attentionRollout(x, { latentMaps: 1.5 })).toThrow(/latentMaps/);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  model.dispose();
});

afterAll(() => process.stdout.write(`\nattention rollout vs the float64 rollout of ${path.basename(fixturePath())}'s stored attentions\n${measured.join('\n')}\n`));
