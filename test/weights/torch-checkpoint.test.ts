/** The restricted torch.save reader on the checkpoint fixtures (../shared/fixtures/convert). */
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointError } from '../../src/errors';
import { TorchCheckpoint } from '../../src/weights/torch/torch-checkpoint';
import { floatToBf16, floatToHalf, halfToFloat } from '../../src/weights/dtypes';
import { fixturePath, readFixture } from '../fixtures';
import { writeTorchCheckpoint } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';

const PWNED = ['/tmp/perceiver-io-pwned', '/tmp/perceiver-io-pwned2'];
const convertFixture = (name: string): string => fixturePath('convert', name);

beforeAll(() => PWNED.forEach((f) => fs.rmSync(f, { force: true })));
afterAll(() => PWNED.forEach((f) => expect(fs.existsSync(f)).toBe(false)));

test('tiny float32 checkpoint: every tensor bit-identical to tiny/model.safetensors', async () => {
  const ckpt = await TorchCheckpoint.open(convertFixture('tiny-pytorch_model.bin'));
  const reference = await readFixture('tiny', 'model.safetensors');
  expect([...ckpt.names].sort()).toEqual([...reference.names].sort());
  for (const name of reference.names) {
    expect(ckpt.dtypeOf(name)).toBe('F32');
    expect(ckpt.shapeOf(name)).toEqual(reference.shapeOf(name));
    expect(Buffer.from(ckpt.rawBytes(name)).equals(Buffer.from(reference.rawBytes(name)))).toBe(true);
  }
});

describe.each([
  { file: 'tiny-fp16-pytorch_model.bin', dtype: 'F16', round: (x: number) => halfToFloat(floatToHalf(x)) },
  { file: 'tiny-bf16-pytorch_model.bin', dtype: 'BF16', round: (x: number) => new Float32Array(new Uint32Array([floatToBf16(x) << 16]).buffer)[0] },
])('$file', ({ file, dtype, round }) => {
  test(`reads ${dtype} tensors: torch's rounding of the float32 weights`, async () => {
    const ckpt = await TorchCheckpoint.open(convertFixture(file));
    const reference = await readFixture('tiny', 'model.safetensors');
    expect(ckpt.names).toHaveLength(reference.names.length);
    for (const name of reference.names) {
      expect(ckpt.dtypeOf(name)).toBe(dtype);
      expect(ckpt.rawBytes(name).byteLength).toBe(reference.rawBytes(name).byteLength / 2);
      expect(Array.from(ckpt.float32(name))).toEqual(Array.from(reference.float32(name), round));
    }
  });
});

test('shared storage: views honour storage offset, shape and stride', async () => {
  const ckpt = await TorchCheckpoint.open(convertFixture('shared-storage.bin'));
  const arange = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  expect(ckpt.shapeOf('a')).toEqual([3, 4]);
  expect(Array.from(ckpt.float32('a'))).toEqual(arange(0, 12));
  expect(ckpt.shapeOf('b')).toEqual([4, 3]);
  expect(Array.from(ckpt.float32('b'))).toEqual(arange(12, 24));
  expect(ckpt.shapeOf('c')).toEqual([2, 4]);
  expect(Array.from(ckpt.float32('c'))).toEqual([1, 2, 3, 4, 13, 14, 15, 16]);
});

test('legacy (pre-zip) format: refused, saying so and how to re-save', async () => {
  const err = TorchCheckpoint.open(convertFixture('legacy-format.bin'));
  await expect(err).rejects.toThrow(CheckpointError);
  await expect(err).rejects.toThrow(/legacy-format\.bin: .*legacy .*not supported.*torch\.save\(torch\.load/);
});

test('truncated zip: refused as truncated or not a zip', async () => {
  await expect(TorchCheckpoint.open(convertFixture('truncated.bin'))).rejects.toThrow(/truncated\.bin: truncated or not a zip/);
});

test.each([
  ['malicious-os-system.bin', 'posix.system'],
  ['malicious-eval.bin', 'builtins.eval'],
])('%s: refused before anything runs, naming %s', async (file, global) => {
  const err = TorchCheckpoint.open(convertFixture(file));
  await expect(err).rejects.toThrow(CheckpointError);
  await expect(err).rejects.toThrow(new RegExp(`${file.replace('.', '\\.')}.*refused to load the global ${global.replace('.', '\\.')}:`));
  PWNED.forEach((f) => expect(fs.existsSync(f)).toBe(false));
});

describe('damaged or inconsistent archives', () => {
  let tmp: string;
  beforeAll(() => (tmp = makeTempDir('torch-checkpoint')));
  afterAll(() => removeDir(tmp));

  test('a flipped bit in a storage fails its CRC-32, naming the entry', async () => {
    const file = path.join(tmp, 'flipped.bin');
    const bytes = fs.readFileSync(convertFixture('tiny-pytorch_model.bin'));
    const ckpt = await TorchCheckpoint.open(convertFixture('tiny-pytorch_model.bin'));
    const name = ckpt.names[0];
    const data = Buffer.from(ckpt.rawBytes(name));
    bytes[bytes.indexOf(data) + 1] ^= 0x01;
    fs.writeFileSync(file, bytes);
    const damaged = await TorchCheckpoint.open(file);
    expect(() => damaged.rawBytes(name)).toThrow(/flipped\.bin: zip entry 'tiny-pytorch_model\/data\/\d+' fails its CRC-32 check/);
  });

  test('a storage smaller than its declared size is refused at open', async () => {
    const file = path.join(tmp, 'short-storage.bin');
    writeTorchCheckpoint(file, [{ name: 'w', dtype: 'F32', shape: [2, 3], bytes: () => new Uint8Array(20) }]);
    await expect(TorchCheckpoint.open(file)).rejects.toThrow(/short-storage\.bin: tensor 'w': storage '0' holds 20 bytes, 6 x F32 needs 24/);
  });
});
