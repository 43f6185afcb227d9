/**
 * `perceiver-io convert` / `inspect` for the Learned and ConvProcessing checkpoints: a
 * pytorch_model.bin (written here from the fixture's tensors, as torch.save lays it out) converts to
 * the fixture's model.safetensors byte for byte, int64 num_batches_tracked included (stored first,
 * as the safetensors library orders it), and the converted model reproduces the fixture logits.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { runCli } from './run-cli';
import { pixelsOf } from '../model/model-parity';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = makeTempDir('convert-siblings');
});
afterAll(() => removeDir(tmp));

/** config.json + pytorch_model.bin of a fixture folder's tensors (float32 as nn.Parameter, int64 as a buffer). */
async function torchDir(folder: string): Promise<string> {
  const fixture = await readFixture(folder, 'model.safetensors');
  const dir = path.join(tmp, `${folder}-torch`);
  fs.mkdirSync(dir);
  fs.copyFileSync(fixturePath(folder, 'config.json'), path.join(dir, 'config.json'));
  writeTorchCheckpoint(
    path.join(dir, 'pytorch_model.bin'),
    fixture.names.map((name) => {
      const dtype = fixture.dtypeOf(name) as 'F32' | 'I64';
      return { name, dtype, shape: fixture.shapeOf(name), parameter: dtype === 'F32', bytes: () => fixture.rawBytes(name) };
    }),
  );
  return dir;
}

describe.each([
  { folder: 'learned-tiny', summary: '77 tensors' },
  { folder: 'conv-tiny', summary: '78 tensors' },
])('$folder', ({ folder, summary }) => {
  test('pytorch_model.bin -> model.safetensors: the fixture file byte for byte, same logits', async () => {
    const src = await torchDir(folder);
    const out = path.join(tmp, `${folder}-out`);
    const r = runCli(['convert', src, out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`model.safetensors: ${summary}`);
    expect(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(fixturePath(folder, 'model.safetensors')))).toBe(true);

    const model = await AutoModelForImageClassification.fromPretrained(out);
    const inputs = await readFixture(folder, 'inputs.safetensors');
    const expected = await readFixture(folder, 'expected.safetensors');
    const x = pixelsOf(inputs, 'pixel_values');
    const { logits } = model.forward(x);
    expectMatches(`${folder} converted logits`, logits, expected, 'logits', { abs: LOGITS_ABS_TOL });
    tf.dispose([x, logits]);
    model.dispose();
  });
});

test('convert --dtype float16 of the ConvProcessing checkpoint keeps num_batches_tracked int64', async () => {
  const src = path.join(tmp, 'conv-tiny-torch');
  const out = path.join(tmp, 'conv-tiny-f16');
  const r = runCli(['convert', src, out, '--dtype', 'float16']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const written = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  expect(written.dtypeOf('perceiver.input_preprocessor.convnet.batchnorm.num_batches_tracked')).toBe('I64');
  expect(written.dtypeOf('perceiver.input_preprocessor.convnet.conv.weight')).toBe('F16');
});

test('inspect lists the int64 counter of a ConvProcessing torch checkpoint', () => {
  const r = runCli(['inspect', path.join(tmp, 'conv-tiny-torch', 'pytorch_model.bin')]);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/perceiver\.input_preprocessor\.convnet\.batchnorm\.num_batches_tracked +I64 +\[\] +1/);
  expect(r.stdout).toMatch(/78 tensors, [\d,]+ parameters \((77 F32, 1 I64|1 I64, 77 F32)\)/);
});
