/**
 * The checks every full-size fixture (full, learned-full, conv-full) stores the tensors for: logits
 * and top-5, sliced hidden states per block, the encoder cross-attention stages of the first 64
 * latents, latent 0's cross-attention over all tokens, the first 16 rows of the first and last
 * self-attention, and the decoder.
 */
import { tf } from '../../src/tf';
import type { PerceiverModel } from '../../src/model/perceiver-model';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { readFixtureJson } from '../fixtures';
import { ATTENTION_ABS_TOL, expectMatches, INTERMEDIATE_REL_TOL, LOGITS_ABS_TOL } from '../parity';

const rel = { rel: INTERMEDIATE_REL_TOL };
/** Rows [0, n) of dimension 1 (queries or tokens) of a [B, n', ...] tensor. */
export const head = (t: tf.Tensor, n: number) => tf.slice(t, [0, 0], [-1, n]);
/** The last n rows of dimension 1 of a [B, n', ...] tensor. */
export const tail = (t: tf.Tensor, n: number) => tf.slice(t, [0, t.shape[1]! - n], [-1, n]);

/** `prefix` names the input set in the fixture ('' or 'nonsquare.'); `folder` the fixture in messages and its top-5. */
export function checkFullModel(folder: string, model: PerceiverModel, x: tf.Tensor4D, expected: SafetensorsFile, prefix = ''): void {
  const B = x.shape[0];
  const tag = (name: string) => `${folder} ${prefix}${name}`;
  const check = (name: string, t: tf.Tensor, part: (t: tf.Tensor, n: number) => tf.Tensor = head) => {
    const rows = expected.info(`${prefix}${name}`).shape[1];
    const p = part(t, rows);
    expectMatches(tag(name), p, expected, `${prefix}${name}`, rel);
    p.dispose();
  };
  const out = model.forward(x, { outputHiddenStates: true });
  expectMatches(tag('logits'), out.logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
  // Coarse smoke test: both images' top-5 ids as the reference ranks them.
  const stats = readFixtureJson<Record<string, number[][]>>(folder, 'expected-stats.json');
  expect(tf.tidy(() => tf.topk(out.logits, 5).indices.arraySync())).toEqual(stats[`${prefix}top5`]);
  const hs = out.hiddenStates!;
  const { numBlocks, numSelfAttendsPerBlock: L } = model.config;
  expect(hs).toHaveLength(numBlocks * (L + 1));
  check('encoder.cross_attention.output.first64', hs[0]);
  check('encoder.block0.layer0.output.first64', hs[1]);
  check('encoder.block0.layer5.output.first64', hs[L]);
  for (let b = 0; b < numBlocks; b++) check(`encoder.block${b}.layer5.output.first8`, hs[b * (L + 1) + L]);
  check('encoder.final_latents.first64', hs[hs.length - 1]);

  // Stages the forward pass does not return, recomputed from the same tokens and latents.
  const tokens = model.preprocessor.apply(x);
  check('preprocessed_inputs_head', tokens);
  if (expected.names.includes(`${prefix}preprocessed_inputs_tail`)) check('preprocessed_inputs_tail', tokens, tail);
  const latents = model.batchLatents(B);
  const cross = model.encoder.crossAttention.apply(latents, tokens, { outputAttentions: true });
  check('encoder.cross_attention.context.first64', cross.context);
  check('encoder.cross_attention.attention_output.first64', cross.attentionOutput);
  const latent0 = tf.slice(cross.probs!, [0, 0, 0, 0], [-1, -1, 1, -1]); // [B, H, N, M] -> [B, H, 1, M]
  expectMatches(tag('cross_attentions.0.latent0'), latent0, expected, `${prefix}cross_attentions.0.latent0`, { abs: ATTENTION_ABS_TOL });
  tf.dispose([tokens, latents, latent0, cross.context, cross.attentionOutput, cross.output, cross.probs!]);

  const selfProbs = (layerInput: tf.Tensor3D, layer: number, name: string) => {
    const r = model.encoder.selfAttends[layer].apply(layerInput, undefined, { outputAttentions: true });
    const first16 = tf.slice(r.probs!, [0, 0, 0, 0], [-1, -1, 16, -1]); // [B, H, 16, N]
    expectMatches(tag(name), first16, expected, `${prefix}${name}`, { abs: ATTENTION_ABS_TOL });
    tf.dispose([first16, r.context, r.attentionOutput, r.output, r.probs!]);
  };
  selfProbs(hs[0], 0, 'attentions.0.first16');
  selfProbs(hs[(numBlocks - 1) * (L + 1) + L - 1], L - 1, `attentions.${numBlocks * L - 1}.first16`);

  const finalLatents = hs[hs.length - 1];
  const query = model.decoder.queries(B);
  expectMatches(tag('decoder.query'), query, expected, `${prefix}decoder.query`, rel);
  const dec = model.decoder.crossAttention.apply(query, finalLatents, { outputAttentions: true });
  expectMatches(tag('decoder.cross_attention.attention_output'), dec.attentionOutput, expected, `${prefix}decoder.cross_attention.attention_output`, rel);
  expectMatches(tag('decoder.cross_attention.output'), dec.output, expected, `${prefix}decoder.cross_attention.output`, rel);
  expectMatches(tag('cross_attentions.1'), dec.probs!, expected, `${prefix}cross_attentions.1`, { abs: ATTENTION_ABS_TOL });
  tf.dispose([out.logits, ...hs, query, dec.context, dec.attentionOutput, dec.output, dec.probs!]);
}
