/**
 * Bad weights, configs and inputs give typed errors that name the problem, and the process keeps
 * working afterwards (a good model still loads and runs).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { ConfigError, InputError, WeightsError } from '../../src/errors';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { TensorToWrite, writeSafetensors } from '../../src/weights/safetensors-writer';
import { fixturePath } from '../fixtures';
import { makeTempDir, removeDir } from '../tmp-dir';

const tinyDir = () => fixturePath('tiny');
let work: string;
let tiny: SafetensorsFile;

beforeAll(async () => {
  await initBackend();
  work = makeTempDir('bad-input');
  tiny = await SafetensorsFile.read(path.join(tinyDir(), 'model.safetensors'));
});
afterAll(() => removeDir(work));

/** A model dir with tiny's config and the given weights file bytes or tensors. */
async function modelDir(name: string, weights: Uint8Array | TensorToWrite[], config?: object): Promise<string> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const configText = config ? JSON.stringify(config) : fs.readFileSync(path.join(tinyDir(), 'config.json'), 'utf-8');
  fs.writeFileSync(path.join(dir, 'config.json'), configText);
  const file = path.join(dir, 'model.safetensors');
  if (weights instanceof Uint8Array) fs.writeFileSync(file, weights);
  else await writeSafetensors(file, weights, { format: 'pt' });
  return dir;
}

function tinyTensors(): TensorToWrite[] {
  return tiny.names.map((name) => ({ name, dtype: 'F32', shape: tiny.shapeOf(name), bytes: () => tiny.rawBytes(name) }));
}

const tinyBytes = () => fs.readFileSync(path.join(tinyDir(), 'model.safetensors'));

test('truncated safetensors', async () => {
  const bytes = tinyBytes();
  const dir = await modelDir('truncated', bytes.subarray(0, bytes.length - 1000));
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(WeightsError);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(/model\.safetensors.*truncated/);
});

test('corrupted header: length beyond the file, and non-JSON', async () => {
  const huge = tinyBytes();
  huge.writeBigUInt64LE(BigInt(huge.length), 0);
  const dir1 = await modelDir('bad-length', huge);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir1)).rejects.toThrow(/header length .* runs past the end/);
  const garbled = tinyBytes();
  garbled.write('{{{{', 8);
  const dir2 = await modelDir('bad-json', garbled);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir2)).rejects.toThrow(/header is not UTF-8 JSON/);
});

test('overlapping data offsets are refused', () => {
  const bytes = tinyBytes();
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  const first = tiny.header.tensors[1].name;
  header[first].data_offsets = [0, header[first].data_offsets[1] - header[first].data_offsets[0]];
  const json = Buffer.from(JSON.stringify(header).padEnd(n, ' '));
  expect(json.length).toBe(n);
  const patched = Buffer.concat([bytes.subarray(0, 8), json, bytes.subarray(8 + n)]);
  expect(() => SafetensorsFile.fromBytes(patched, 'patched.safetensors')).toThrow(/patched\.safetensors.*(overlap or hole)/);
});

test('missing and unexpected tensors are listed by name', async () => {
  const tensors = tinyTensors().filter((t) => t.name !== 'perceiver.encoder.self_attends.1.mlp.dense2.bias');
  tensors.push({ name: 'perceiver.extra.weight', dtype: 'F32', shape: [2], bytes: () => new Uint8Array(8) });
  const dir = await modelDir('missing', tensors);
  const load = PerceiverForImageClassificationFourier.fromPretrained(dir);
  await expect(load).rejects.toThrow(WeightsError);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(
    /missing tensors \(1\):\n  perceiver\.encoder\.self_attends\.1\.mlp\.dense2\.bias \[32\][\s\S]*unexpected tensors \(1\):\n  perceiver\.extra\.weight \[2\]/,
  );
});

test('a tensor with the wrong shape is named with both shapes', async () => {
  const name = 'perceiver.encoder.cross_attention.attention.self.query.weight';
  const tensors = tinyTensors().map((t) => (t.name === name ? { ...t, shape: [32, 261] } : t));
  const dir = await modelDir('wrong-shape', tensors);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(
    `${name}: has [32,261], the config needs [261,32]`,
  );
});

test('config fields with wrong values name the field and the expected value', async () => {
  const base = JSON.parse(fs.readFileSync(path.join(tinyDir(), 'config.json'), 'utf-8'));
  const cases: [object, RegExp][] = [
    [{ num_blocks: 0 }, /'num_blocks' must be a positive integer, got 0/],
    [{ d_latents: '32' }, /'d_latents' must be a positive integer, got "32"/],
    [{ hidden_act: 'gelu_new' }, /'hidden_act' must be "gelu"/],
    [{ cross_attention_shape_for_attention: 'qkv' }, /'cross_attention_shape_for_attention' must be "q" or "kv"/],
    [{ num_self_attention_heads: 5 }, /'num_self_attention_heads' \(5\) must divide d_latents \(32\)/],
    [{ v_channels: 16 }, /latent self-attention: v_channels \(16\) must equal d_latents \(32\)/],
    [{ qk_channels: 30, num_cross_attention_heads: 4 }, /encoder cross-attention: qk_channels \(30\) must be divisible by the number of heads \(4\)/],
    [{ model_type: 'bert' }, /'model_type' must be "perceiver"/],
  ];
  for (const [i, [patch, message]] of cases.entries()) {
    const dir = await modelDir(`config-${i}`, tinyBytes(), { ...base, ...patch });
    const load = PerceiverForImageClassificationFourier.fromPretrained(dir);
    await expect(load).rejects.toThrow(ConfigError);
    await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(message);
  }
});

test('a missing weights file and an unreadable config name the path', async () => {
  const dir = path.join(work, 'empty');
  fs.mkdirSync(dir);
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(/config\.json: cannot read/);
  fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
  await expect(PerceiverForImageClassificationFourier.fromPretrained(dir)).rejects.toThrow(/config\.json: not valid JSON/);
});

test('pixel_values of the wrong rank, channel count or dtype; the model keeps working', async () => {
  const model = await PerceiverForImageClassificationFourier.fromPretrained(tinyDir());
  const before = tf.memory().numTensors;
  const bad: [tf.Tensor, RegExp][] = [
    [tf.zeros([3, 12, 12]), /rank 4 \[B, 3, H, W\]; got shape \[3, 12, 12\]/],
    [tf.zeros([1, 4, 12, 12]), /3 channels .* got shape \[1, 4, 12, 12\]/],
    [tf.zeros([1, 12, 12, 3]), /3 channels .* got shape \[1, 12, 12, 3\]/],
    [tf.zeros([1, 3, 12, 12], 'int32'), /must be float32; got int32/],
    [tf.zeros([1, 3, 0, 12]), /empty dimension/],
  ];
  for (const [x, message] of bad) {
    expect(() => model.forward(x as tf.Tensor4D)).toThrow(InputError);
    expect(() => model.forward(x as tf.Tensor4D)).toThrow(message);
    x.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
  const ok = tf.zeros([1, 3, 12, 12]) as tf.Tensor4D;
  const out = model.forward(ok);
  expect(out.logits.shape).toEqual([1, 10]);
  expect(Array.from(out.logits.dataSync()).every(Number.isFinite)).toBe(true);
  tf.dispose([ok, out.logits]);
  model.dispose();
});
