/**
 * Golden tests on the tiny fixtures (every code path of the reference: 1 or more heads, qk != v,
 * widening factors, query residual on/off, square and non-square inputs, batch 2).
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fourierPositionFeatures, PIXELS_MAX_RESOLUTION } from '../../src/fourier/position-encoding';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath } from '../fixtures';
import { useFixtureModel } from '../fixture-model';
import { expectMatches, FOURIER_ABS_TOL, LOGITS_ABS_TOL, printMeasured } from '../parity';
import { describeParity, ParityCase } from './model-parity';

describe.each(['tiny', 'tiny-b', 'tiny-c'])('%s fixture', (folder) => {
  const fx = useFixtureModel(folder, (dir) => PerceiverForImageClassificationFourier.fromPretrained(dir));

  const cases = [
    { input: 'pixel_values', prefix: '' },
    { input: 'pixel_values_nonsquare', prefix: 'nonsquare.' },
  ];

  describe.each(cases)('$input', ({ input, prefix }) => {
    const pixels = (): tf.Tensor4D => fx.pixels(input);
    const tag = (name: string) => `${folder} ${prefix}${name}`;

    test('Fourier position features', () => {
      const [, , H, W] = fx.inputs.info(input).shape;
      expectMatches(tag('fourier_pos_enc'), fourierPositionFeatures(H, W, PIXELS_MAX_RESOLUTION), fx.expected, `${prefix}fourier_pos_enc`, { abs: FOURIER_ABS_TOL });
    });

    const parity = (): ParityCase => ({ model: fx.model, expected: fx.expected, prefix, tag });

    describeParity(parity, pixels);

    test.each([
      ['7-token chunks', { tokenChunkSize: 7 }],
      ['K/V projections folded everywhere', { foldKeysValues: true }],
      ['K/V projections never folded, 5-token chunks', { foldKeysValues: false, tokenChunkSize: 5 }],
    ])('every attention formulation gives the same logits: %s', (label, options) => {
      const x = pixels();
      const out = fx.model.forward(x, options);
      expectMatches(tag(`logits (${label})`), out.logits, fx.expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      tf.dispose([x, out.logits]);
    });
  });
});

afterAll(() => printMeasured(`max differences vs ${path.basename(fixturePath())} (fp64 reference)`));
