/**
 * Writes a model directory as Hugging Face's `save_pretrained` does, so that `from_pretrained(dir)`
 * (Python) and our `fromPretrained(dir)` both load it: config.json (the source config with the new
 * labels), model.safetensors (every parameter, Hugging Face names and shapes, float32) and
 * preprocessor_config.json. Node-only. Each file is written to a temporary name and renamed.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { tf } from '../tf';
import { writeFileAtomic } from '../hub/cache-layout';
import type { ImageProcessorConfig } from '../image/processor-config';
import { NamedParameter, toHuggingFace } from '../weights/parameters';
import type { Int64Buffer } from '../weights/weight-source';
import { TensorToWrite, writeSafetensors } from '../weights/safetensors-writer';

export interface SavableModel {
  /** The Hugging Face class, written to `architectures`. */
  readonly architecture: string;
  readonly config: { id2label: Record<number, string>; numLabels: number };
  readonly parameters: ReadonlyMap<string, NamedParameter>;
  readonly int64Buffers: ReadonlyMap<string, Int64Buffer>;
}

/**
 * The source model's config.json fields, every one kept (as `save_pretrained` keeps the whole
 * config), with the new labels: id2label and label2id as HF writes them (string keys), num_labels, architectures.
 */
export function hfConfigJson(sourceConfig: Record<string, unknown>, architecture: string, id2label: Record<number, string>): Record<string, unknown> {
  const ids = Object.keys(id2label).map(Number).sort((a, b) => a - b);
  return {
    ...sourceConfig,
    architectures: [architecture],
    id2label: Object.fromEntries(ids.map((i) => [String(i), id2label[i]])),
    label2id: Object.fromEntries(ids.map((i) => [id2label[i], i])),
    num_labels: ids.length,
  };
}

/** preprocessor_config.json in the fields and form PerceiverImageProcessor.save_pretrained writes. */
export function hfProcessorJson(config: ImageProcessorConfig): Record<string, unknown> {
  return {
    crop_size: config.cropSize ?? { height: config.size.height, width: config.size.width },
    do_center_crop: config.cropSize !== null,
    do_normalize: config.normalize !== null,
    do_rescale: config.rescaleFactor !== null,
    do_resize: true,
    image_mean: config.normalize?.mean ?? [0.485, 0.456, 0.406],
    image_processor_type: 'PerceiverImageProcessor',
    image_std: config.normalize?.std ?? [0.229, 0.224, 0.225],
    resample: 3,
    rescale_factor: config.rescaleFactor ?? 1 / 255,
    size: { height: config.size.height, width: config.size.width },
  };
}

/** Float32 little-endian bytes of a tensor (the platform is little-endian: Node on x86/ARM). */
export function float32Bytes(t: tf.Tensor): Uint8Array {
  const v = t.dataSync() as Float32Array;
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** The state dict as Hugging Face writes it: every parameter in its layout (Linear weights back to [out, in]), and the int64 buffers. */
export function stateDictTensors(model: Pick<SavableModel, 'parameters' | 'int64Buffers'>): TensorToWrite[] {
  const floats = [...model.parameters].map(([name, p]) => ({
    name,
    dtype: 'F32' as const,
    shape: p.hfShape,
    bytes: () => tf.tidy(() => float32Bytes(toHuggingFace(p))),
  }));
  const integers = [...model.int64Buffers].map(([name, b]) => ({ name, dtype: 'I64' as const, shape: b.shape, bytes: () => b.bytes }));
  return [...floats, ...integers];
}

export interface SaveOptions {
  /** The source model's config.json, as read (every field is carried over). */
  sourceConfig: Record<string, unknown>;
  processor: ImageProcessorConfig;
}

export async function savePretrained(dir: string, model: SavableModel, options: SaveOptions): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  await writeSafetensors(path.join(dir, 'model.safetensors'), stateDictTensors(model), { format: 'pt' });
  await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(hfConfigJson(options.sourceConfig, model.architecture, model.config.id2label), null, 2) + '\n');
  await writeFileAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(hfProcessorJson(options.processor), null, 2) + '\n');
}
