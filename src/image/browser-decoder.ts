/**
 * The browser's image decoder: the same libjpeg-turbo build (@jsquash/jpeg, WebAssembly) as Node's
 * decoder worker, run in the page, so that JPEG bytes decode to the same pixels as in Node and in
 * Pillow (PNG is decoded without a codec, the same way everywhere). GIF, BMP and TIFF are refused
 * with what to do instead: jimp, which decodes them in Node, ships no working browser build.
 * Importing this module registers it (codec.ts); the browser entry does.
 */
import { Codec, CodecUnavailable, DecodedRgba, DecodeFailure, registerImageDecoder } from './codec';

interface RgbaBitmap {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

let wasmBase: string | undefined;

/** Where mozjpeg_dec.wasm is served from (the browser bundle's own folder by default); set before the first JPEG. */
export function setJpegWasmBase(url: string): void {
  wasmBase = url;
}

let messages: string[] = [];
// libjpeg prints errors and warnings; they are collected per file for the reply.
const collect = (text: unknown) => messages.push(String(text));

let jpeg: Promise<(bytes: ArrayBuffer) => Promise<RgbaBitmap>> | undefined;

function jpegDecoder(): Promise<(bytes: ArrayBuffer) => Promise<RgbaBitmap>> {
  jpeg ??= import('@jsquash/jpeg/decode.js').then(async (m) => {
    // Without a base, emscripten finds the wasm beside the module that loads it (the bundle).
    const base = wasmBase;
    const locate = base ? { locateFile: (file: string) => new URL(file, base).href } : {};
    await m.init({ ...locate, print: collect, printErr: collect } as never);
    return m.default as unknown as (bytes: ArrayBuffer) => Promise<RgbaBitmap>;
  });
  return jpeg;
}

async function decodeOne(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
  if (codec !== 'jpeg') {
    throw new CodecUnavailable(
      'the browser build decodes PNG and JPEG only; decode this file with createImageBitmap(blob) and pass the ImageBitmap ' +
        "(its pixels then come from the browser's decoder, which may differ from Pillow's)",
    );
  }
  messages = [];
  // A copy: the decoders get a whole ArrayBuffer of their own, never a view into the caller's.
  const own = bytes.slice().buffer;
  try {
    const image = await (await jpegDecoder())(own);
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    return { width: image.width, height: image.height, data, warnings: messages };
  } catch (e) {
    throw new DecodeFailure(String((e as Error)?.message ?? e), messages);
  }
}

// One decode at a time: libjpeg reports through one print hook, so concurrent decodes would mix their messages.
let queue: Promise<unknown> = Promise.resolve();

export function decodeInPage(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
  const result = queue.then(() => decodeOne(codec, bytes));
  queue = result.catch(() => undefined);
  return result;
}

registerImageDecoder(decodeInPage);
