/** Typed errors. Every message names the file, field, tensor or size at fault. */

// Each class names itself: minified bundles rename classes, and `error.name` must survive that.
export class PerceiverError extends Error {
  override name = 'PerceiverError';
}

/** A config.json / preprocessor_config.json field is missing or has an unsupported value. */
export class ConfigError extends PerceiverError {
  override name = 'ConfigError';
}

/** A weights file is malformed, truncated, or does not match the model configuration. */
export class WeightsError extends PerceiverError {
  override name = 'WeightsError';
}

/** An input tensor or image has the wrong rank, shape, dtype or size. */
export class InputError extends PerceiverError {
  override name = 'InputError';
}

/** The requested tfjs backend could not be initialised. */
export class BackendError extends PerceiverError {
  override name = 'BackendError';
}

/** An image file or buffer is empty, truncated, undecodable, of an unsupported format, or too large. */
export class ImageError extends PerceiverError {
  override name = 'ImageError';
}

/**
 * A torch.save checkpoint is truncated, not a zip, in the unsupported legacy format, or its pickle
 * asks for something the restricted unpickler refuses (the message names the global or opcode).
 */
export class CheckpointError extends WeightsError {
  override name = 'CheckpointError';
}

/** Why a Hub download or cache lookup failed; lets callers react without parsing messages. */
export type HubErrorReason =
  | 'invalid-id'
  | 'network'
  | 'offline'
  | 'unauthorized'
  | 'not-found'
  | 'server'
  | 'integrity'
  | 'disk-full'
  | 'not-perceiver';

/** A Hugging Face Hub download or cache lookup failed; the message names the URL or file and what to do. */
export class HubError extends PerceiverError {
  override name = 'HubError';
  constructor(
    message: string,
    readonly reason: HubErrorReason,
  ) {
    super(message);
  }
}

/** An output file or directory cannot be written, or exists and would be overwritten without --force. */
export class OutputError extends PerceiverError {
  override name = 'OutputError';
}

/** The model's output for an image holds NaN or Inf, so no ranking can be made from it. */
export class NonFiniteError extends PerceiverError {
  override name = 'NonFiniteError';
}
