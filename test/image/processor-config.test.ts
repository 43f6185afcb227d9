/** preprocessor_config.json in its legacy and current forms; unsupported settings refused by field. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../src/errors';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { DEFAULT_PROCESSOR_CONFIG, parseProcessorConfig } from '../../src/image/processor-config';
import { PREPROCESSOR_CONFIG } from '../hub/tiny-repo';

// deepmind/vision-perceiver-fourier's file on the Hub (feature-extractor era).
const LEGACY = JSON.parse(PREPROCESSOR_CONFIG.toString('utf-8'));

const CURRENT = {
  ...LEGACY,
  feature_extractor_type: undefined,
  image_processor_type: 'PerceiverImageProcessor',
  crop_size: { height: 256, width: 256 },
  size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
};

test('legacy and current forms both give the defaults', () => {
  const want = { cropSize: { height: 256, width: 256 }, size: { height: 224, width: 224 }, rescaleFactor: 1 / 255, normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } };
  expect(parseProcessorConfig(LEGACY)).toEqual(want);
  expect(parseProcessorConfig(JSON.parse(JSON.stringify(CURRENT)))).toEqual(want);
  expect(DEFAULT_PROCESSOR_CONFIG).toEqual(want);
});

test('do_center_crop, do_rescale and do_normalize may be switched off', () => {
  const c = parseProcessorConfig({ ...LEGACY, do_center_crop: false, do_normalize: false, do_rescale: false });
  expect([c.cropSize, c.normalize, c.rescaleFactor]).toEqual([null, null, null]);
});

test.each([
  [{ resample: 2 }, "field 'resample' must be 3 (BICUBIC"],
  [{ do_resize: false }, "field 'do_resize' must be true"],
  [{ size: { shortest_edge: 224 } }, "field 'size' must be a positive integer or {height, width}"],
  [{ size: 300 }, "field 'crop_size' must be at least 'size'"],
  [{ image_mean: [0.5, 0.5] }, "field 'image_mean' must be a list of 3 numbers"],
  [{ image_std: [0.2, 0, 0.2] }, "field 'image_std' must not contain 0"],
  [{ do_center_crop: 'yes' }, "field 'do_center_crop' must be true or false"],
  [{ feature_extractor_type: 'ViTFeatureExtractor' }, "field 'feature_extractor_type' must name a Perceiver processor"],
])('refuses %j', (override, message) => {
  expect(() => parseProcessorConfig({ ...LEGACY, ...override }, 'x/preprocessor_config.json')).toThrow(ConfigError);
  expect(() => parseProcessorConfig({ ...LEGACY, ...override }, 'x/preprocessor_config.json')).toThrow(`x/preprocessor_config.json: ${message}`);
});

test('fromPretrained reads the file, and uses the defaults when there is none', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perceiver-processor-'));
  try {
    expect((await PerceiverImageProcessor.fromPretrained(dir)).config).toEqual(DEFAULT_PROCESSOR_CONFIG);
    fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({ ...LEGACY, size: 160, crop_size: 192 }));
    const processor = await PerceiverImageProcessor.fromPretrained(dir);
    expect(processor.config.size).toEqual({ height: 160, width: 160 });
    expect(processor.valuesPerImage).toBe(3 * 160 * 160);
    fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), '{ not json');
    await expect(PerceiverImageProcessor.fromPretrained(dir)).rejects.toThrow(/preprocessor_config.json: not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
