/**
 * The real 48.4 M-parameter configuration (deepmind/vision-perceiver-fourier) with PRNG weights,
 * batch 2 at 224 x 224, against the Hugging Face float64 reference. Heavy: one process runs it.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fourierPositionFeatures, PIXELS_MAX_RESOLUTION } from '../../src/fourier/position-encoding';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { readFixture, readFixtureJson } from '../fixtures';
import { buildFullModelDir } from '../full-model';
import { ATTENTION_ABS_TOL, expectMatches, FOURIER_ABS_TOL, INTERMEDIATE_REL_TOL, LOGITS_ABS_TOL, printMeasured } from '../parity';
import { makeTempDir, removeDir } from '../tmp-dir';

const rel = { rel: INTERMEDIATE_REL_TOL };
/** Rows [0, n) of dimension 1 (queries or tokens) of a [B, n', ...] tensor. */
const head = (t: tf.Tensor, n: number) => tf.slice(t, [0, 0], [-1, n]);

let dir: string;
let model: PerceiverForImageClassificationFourier;
let inputs: SafetensorsFile;
let expected: SafetensorsFile;

beforeAll(async () => {
  await initBackend();
  dir = await buildFullModelDir(path.join(makeTempDir('full'), 'model'));
  model = await PerceiverForImageClassificationFourier.fromPretrained(dir);
  inputs = await readFixture('full', 'inputs.safetensors');
  expected = await readFixture('full', 'expected.safetensors');
});
afterAll(() => {
  model?.dispose();
  removeDir(dir && path.dirname(dir));
  printMeasured('full model: max differences vs the fp64 reference');
});

const pixels = () => tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as [number, number, number, number]);

test('loads exactly 136 tensors and 48,440,627 parameters', async () => {
  const recipe = readFixtureJson<{ num_tensors: number; num_parameters: number }>('full', 'weights-recipe.json');
  const weights = await SafetensorsFile.read(path.join(dir, 'model.safetensors'));
  expect(weights.names).toHaveLength(136);
  expect(recipe.num_tensors).toBe(136);
  expect(model.numParameters).toBe(48_440_627);
  expect(recipe.num_parameters).toBe(48_440_627);
});

test('Fourier features at 224 x 224: first and last 512 tokens', () => {
  const pos = fourierPositionFeatures(224, 224, PIXELS_MAX_RESOLUTION);
  const C = 258;
  expectMatches('full fourier_pos_enc_head', pos.subarray(0, 512 * C), expected, 'fourier_pos_enc_head', { abs: FOURIER_ABS_TOL });
  expectMatches('full fourier_pos_enc_tail', pos.subarray(pos.length - 512 * C), expected, 'fourier_pos_enc_tail', { abs: FOURIER_ABS_TOL });
});

test('batch 2: logits, hidden states, encoder and decoder stages, attentions', () => {
  const x = pixels();
  const out = model.forward(x, { outputHiddenStates: true });
  expectMatches('full logits', out.logits, expected, 'logits', { abs: LOGITS_ABS_TOL });
  // Coarse smoke test: both images' top-5 ids as the reference ranks them.
  const { top5 } = readFixtureJson<{ top5: number[][] }>('full', 'expected-stats.json');
  expect(tf.tidy(() => tf.topk(out.logits, 5).indices.arraySync())).toEqual(top5);
  const hs = out.hiddenStates!;
  const { numBlocks, numSelfAttendsPerBlock: L } = model.config;
  expect(hs).toHaveLength(numBlocks * (L + 1)); // 56
  const check = (name: string, t: tf.Tensor, rows: number) => {
    const part = head(t, rows);
    expectMatches(`full ${name}`, part, expected, name, rel);
    part.dispose();
  };
  check('encoder.cross_attention.output.first64', hs[0], 64);
  check('encoder.block0.layer0.output.first64', hs[1], 64);
  check('encoder.block0.layer5.output.first64', hs[L], 64);
  for (let b = 0; b < numBlocks; b++) check(`encoder.block${b}.layer5.output.first8`, hs[b * (L + 1) + L], 8);
  check('encoder.final_latents.first64', hs[hs.length - 1], 64);

  // Stages the forward pass does not return, recomputed from the same tokens and latents.
  const tokens = model.preprocessor.apply(x);
  check('preprocessed_inputs_head', tokens, 64);
  const latents = model.batchLatents(2);
  const cross = model.encoder.crossAttention.apply(latents, tokens, { outputAttentions: true });
  check('encoder.cross_attention.context.first64', cross.context, 64);
  check('encoder.cross_attention.attention_output.first64', cross.attentionOutput, 64);
  const latent0 = tf.slice(cross.probs!, [0, 0, 0, 0], [-1, -1, 1, -1]); // [B, 1, N, M] -> [B, 1, 1, M]
  expectMatches('full cross_attentions.0.latent0', latent0, expected, 'cross_attentions.0.latent0', { abs: ATTENTION_ABS_TOL });
  tf.dispose([tokens, latents, latent0, cross.context, cross.attentionOutput, cross.output, cross.probs!]);

  const selfProbs = (layerInput: tf.Tensor3D, layer: number, name: string) => {
    const r = model.encoder.selfAttends[layer].apply(layerInput, undefined, { outputAttentions: true });
    const first16 = tf.slice(r.probs!, [0, 0, 0, 0], [-1, -1, 16, -1]); // [B, H, 16, N]
    expectMatches(`full ${name}`, first16, expected, name, { abs: ATTENTION_ABS_TOL });
    tf.dispose([first16, r.context, r.attentionOutput, r.output, r.probs!]);
  };
  selfProbs(hs[0], 0, 'attentions.0.first16');
  selfProbs(hs[(numBlocks - 1) * (L + 1) + L - 1], L - 1, 'attentions.47.first16');

  const finalLatents = hs[hs.length - 1];
  const query = model.decoder.queries(2);
  expectMatches('full decoder.query', query, expected, 'decoder.query', rel);
  const dec = model.decoder.crossAttention.apply(query, finalLatents, { outputAttentions: true });
  expectMatches('full decoder.cross_attention.attention_output', dec.attentionOutput, expected, 'decoder.cross_attention.attention_output', rel);
  expectMatches('full decoder.cross_attention.output', dec.output, expected, 'decoder.cross_attention.output', rel);
  expectMatches('full cross_attentions.1', dec.probs!, expected, 'cross_attentions.1', { abs: ATTENTION_ABS_TOL });
  tf.dispose([x, out.logits, ...hs, query, dec.context, dec.attentionOutput, dec.output, dec.probs!]);
});
