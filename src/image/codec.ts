/**
 * The seam between the pixel pipeline (pure) and the image decoders, which differ per environment:
 * Node decodes in a worker thread (decoder-worker.ts), a browser page in the page itself
 * (browser-decoder.ts). Both run the same libjpeg-turbo build for JPEG, so decoded pixels are the
 * same bytes everywhere. PNG needs no codec (png-decoder.ts is plain TypeScript); GIF, BMP and TIFF
 * go through jimp, in Node only: jimp has no working browser build.
 */
export type Codec = 'jpeg' | 'jimp';

export interface DecodedRgba {
  width: number;
  height: number;
  data: Uint8Array;
  /** libjpeg's warnings for this file, e.g. "Premature end of JPEG file" when it was truncated. */
  warnings: string[];
}

/** A decoder's refusal: its own reason, and the messages libjpeg printed for this file alone. */
export class DecodeFailure extends Error {
  constructor(
    reason: string,
    readonly messages: string[],
  ) {
    super(reason);
  }
}

/** A codec this environment does not carry (jimp in the browser); the message says what to do instead. */
export class CodecUnavailable extends Error {}

/** Decodes image file bytes to RGBA in stored orientation (EXIF is not applied); rejects with a DecodeFailure. */
export type ImageDecoder = (codec: Codec, bytes: Uint8Array) => Promise<DecodedRgba>;

let registered: ImageDecoder | undefined;

export function registerImageDecoder(decoder: ImageDecoder): void {
  registered = decoder;
}

export function decodeWithRegistered(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
  if (!registered) {
    return Promise.reject(new DecodeFailure("no image decoder is registered: import the package entry ('perceiver-io'), which registers one", []));
  }
  return registered(codec, bytes);
}
