/**
 * The parity checks every classifier shares (Fourier, Learned, ConvProcessing): the forward pass
 * with its hidden states and attentions, and the stages after the preprocessor (encoder
 * cross-attention, final latents, decoder), each against the fixture at the README's tolerances.
 */
import { tf } from '../../src/tf';
import type { PerceiverModel } from '../../src/model/perceiver-model';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { ATTENTION_ABS_TOL, expectMatches, INTERMEDIATE_REL_TOL, LOGITS_ABS_TOL } from '../parity';

const rel = { rel: INTERMEDIATE_REL_TOL };

/** Names the tensors `<folder> <prefix><name>` in messages; the fixture's names are `<prefix><name>`. */
export interface ParityCase {
  model: PerceiverModel;
  expected: SafetensorsFile;
  prefix: string;
  tag(name: string): string;
}

export function pixelsOf(inputs: SafetensorsFile, name: string): tf.Tensor4D {
  return tf.tensor4d(inputs.float32(name), inputs.info(name).shape as [number, number, number, number]);
}

/** forward: logits, every hidden state and layer output, every attention and cross-attention. */
export function checkForward(c: ParityCase, x: tf.Tensor4D): void {
  const { model, expected, prefix, tag } = c;
  const out = model.forward(x, { outputHiddenStates: true, outputAttentions: true });
  try {
    expectMatches(tag('logits'), out.logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
    const { numBlocks, numSelfAttendsPerBlock: L } = model.config;
    expect(out.hiddenStates).toHaveLength(numBlocks * (L + 1));
    out.hiddenStates!.forEach((h, i) => expectMatches(tag(`hidden_states.${i}`), h, expected, `${prefix}hidden_states.${i}`, rel));
    for (let b = 0; b < numBlocks; b++) {
      for (let l = 0; l < L; l++) {
        // The output of layer l is the input of layer l+1, or the block output.
        const h = out.hiddenStates![b * (L + 1) + l + 1];
        expectMatches(tag(`encoder.block${b}.layer${l}.output`), h, expected, `${prefix}encoder.block${b}.layer${l}.output`, rel);
      }
    }
    expect(out.attentions).toHaveLength(numBlocks * L);
    out.attentions!.forEach((a, i) => expectMatches(tag(`attentions.${i}`), a, expected, `${prefix}attentions.${i}`, { abs: ATTENTION_ABS_TOL }));
    expect(out.crossAttentions).toHaveLength(2);
    out.crossAttentions!.forEach((a, i) => expectMatches(tag(`cross_attentions.${i}`), a, expected, `${prefix}cross_attentions.${i}`, { abs: ATTENTION_ABS_TOL }));
  } finally {
    tf.dispose([out.logits, ...(out.hiddenStates ?? []), ...(out.attentions ?? []), ...(out.crossAttentions ?? [])]);
  }
}

/** The preprocessor's tokens (head), encoder cross-attention parts, final latents, decoder query and cross-attention. */
export function checkStages(c: ParityCase, x: tf.Tensor4D): void {
  const { model, expected, prefix, tag } = c;
  tf.tidy(() => {
    const B = x.shape[0];
    const tokens = model.preprocessor.apply(x);
    const head = tf.slice(tokens, [0, 0, 0], expected.info(`${prefix}preprocessed_inputs_head`).shape);
    expectMatches(tag('preprocessed_inputs_head'), head, expected, `${prefix}preprocessed_inputs_head`, rel);

    const latents = model.batchLatents(B);
    const cross = model.encoder.crossAttention.apply(latents, tokens);
    expectMatches(tag('encoder.cross_attention.context'), cross.context, expected, `${prefix}encoder.cross_attention.context`, rel);
    expectMatches(tag('encoder.cross_attention.attention_output'), cross.attentionOutput, expected, `${prefix}encoder.cross_attention.attention_output`, rel);
    expectMatches(tag('encoder.cross_attention.output'), cross.output, expected, `${prefix}encoder.cross_attention.output`, rel);

    const encoded = model.encoder.apply(latents, tokens);
    expectMatches(tag('encoder.final_latents'), encoded.lastHiddenState, expected, `${prefix}encoder.final_latents`, rel);

    const query = model.decoder.queries(B);
    expectMatches(tag('decoder.query'), query, expected, `${prefix}decoder.query`, rel);
    const dec = model.decoder.crossAttention.apply(query, encoded.lastHiddenState);
    expectMatches(tag('decoder.cross_attention.attention_output'), dec.attentionOutput, expected, `${prefix}decoder.cross_attention.attention_output`, rel);
    expectMatches(tag('decoder.cross_attention.output'), dec.output, expected, `${prefix}decoder.cross_attention.output`, rel);
  });
}

/** extractFeatures: the encoder's final latents, and their mean over latents (computed here in float64 from the fixture). */
export function checkFeatures(c: ParityCase, x: tf.Tensor4D): void {
  const { model, expected, prefix, tag } = c;
  const name = `${prefix}encoder.final_latents`;
  const features = model.extractFeatures(x);
  try {
    expectMatches(tag('extractFeatures lastHiddenState'), features.lastHiddenState, expected, name, rel);
    const [B, N, D] = expected.info(name).shape;
    const latents = expected.float32(name);
    const mean = new Float32Array(B * D);
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += latents[(b * N + n) * D + d];
        mean[b * D + d] = s / N;
      }
    }
    expect(features.pooled.shape).toEqual([B, D]);
    const got = features.pooled.dataSync();
    const scale = Math.max(...Array.from(mean, Math.abs));
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - mean[i])))).toBeLessThanOrEqual(INTERMEDIATE_REL_TOL * scale);
  } finally {
    tf.dispose([features.lastHiddenState, features.pooled]);
  }
}

/** Defines the forward, stages and features tests of one fixture input (inside a describe). */
export function describeParity(parity: () => ParityCase, pixels: () => tf.Tensor4D): void {
  test.each([
    ['forward: logits, hidden states, attentions', checkForward],
    ['stages: preprocessor, encoder cross-attention, decoder', checkStages],
    ['extractFeatures: final latents and their mean', checkFeatures],
  ])('%s', (_, check) => {
    const x = pixels();
    try {
      check(parity(), x);
    } finally {
      x.dispose();
    }
  });
}
