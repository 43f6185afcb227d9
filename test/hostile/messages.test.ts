/**
 * Issue 15, item 5 (weights files): messages that print the fault as it is, naming the file.
 * The config ({}, missing fields), convert and image messages are tested with their items.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WeightsError } from '../../src/errors';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { makeTempDir, removeDir } from '../tmp-dir';
import { safetensorsWithDuplicateKey, safetensorsWithHeaderLength } from './corpus';

let work: string;
beforeAll(() => {
  work = makeTempDir('hostile-messages');
});
afterAll(() => removeDir(work));

async function refusal(name: string, bytes: Uint8Array): Promise<{ file: string; message: string }> {
  const file = path.join(work, name);
  fs.writeFileSync(file, bytes);
  for (const read of [SafetensorsFile.read, SafetensorsFile.open]) {
    const error = await read(file).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(WeightsError);
  }
  const error = (await SafetensorsFile.read(file).catch((e: Error) => e)) as Error;
  return { file, message: error.message };
}

test('a 2^64-1 header length is printed exactly', async () => {
  const { file, message } = await refusal('max-length.safetensors', safetensorsWithHeaderLength(2n ** 64n - 1n));
  expect(message).toBe(`${file}: not a valid safetensors file: header length 18446744073709551615 exceeds the 100000000-byte limit of the format`);
});

test('a tensor named twice in the header is reported as such, not as a hole', async () => {
  const { bytes, name } = safetensorsWithDuplicateKey();
  const { file, message } = await refusal('duplicate.safetensors', bytes);
  expect(message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid safetensors file: header has the key "${name}" twice`));
  expect(message).not.toMatch(/overlap or hole/);
});

test('keys repeated inside an entry are found too; equal keys in different objects are fine', async () => {
  const header = '{"a":{"dtype":"F32","shape":[1],"dtype":"F32","data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const { message } = await refusal('duplicate-field.safetensors', Buffer.concat([length, Buffer.from(header), Buffer.alloc(8)]));
  expect(message).toMatch(/header has the key "dtype" twice/);
  const ok = header.replace(',"dtype":"F32"', '');
  const okLength = Buffer.alloc(8);
  okLength.writeBigUInt64LE(BigInt(ok.length));
  expect(SafetensorsFile.fromBytes(Buffer.concat([okLength, Buffer.from(ok), Buffer.alloc(8)])).names).toEqual(['a', 'b']);
});
