/**
 * The browser's image decoder: the same libjpeg-turbo build (@jsquash/jpeg, WebAssembly) and jimp
 * as Node's decoder worker, run in the page, so that encoded bytes decode to the same pixels as in
 * Node and in Pillow. Importing it registers it (codec.ts); the browser entry does.
 */
import { Codec, DecodedRgba, DecodeFailure, registerImageDecoder } from './codec';

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
let jimp: Promise<{ fromBuffer(bytes: ArrayBuffer): Promise<{ bitmap: RgbaBitmap }> }> | undefined;

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

function jimpDecoder() {
  jimp ??= import('jimp').then((m) => m.Jimp as unknown as { fromBuffer(bytes: ArrayBuffer): Promise<{ bitmap: RgbaBitmap }> });
  return jimp;
}

async function decodeOne(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
  messages = [];
  // A copy: the decoders get a whole ArrayBuffer of their own, never a view into the caller's.
  const own = bytes.slice().buffer;
  try {
    const image = codec === 'jpeg' ? await (await jpegDecoder())(own) : (await (await jimpDecoder()).fromBuffer(own)).bitmap;
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
