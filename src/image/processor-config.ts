/**
 * The settings of Hugging Face's PerceiverImageProcessor, read from `preprocessor_config.json` in
 * both the legacy feature-extractor form (`"size": 224`, `"crop_size": 256`) and the newer
 * `{height, width}` form. Settings this port cannot reproduce exactly are refused, naming the field.
 */
import { ConfigError } from '../errors';
import { Triple } from './normalize';

export interface Size {
  height: number;
  width: number;
}

export interface ImageProcessorConfig {
  /** null: do_center_crop is false (the whole image is resized). */
  cropSize: Size | null;
  /** Output size of the resize (do_resize must be true: a batch needs one size). */
  size: Size;
  /** null: do_rescale is false. */
  rescaleFactor: number | null;
  /** null: do_normalize is false. */
  normalize: { mean: Triple; std: Triple } | null;
}

const PIL_BICUBIC = 3;

/** Hugging Face's defaults for PerceiverImageProcessor (and deepmind/vision-perceiver-fourier). */
export const DEFAULT_PROCESSOR_CONFIG: ImageProcessorConfig = {
  cropSize: { height: 256, width: 256 },
  size: { height: 224, width: 224 },
  rescaleFactor: 1 / 255,
  normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

const DEFAULT_JSON: Record<string, unknown> = {
  do_center_crop: true,
  crop_size: 256,
  do_resize: true,
  size: 224,
  resample: PIL_BICUBIC,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: DEFAULT_PROCESSOR_CONFIG.normalize!.mean,
  image_std: DEFAULT_PROCESSOR_CONFIG.normalize!.std,
};

export function parseProcessorConfig(json: unknown, source = 'preprocessor_config.json'): ImageProcessorConfig {
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`${source}: field '${field}' ${why}`);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(`${source}: expected a JSON object`);
  const raw = { ...DEFAULT_JSON, ...(json as Record<string, unknown>) };
  const got = (field: string): string => `got ${JSON.stringify(raw[field])}`;

  const flag = (field: string): boolean => {
    if (typeof raw[field] !== 'boolean') fail(field, `must be true or false, ${got(field)}`);
    return raw[field] as boolean;
  };
  const posInt = (value: unknown, field: string): number => {
    if (!Number.isSafeInteger(value) || (value as number) < 1) fail(field, `must be a positive integer or {height, width}, ${got(field)}`);
    return value as number;
  };
  // Legacy form: one integer for a square; newer form: {height, width}. shortest_edge is another resize mode.
  const size = (field: string): Size => {
    const v = raw[field];
    if (typeof v === 'number') return { height: posInt(v, field), width: posInt(v, field) };
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(field, `must be an integer or {height, width}, ${got(field)}`);
    const o = v as Record<string, unknown>;
    return { height: posInt(o.height, field), width: posInt(o.width, field) };
  };
  const triple = (field: string): Triple => {
    const v = raw[field];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(field, `must be a list of 3 numbers (R, G, B), ${got(field)}`);
    }
    return v as unknown as Triple;
  };

  for (const typeField of ['image_processor_type', 'feature_extractor_type']) {
    const t = raw[typeField];
    if (t !== undefined && (typeof t !== 'string' || !t.startsWith('Perceiver'))) {
      fail(typeField, `must name a Perceiver processor, ${got(typeField)}`);
    }
  }
  if (!flag('do_resize')) fail('do_resize', 'must be true: without a resize, images of different sizes cannot form one batch');
  if (raw.resample !== PIL_BICUBIC) fail('resample', `must be ${PIL_BICUBIC} (BICUBIC, the only filter implemented bit-exactly), ${got('resample')}`);
  const outSize = size('size');
  const cropSize = flag('do_center_crop') ? size('crop_size') : null;
  if (cropSize && (outSize.height > cropSize.height || outSize.width > cropSize.width)) {
    fail('crop_size', `must be at least 'size' (${outSize.height}x${outSize.width}); a larger crop than the image needs padding, which is not implemented`);
  }
  let rescaleFactor: number | null = null;
  if (flag('do_rescale')) {
    rescaleFactor = raw.rescale_factor as number;
    if (typeof rescaleFactor !== 'number' || !Number.isFinite(rescaleFactor)) fail('rescale_factor', `must be a number, ${got('rescale_factor')}`);
  }
  const normalize = flag('do_normalize') ? { mean: triple('image_mean'), std: triple('image_std') } : null;
  if (normalize && normalize.std.some((s) => s === 0)) fail('image_std', 'must not contain 0');
  return { cropSize, size: outSize, rescaleFactor, normalize };
}
