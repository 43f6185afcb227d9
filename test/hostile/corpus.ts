/**
 * The hostile-input corpus of issue 15: bad configs, weights and images, generated here (no
 * committed binaries) so that every future reader change is checked against the same files.
 * Each generator returns the bytes or the patch and what the refusal must say.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { crc32 } from '../../src/crc32';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { writeSafetensors } from '../../src/weights/safetensors-writer';
import { fixturePath } from '../fixtures';

/** A model directory: the tiny fixture's weights next to the given config.json. */
export function tinyModelDirWithConfig(work: string, name: string, config: object): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.copyFileSync(fixturePath('tiny', 'model.safetensors'), path.join(dir, 'model.safetensors'));
  return dir;
}

export interface HostileConfig {
  name: string;
  /** Merged over the tiny fixture's config.json. */
  patch: Record<string, unknown>;
  message: RegExp;
}

/** Config fields asking for absurd sizes, each refused by its bound before anything is built. */
export function hostileConfigs(): HostileConfig[] {
  const over = (field: string, value: number, limit: number): HostileConfig => ({
    name: `${field} = ${value}`,
    patch: { [field]: value },
    message: new RegExp(`field '${field}' is ${value}, above the limit of ${limit}`),
  });
  return [
    over('num_blocks', 10_000_000, 256),
    over('num_self_attends_per_block', 100_000, 256),
    over('num_latents', 1_000_000, 8192),
    over('d_latents', 2 ** 40, 16384),
    over('num_self_attention_heads', 4096, 1024),
    over('qk_channels', 1_000_000, 16384),
    over('self_attention_widening_factor', 1000, 64),
    over('image_size', 10_000_000, 16384),
    { name: 'num_labels = 10^9 without id2label', patch: { id2label: undefined, label2id: undefined, num_labels: 1e9 }, message: /field 'num_labels' is 1000000000, above the limit of 100000/ },
    {
      name: 'fields each within bounds whose product is too much work',
      patch: { num_blocks: 256, num_self_attends_per_block: 256, num_latents: 1024, d_latents: 1024, num_self_attention_heads: 4 },
      message: /latent self-attention stack \(num_blocks 256 x num_self_attends_per_block 256, num_latents 1024, d_latents 1024\) needs 1\.13e\+15 floating-point operations per image, above the limit of 1e\+13/,
    },
  ];
}

/** A float32 tensor for either writer (safetensors or torch.save). */
export interface F32Tensor {
  name: string;
  dtype: 'F32';
  shape: number[];
  bytes(): Uint8Array;
}

/** The tiny fixture's tensors, one replaced by `edit` of its float32 values (a copy). */
export function tinyTensorsWith(tiny: SafetensorsFile, name: string, edit: (values: Float32Array) => void): F32Tensor[] {
  return tiny.names.map((n) => {
    const bytes = () => {
      if (n !== name) return tiny.rawBytes(n);
      const values = new Float32Array(tiny.float32(n));
      edit(values);
      return new Uint8Array(values.buffer);
    };
    return { name: n, dtype: 'F32', shape: tiny.shapeOf(n), bytes };
  });
}

/** A model directory: the tiny fixture's config.json and these tensors as model.safetensors. */
export async function tinyModelDirWithTensors(work: string, name: string, tensors: F32Tensor[]): Promise<string> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(dir, 'config.json'));
  await writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}

// ---- Images ----

/** One PNG chunk: length, type, data and the CRC over type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A well-formed PNG whose IHDR claims width x height (8-bit RGB), with one tiny IDAT and IEND. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(16))), pngChunk('IEND', new Uint8Array())]);
}

/** A JPEG with just SOI and a baseline frame header claiming width x height. */
export function jpegClaiming(width: number, height: number): Buffer {
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Buffer.from([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

/** Byte offset of a PNG chunk's length field, by type. */
function pngChunkAt(png: Buffer, type: string): number {
  return png.indexOf(Buffer.from(type, 'ascii')) - 4;
}

export interface BadImage {
  name: string;
  bytes: () => Buffer;
  /** What the refusal says after the path and ": ". */
  message: RegExp;
}

const chelseaPng = () => fs.readFileSync(fixturePath('preprocess', 'chelsea.png'));
const chelseaJpg = () => fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg'));

/** The first DHT segment's code counts overwritten: libjpeg's "Bogus Huffman table definition". */
export function jpegBogusHuffman(): Buffer {
  const jpg = Buffer.from(chelseaJpg());
  const dht = jpg.indexOf(Buffer.from([0xff, 0xc4]));
  return jpg.fill(0xff, dht + 5, dht + 21);
}

/** The JPEG cut right after its start-of-scan marker (before the scan header's length). */
export function jpegCutAtScan(): Buffer {
  const jpg = chelseaJpg();
  return jpg.subarray(0, jpg.indexOf(Buffer.from([0xff, 0xda])) + 2);
}

/** Truncated and corrupt PNG and JPEG files, each refused with its own reason. */
export function badImages(): BadImage[] {
  const png = chelseaPng();
  const idat = pngChunkAt(png, 'IDAT');
  const jpg = chelseaJpg();
  const truncatedPng = /^image file is truncated: its image data holds \d+ of the 406200 bytes that 451x300 pixels need/;
  return [
    { name: '68-byte PNG claiming 9000x9000', bytes: () => pngClaiming(9000, 9000), message: /^image file is truncated: its image data holds 16 of the 243009000 bytes that 9000x9000 pixels need \(68-byte file\)/ },
    { name: 'PNG cut inside its first IDAT', bytes: () => png.subarray(0, idat + 5000), message: truncatedPng },
    { name: 'PNG cut in the middle', bytes: () => png.subarray(0, png.length >> 1), message: truncatedPng },
    { name: 'PNG with IHDR only', bytes: () => png.subarray(0, 33), message: truncatedPng },
    { name: 'PNG cut inside IHDR', bytes: () => png.subarray(0, 30), message: /^PNG without a complete IHDR chunk \(truncated\)/ },
    { name: 'PNG with a bad IHDR checksum', bytes: () => Buffer.from(png).fill(0, 29, 33), message: /^PNG chunk 'IHDR' at byte 8 fails its CRC check \(the file is corrupt\)/ },
    { name: 'PNG with a bad IDAT checksum', bytes: () => { const b = Buffer.from(png); b[idat + 8 + b.readUInt32BE(idat)] ^= 1; return b; }, message: new RegExp(`^PNG chunk 'IDAT' at byte ${idat} fails its CRC check`) },
    { name: 'PNG with an invalid bit depth', bytes: () => { const b = Buffer.from(png); b[24] = 3; return fixCrc(b, 8); }, message: /^IHDR has bit depth 3, not allowed for colour type 2/ },
    { name: 'PNG whose IDAT is not zlib data', bytes: () => { const b = Buffer.from(png); b.fill(0x55, idat + 8, idat + 8 + b.readUInt32BE(idat)); return fixCrc(b, idat); }, message: /^PNG image data is corrupt \(zlib: / },
    { name: 'JPEG cut in its image data', bytes: () => jpg.subarray(0, jpg.length >> 1), message: /^image file is truncated \(JPEG, 17521 bytes; libjpeg: Premature end of JPEG file\)$/ },
    { name: 'JPEG without its last 2 bytes (EOI)', bytes: () => jpg.subarray(0, jpg.length - 2), message: /^image file is truncated \(JPEG, 35040 bytes/ },
    { name: 'JPEG cut right after its start-of-scan marker', bytes: jpegCutAtScan, message: /^image file is truncated \(JPEG, \d+ bytes; libjpeg: Premature end of JPEG file\)$/ },
    { name: 'JPEG with a bogus Huffman table', bytes: jpegBogusHuffman, message: /^cannot decode JPEG: JPEG data is corrupt \(decoder: Bogus Huffman table definition\)$/ },
  ];
}

/** Recomputes the CRC of the chunk whose length field is at `at`, after an edit of its data. */
function fixCrc(png: Buffer, at: number): Buffer {
  const length = png.readUInt32BE(at);
  png.writeUInt32BE(crc32(png.subarray(at + 4, at + 8 + length)), at + 8 + length);
  return png;
}

/** Damage Pillow reads through, and so must we: the same pixels as the intact file. */
export function readableDamagedPngs(): { name: string; bytes: () => Buffer }[] {
  const png = chelseaPng();
  return [
    { name: 'PNG without IEND', bytes: () => png.subarray(0, pngChunkAt(png, 'IEND')) },
    { name: 'PNG cut inside IEND', bytes: () => png.subarray(0, png.length - 5) },
    { name: 'PNG with bytes after IEND', bytes: () => Buffer.concat([png, Buffer.from('trailing junk')]) },
  ];
}

// ---- safetensors ----

/** The tiny fixture's model.safetensors with its 8-byte header length replaced. */
export function safetensorsWithHeaderLength(length: bigint): Buffer {
  const bytes = Buffer.from(fs.readFileSync(fixturePath('tiny', 'model.safetensors')));
  bytes.writeBigUInt64LE(length, 0);
  return bytes;
}

/**
 * A safetensors file whose header names one tensor twice: the first entry's bytes are what
 * JSON.parse would silently drop, which used to surface as an "overlap or hole".
 */
export function safetensorsWithDuplicateKey(): { bytes: Buffer; name: string } {
  const name = 'perceiver.embeddings.latents';
  const entry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const header = `{"${name}":${JSON.stringify(entry)},"${name}":${JSON.stringify({ ...entry, data_offsets: [8, 16] })}}`;
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return { bytes: Buffer.concat([length, Buffer.from(header), Buffer.alloc(16)]), name };
}
