/**
 * Golden tests on the tiny fixtures (every code path of the reference: 1 or more heads, qk != v,
 * widening factors, query residual on/off, square and non-square inputs, batch 2).
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fourierPositionFeatures } from '../../src/fourier/position-encoding';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { ATTENTION_ABS_TOL, expectMatches, FOURIER_ABS_TOL, INTERMEDIATE_REL_TOL, LOGITS_ABS_TOL, printMeasured } from '../parity';

const rel = { rel: INTERMEDIATE_REL_TOL };

describe.each(['tiny', 'tiny-b', 'tiny-c'])('%s fixture', (folder) => {
  let model: PerceiverForImageClassificationFourier;
  let inputs: SafetensorsFile;
  let expected: SafetensorsFile;

  beforeAll(async () => {
    await initBackend();
    model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath(folder));
    inputs = await readFixture(folder, 'inputs.safetensors');
    expected = await readFixture(folder, 'expected.safetensors');
  });
  afterAll(() => model?.dispose());

  const cases = [
    { input: 'pixel_values', prefix: '' },
    { input: 'pixel_values_nonsquare', prefix: 'nonsquare.' },
  ];

  describe.each(cases)('$input', ({ input, prefix }) => {
    const pixels = (): tf.Tensor4D => tf.tensor4d(inputs.float32(input), inputs.info(input).shape as [number, number, number, number]);
    const tag = (name: string) => `${folder} ${prefix}${name}`;

    test('Fourier position features', () => {
      const [, , H, W] = inputs.info(input).shape;
      expectMatches(tag('fourier_pos_enc'), fourierPositionFeatures(H, W), expected, `${prefix}fourier_pos_enc`, { abs: FOURIER_ABS_TOL });
    });

    test('forward: logits, hidden states, attentions', () => {
      const x = pixels();
      const out = model.forward(x, { outputHiddenStates: true, outputAttentions: true });
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
      out.crossAttentions!.forEach((a, i) =>
        expectMatches(tag(`cross_attentions.${i}`), a, expected, `${prefix}cross_attentions.${i}`, { abs: ATTENTION_ABS_TOL }),
      );
      tf.dispose([x, out.logits, ...out.hiddenStates!, ...out.attentions!, ...out.crossAttentions!]);
    });

    test('stages: preprocessor, encoder cross-attention, decoder', () => {
      const x = pixels();
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
      tf.dispose([x, tokens, head, latents, cross.context, cross.attentionOutput, cross.output, encoded.lastHiddenState, query, dec.context, dec.attentionOutput, dec.output]);
    });

    test.each([
      ['7-token chunks', { tokenChunkSize: 7 }],
      ['K/V projections folded everywhere', { foldKeysValues: true }],
      ['K/V projections never folded, 5-token chunks', { foldKeysValues: false, tokenChunkSize: 5 }],
    ])('every attention formulation gives the same logits: %s', (label, options) => {
      const x = pixels();
      const out = model.forward(x, options);
      expectMatches(tag(`logits (${label})`), out.logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      tf.dispose([x, out.logits]);
    });
  });
});

afterAll(() => printMeasured(`max differences vs ${path.basename(fixturePath())} (fp64 reference)`));
