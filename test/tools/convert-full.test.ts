/**
 * The full-size model (48,440,627 parameters, rebuilt from the fixtures' PRNG recipe) through the
 * CLI: as a torch.save checkpoint (written with ZIP64 records) to safetensors, and to float16 and back.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { fromFloat32, toFloat32 } from '../../src/weights/dtypes';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { fixturePath } from '../fixtures';
import { buildFullModelDir, floatTensors, generateTensor, generateTensorBytes, readRecipe } from '../full-model';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';
import { runCli } from './run-cli';

const recipe = readRecipe();
const counts = `${recipe.num_tensors} tensors, ${recipe.num_parameters.toLocaleString('en-US')} parameters`;
let tmp: string;
let fullDir: string;

beforeAll(async () => {
  tmp = makeTempDir('convert-full');
  fullDir = await buildFullModelDir(path.join(tmp, 'full'));
});
afterAll(() => removeDir(tmp));

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('full-size pytorch_model.bin (ZIP64) -> model.safetensors: byte-identical to the recipe file', () => {
  const bin = path.join(tmp, 'hub', 'pytorch_model.bin');
  fs.mkdirSync(path.dirname(bin));
  writeTorchCheckpoint(bin, floatTensors(recipe).map((t) => ({ name: t.name, dtype: 'F32', shape: t.shape, parameter: true, bytes: () => generateTensorBytes(t) })), { archive: 'pytorch_model', zip64: true });
  const out = path.join(tmp, 'from-bin');
  const r = runCli(['convert', bin, out, '--config', fixturePath('full', 'config.json')]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`${counts}, float32`);
  expect(sha256(path.join(out, 'model.safetensors'))).toBe(recipe.safetensors_sha256);
});

test('to float16 and back: the parameter check holds and values are the float16 rounding', async () => {
  const half = path.join(tmp, 'fp16');
  const back = path.join(tmp, 'fp32-again');
  const toHalf = runCli(['convert', fullDir, half, '--dtype', 'float16']);
  expect(toHalf.status).toBe(0);
  expect(toHalf.stdout).toContain(`${counts}, float16`);
  const toFloat = runCli(['convert', path.join(half, 'model.safetensors'), back, '--dtype', 'float32']);
  expect(toFloat.status).toBe(0);
  expect(toFloat.stdout).toContain(`${counts}, float32`);
  const written = await SafetensorsFile.open(path.join(back, 'model.safetensors'));
  expect(written.names).toHaveLength(recipe.num_tensors);
  for (const t of floatTensors(recipe)) {
    const rounded = toFloat32(fromFloat32(generateTensor(t), 'F16'), 'F16');
    expect(Buffer.from(written.rawBytes(t.name)).equals(Buffer.from(rounded.buffer))).toBe(true);
  }
});
