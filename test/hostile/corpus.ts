/**
 * The hostile-input corpus of issue 15: bad configs, weights and images, generated here (no
 * committed binaries) so that every future reader change is checked against the same files.
 * Each generator returns the bytes or the patch and what the refusal must say.
 */
import * as fs from 'fs';
import * as path from 'path';
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
