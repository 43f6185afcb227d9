/**
 * The saved model directory: loads back and classifies exactly as the model in memory; its
 * config.json keeps every field Hugging Face's save_pretrained wrote (the fixture's config.json is
 * one) with the new labels; the weights carry HF's names, shapes and float32; the processor config
 * round-trips.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { parseConfig } from '../../src/config';
import { DEFAULT_PROCESSOR_CONFIG, parseProcessorConfig } from '../../src/image/processor-config';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { hfConfigJson, hfProcessorJson, savePretrained } from '../../src/train/save-pretrained';
import { Trainer } from '../../src/train/trainer';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixtureJson } from '../fixtures';
import { makeTempDir, removeDir } from '../tmp-dir';
import { readTrainFixture } from './train-fixture';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = makeTempDir('save-pretrained');
});
afterAll(() => removeDir(dir));

test('save -> load: the directory classifies exactly as the trained model in memory', async () => {
  const hfConfig = readFixtureJson<Record<string, unknown>>('train-tiny', 'config.json');
  const base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const model = base.withNewHead({ id2label: ['cat', 'dog', 'fish'], seed: 2 });
  const trainer = new Trainer(model, { train: 'all', learningRate: 1e-3 });
  const fx = await readTrainFixture();
  for (let i = 0; i < 2; i++) trainer.trainStep({ keys: ['a', 'b'], labels: [0, 2], pixelValues: fx.pixelValues });
  const out = path.join(dir, 'model');
  await savePretrained(out, model, { sourceConfig: hfConfig, processor: DEFAULT_PROCESSOR_CONFIG });
  const loaded = await PerceiverForImageClassificationFourier.fromPretrained(out);
  const [a, b] = [model, loaded].map((m) => tf.tidy(() => m.forward(fx.pixelValues).logits.dataSync().slice()));
  expect(Array.from(b)).toEqual(Array.from(a));
  expect(loaded.config.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'fish' });

  const weights = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  const original = await SafetensorsFile.read(fixturePath('train-tiny', 'model.safetensors'));
  expect(weights.metadata).toEqual({ format: 'pt' });
  expect([...weights.names].sort()).toEqual([...original.names].sort());
  for (const name of original.names) {
    expect([name, weights.dtypeOf(name)]).toEqual([name, 'F32']);
    const want = name.includes('final_layer') ? [3, ...original.shapeOf(name).slice(1)] : original.shapeOf(name);
    expect([name, weights.shapeOf(name)]).toEqual([name, want]);
  }
  for (const m of [trainer, model, loaded, base]) m.dispose();
  fx.pixelValues.dispose();
});

// The sibling classifiers: a new head for each, saved and loaded back; ConvProcessing's int64
// BatchNorm counter (num_batches_tracked) is carried through with its stored value.
test.each(['learned-tiny', 'conv-tiny'])('%s: withNewHead -> save -> load keeps every tensor of the state dict, with its dtype and value', async (folder) => {
  const base = await AutoModelForImageClassification.fromPretrained(fixturePath(folder));
  const model = base.withNewHead({ numLabels: 2, seed: 1 });
  const out = path.join(dir, folder);
  await savePretrained(out, model, { sourceConfig: readFixtureJson<Record<string, unknown>>(folder, 'config.json'), processor: DEFAULT_PROCESSOR_CONFIG });
  const weights = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  const original = await SafetensorsFile.read(fixturePath(folder, 'model.safetensors'));
  expect([...weights.names].sort()).toEqual([...original.names].sort());
  const integers = original.names.filter((n) => original.dtypeOf(n) === 'I64');
  expect(integers).toEqual(folder === 'conv-tiny' ? ['perceiver.input_preprocessor.convnet.batchnorm.num_batches_tracked'] : []);
  for (const name of integers) {
    expect([name, weights.dtypeOf(name), weights.shapeOf(name)]).toEqual([name, 'I64', original.shapeOf(name)]);
    expect(Array.from(weights.rawBytes(name))).toEqual(Array.from(original.rawBytes(name)));
  }
  const loaded = await AutoModelForImageClassification.fromPretrained(out);
  const x = tf.randomUniform([1, 3, model.config.imageSize, model.config.imageSize], -1, 1, 'float32', 4) as tf.Tensor4D;
  const [a, b] = [model, loaded].map((m) => tf.tidy(() => m.forward(x).logits.dataSync().slice()));
  expect(Array.from(b)).toEqual(Array.from(a));
  for (const m of [x, model, loaded, base]) m.dispose();
});

test("config.json keeps every field HF's save_pretrained wrote, with the new labels", () => {
  const hf = readFixtureJson<Record<string, unknown>>('train-tiny', 'config.json');
  const written = JSON.parse(JSON.stringify(hfConfigJson(hf, 'PerceiverForImageClassificationFourier', { 0: 'cat', 1: 'dog' }))) as Record<string, unknown>;
  for (const [key, value] of Object.entries(hf)) {
    if (key === 'id2label' || key === 'label2id') continue;
    expect([key, written[key]]).toEqual([key, value]);
  }
  expect(written.id2label).toEqual({ 0: 'cat', 1: 'dog' });
  expect(Object.keys(written.id2label as object)).toEqual(['0', '1']); // string keys, as HF writes them
  expect(written.label2id).toEqual({ cat: 0, dog: 1 });
  expect(written.num_labels).toBe(2);
  expect(written.architectures).toEqual(['PerceiverForImageClassificationFourier']);
  const parsed = parseConfig(written);
  expect(parsed.numLabels).toBe(2);
  expect(parsed.id2label).toEqual({ 0: 'cat', 1: 'dog' });
});

test('preprocessor_config.json round-trips through the processor config parser', () => {
  const noCrop = { ...DEFAULT_PROCESSOR_CONFIG, cropSize: null, size: { height: 32, width: 48 } };
  for (const config of [DEFAULT_PROCESSOR_CONFIG, noCrop]) expect(parseProcessorConfig(hfProcessorJson(config))).toEqual(config);
  fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify(hfProcessorJson(DEFAULT_PROCESSOR_CONFIG)));
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'x.json'), 'utf-8')).image_processor_type).toBe('PerceiverImageProcessor');
});
