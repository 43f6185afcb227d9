/**
 * AutoModelForImageClassification picks the class from config.json `architectures`, else from the
 * weight names; unknown architectures and a d_model that contradicts the preprocessor are refused
 * with messages naming what is wrong.
 */
import * as fs from 'fs';
import { initBackend } from '../../src/backend';
import { parseConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { PerceiverForImageClassificationConvProcessing } from '../../src/model/perceiver-for-image-classification-conv-processing';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { PerceiverForImageClassificationLearned } from '../../src/model/perceiver-for-image-classification-learned';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath } from '../fixtures';

const classes = {
  PerceiverForImageClassificationFourier,
  PerceiverForImageClassificationLearned,
  PerceiverForImageClassificationConvProcessing,
};
const configJson = (folder: string): Record<string, unknown> => JSON.parse(fs.readFileSync(fixturePath(folder, 'config.json'), 'utf-8'));
const weightsOf = (folder: string) => SafetensorsFile.read(fixturePath(folder, 'model.safetensors'));

beforeAll(() => initBackend());

describe.each([
  { folder: 'tiny', architecture: 'PerceiverForImageClassificationFourier', channels: 261 },
  { folder: 'tiny-b', architecture: 'PerceiverForImageClassificationFourier', channels: 261 },
  { folder: 'learned-tiny', architecture: 'PerceiverForImageClassificationLearned', channels: 512 },
  { folder: 'conv-tiny', architecture: 'PerceiverForImageClassificationConvProcessing', channels: 322 },
] as const)('$folder', ({ folder, architecture, channels }) => {
  test('fromPretrained returns the class its config.json names', async () => {
    const model = await AutoModelForImageClassification.fromPretrained(fixturePath(folder));
    expect(model).toBeInstanceOf(classes[architecture]);
    expect(model.architecture).toBe(architecture);
    expect(model.preprocessor.numChannels).toBe(channels);
    model.dispose();
  });

  test('without architectures in config.json, the weight names decide', async () => {
    const { architectures, ...rest } = configJson(folder);
    expect(architectures).toEqual([architecture]);
    const model = AutoModelForImageClassification.fromWeights(parseConfig(rest), await weightsOf(folder));
    expect(model).toBeInstanceOf(classes[architecture]);
    model.dispose();
  });

  test('a d_model that contradicts the preprocessor width is refused, naming both', async () => {
    const config = parseConfig({ ...configJson(folder), d_model: channels + 1 });
    const weights = await weightsOf(folder);
    expect(() => AutoModelForImageClassification.fromWeights(config, weights)).toThrow(ConfigError);
    expect(() => AutoModelForImageClassification.fromWeights(config, weights)).toThrow(
      new RegExp(`'d_model' is ${channels + 1}, but the input preprocessor of ${architecture} .* makes tokens of ${channels} channels`),
    );
  });
});

test('an unknown architecture is an error listing the supported ones', () => {
  const json = { ...configJson('tiny'), architectures: ['PerceiverForOpticalFlow'] };
  expect(() => parseConfig(json, 'x/config.json')).toThrow(ConfigError);
  expect(() => parseConfig(json, 'x/config.json')).toThrow(
    `x/config.json: field 'architectures' ["PerceiverForOpticalFlow"] names no supported architecture; supported: ` +
      'PerceiverForImageClassificationFourier, PerceiverForImageClassificationLearned, PerceiverForImageClassificationConvProcessing',
  );
});

test('a class refuses a config.json that declares another architecture', async () => {
  const config = parseConfig(configJson('conv-tiny'));
  const weights = await weightsOf('conv-tiny');
  expect(() => PerceiverForImageClassificationFourier.fromWeights(config, weights)).toThrow(
    'config.json declares architecture PerceiverForImageClassificationConvProcessing, not PerceiverForImageClassificationFourier',
  );
});
