/**
 * `perceiver-io convert` / `inspect` on the tiny checkpoints, run as the built CLI: conversion is
 * bit-exact, the converted model reproduces the fixture logits, and bad input fails cleanly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { floatToHalf, fromFloat32 } from '../../src/weights/dtypes';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';
import { TorchTensorToWrite, writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { runCli } from './run-cli';

/**
 * float16 weights move the tiny logits by at most 1.67e-3 (measured: every tensor of tiny, tiny-b and
 * tiny-c rounded to float16, both inputs, max |Δlogits| vs the fp64 reference = 1.43e-3 / 1.67e-3
 * (tiny), 2.62e-3 (tiny-b), 1.21e-3 (tiny-c); bfloat16: 1.44e-2 on tiny). Tolerance: twice the tiny
 * measurement. A wrong conversion (unrounded, byte-swapped, truncated) is caught by the bit-exact check.
 */
const FP16_LOGITS_ABS_TOL = 2 * 1.67e-3;

const PWNED = ['/tmp/perceiver-io-pwned', '/tmp/perceiver-io-pwned2'];
let tmp: string;

beforeAll(async () => {
  await initBackend();
  tmp = makeTempDir('convert');
  PWNED.forEach((f) => fs.rmSync(f, { force: true }));
});
afterAll(() => {
  removeDir(tmp);
  PWNED.forEach((f) => expect(fs.existsSync(f)).toBe(false));
});

/** A Hub-layout directory: config.json, a preprocessor_config.json, and the given checkpoint as pytorch_model.bin. */
function hubDir(name: string, checkpoint: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), '{"image_processor_type": "PerceiverImageProcessor"}\n');
  fs.copyFileSync(checkpoint, path.join(dir, 'pytorch_model.bin'));
  return dir;
}

async function expectTinyLogits(modelDir: string, tolerance: number): Promise<void> {
  const model = await PerceiverForImageClassificationFourier.fromPretrained(modelDir);
  const inputs = await readFixture('tiny', 'inputs.safetensors');
  const expected = await readFixture('tiny', 'expected.safetensors');
  for (const [input, prefix] of [['pixel_values', ''], ['pixel_values_nonsquare', 'nonsquare.']]) {
    const x = tf.tensor4d(inputs.float32(input), inputs.info(input).shape as [number, number, number, number]);
    const out = model.forward(x);
    expectMatches(`${path.basename(modelDir)} ${prefix}logits`, out.logits, expected, `${prefix}logits`, { abs: tolerance });
    tf.dispose([x, out.logits]);
  }
  model.dispose();
}

/** Files left in a directory, temporary ones included. */
const listing = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

test('tiny pytorch_model.bin -> model.safetensors: the fixture file byte for byte, same logits', async () => {
  const src = hubDir('tiny-f32', fixturePath('convert', 'tiny-pytorch_model.bin'));
  const out = path.join(tmp, 'tiny-f32-out');
  const r = runCli(['convert', src, out]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/wrote .*model\.safetensors: 72 tensors, 176,853 parameters, float32/);
  expect(listing(out)).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
  expect(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(fixturePath('tiny', 'model.safetensors')))).toBe(true);
  expect(fs.readFileSync(path.join(out, 'config.json'))).toEqual(fs.readFileSync(fixturePath('tiny', 'config.json')));
  await expectTinyLogits(out, LOGITS_ABS_TOL);
});

test('--dtype float16: tensors are the float32 weights rounded to nearest even; logits within the float16 error', async () => {
  const src = hubDir('tiny-to-f16', fixturePath('convert', 'tiny-pytorch_model.bin'));
  const out = path.join(tmp, 'tiny-to-f16-out');
  expect(runCli(['convert', src, out, '--dtype', 'float16']).status).toBe(0);
  const written = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  const reference = await readFixture('tiny', 'model.safetensors');
  expect(written.header.metadata).toEqual({ format: 'pt' });
  for (const name of reference.names) {
    expect(written.dtypeOf(name)).toBe('F16');
    expect(Buffer.from(written.rawBytes(name)).equals(Buffer.from(fromFloat32(reference.float32(name), 'F16')))).toBe(true);
  }
  expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // ties to even, not away from zero
  await expectTinyLogits(out, FP16_LOGITS_ABS_TOL);
});

test.each([
  ['tiny-fp16-pytorch_model.bin', 'F16'],
  ['tiny-bf16-pytorch_model.bin', 'BF16'],
])('%s converts to float32 exactly (widening loses nothing)', async (file, dtype) => {
  const src = hubDir(`from-${dtype}`, fixturePath('convert', file));
  const out = path.join(tmp, `from-${dtype}-out`);
  expect(runCli(['convert', path.join(src, 'pytorch_model.bin'), out]).status).toBe(0);
  const written = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  const source = await SafetensorsFile.open(path.join(out, 'model.safetensors'));
  const half = (await import('../../src/weights/torch/torch-checkpoint')).TorchCheckpoint.open(path.join(src, 'pytorch_model.bin'));
  for (const name of source.names) expect(Array.from(written.float32(name))).toEqual(Array.from((await half).float32(name)));
});

test('fromPretrained reads a directory holding only pytorch_model.bin, with a notice suggesting convert', async () => {
  const src = hubDir('bin-only', fixturePath('convert', 'tiny-pytorch_model.bin'));
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    await expectTinyLogits(src, LOGITS_ABS_TOL);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/pytorch_model\.bin: .*restricted unpickler.*perceiver-io convert/);
  } finally {
    warn.mockRestore();
  }
});

test('refuses to overwrite without --force; --force overwrites', () => {
  const src = hubDir('overwrite', fixturePath('convert', 'tiny-pytorch_model.bin'));
  const out = path.join(tmp, 'overwrite-out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'model.safetensors'), 'keep me');
  const refused = runCli(['convert', src, out]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/OutputError: refusing to overwrite .*model\.safetensors.*\(use --force\)/);
  expect(fs.readFileSync(path.join(out, 'model.safetensors'), 'utf-8')).toBe('keep me');
  expect(runCli(['convert', src, out, '--force']).status).toBe(0);
  expect(fs.readFileSync(path.join(out, 'model.safetensors'))).toEqual(fs.readFileSync(fixturePath('tiny', 'model.safetensors')));
});

describe('bad input: a clear error naming the problem, nothing left in the output directory', () => {
  const fails = (args: string[], out: string, message: RegExp) => {
    const r = runCli(['convert', ...args]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(1);
    expect(listing(out)).toEqual([]);
  };

  test('source missing', () => {
    const out = path.join(tmp, 'missing-out');
    fails([path.join(tmp, 'nope', 'pytorch_model.bin'), out], out, /WeightsError: .*nope\/pytorch_model\.bin: no such file or directory/);
  });

  test('output directory not writable', () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, '');
    const src = hubDir('unwritable', fixturePath('convert', 'tiny-pytorch_model.bin'));
    fails([src, path.join(blocker, 'out')], path.join(blocker, 'out'), /OutputError: .*a-file\/out: cannot write to the output directory/);
  });

  test('malicious checkpoint', () => {
    const src = hubDir('malicious', fixturePath('convert', 'malicious-os-system.bin'));
    const out = path.join(tmp, 'malicious-out');
    fails([src, out], out, /CheckpointError: .*refused to load the global posix\.system/);
  });

  describe('a checkpoint whose tensors do not match the config', () => {
    const tiny = () => readFixture('tiny', 'model.safetensors');
    const checkpoint = async (name: string, edit: (tensors: TorchTensorToWrite[]) => TorchTensorToWrite[]) => {
      const reference = await tiny();
      const tensors = reference.names.map((n): TorchTensorToWrite => ({ name: n, dtype: 'F32', shape: reference.shapeOf(n), bytes: () => reference.rawBytes(n) }));
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir);
      fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(dir, 'config.json'));
      writeTorchCheckpoint(path.join(dir, 'pytorch_model.bin'), edit(tensors));
      return dir;
    };

    test('wrong shape', async () => {
      const name = 'perceiver.embeddings.latents';
      const dir = await checkpoint('wrong-shape', (ts) => ts.map((t) => (t.name === name ? { ...t, shape: [32, 16] } : t)));
      const out = path.join(tmp, 'wrong-shape-out');
      fails([dir, out], out, /perceiver\.embeddings\.latents: has \[32,16\], the config needs \[16,32\]/);
    });

    test('missing tensor', async () => {
      const name = 'perceiver.decoder.decoder.final_layer.bias';
      const dir = await checkpoint('missing-key', (ts) => ts.filter((t) => t.name !== name));
      const out = path.join(tmp, 'missing-key-out');
      fails([dir, out], out, /expected 72 tensors, found 71\):\nmissing tensors \(1\):\n  perceiver\.decoder\.decoder\.final_layer\.bias \[10\]/);
    });

    const withNaN = (bytes: Uint8Array, index: number): Uint8Array => {
      const values = new Float32Array(new Uint8Array(bytes).buffer);
      values[index] = NaN;
      return new Uint8Array(values.buffer);
    };

    test('NaN in a weight', async () => {
      const name = 'perceiver.encoder.cross_attention.mlp.dense1.bias';
      const dir = await checkpoint('nan', (ts) => ts.map((t) => (t.name === name ? { ...t, bytes: () => withNaN(t.bytes(), 3) } : t)));
      const out = path.join(tmp, 'nan-out');
      fails([dir, out], out, /tensor 'perceiver\.encoder\.cross_attention\.mlp\.dense1\.bias' holds NaN at element 3/);
    });
  });
});

describe('inspect', () => {
  test('table of a torch checkpoint: every tensor, dtype, shape and the totals', async () => {
    const reference = await readFixture('tiny', 'model.safetensors');
    const r = runCli(['inspect', fixturePath('convert', 'tiny-fp16-pytorch_model.bin')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(torch\.save zip\)/);
    const params = reference.names.reduce((n, t) => n + reference.shapeOf(t).reduce((a, b) => a * b, 1), 0);
    expect(r.stdout).toContain(`${reference.names.length} tensors, ${params.toLocaleString('en-US')} parameters (${reference.names.length} F16)`);
    expect(r.stdout).toMatch(/perceiver\.embeddings\.latents +F16 +\[16, 32\] +512/);
  });

  test('--json of a safetensors file, metadata included', async () => {
    const reference = await readFixture('tiny', 'model.safetensors');
    const r = runCli(['inspect', fixturePath('tiny', 'model.safetensors'), '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.format).toBe('safetensors');
    expect(json.metadata).toEqual({ format: 'pt' });
    expect(json.tensorCount).toBe(reference.names.length);
    expect(json.tensors.map((t: { name: string; shape: number[] }) => [t.name, t.shape])).toEqual(reference.names.map((n) => [n, reference.shapeOf(n)]));
  });

  test('a refused file exits 1 with the reason', () => {
    const r = runCli(['inspect', fixturePath('convert', 'malicious-eval.bin')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refused to load the global builtins\.eval/);
  });
});
