/**
 * Decoding runs in a worker thread: JPEG with libjpeg-turbo compiled to WebAssembly (@jsquash/jpeg,
 * bit-exact with Pillow where jimp's jpeg-js is not), other formats with jimp. Both load ES modules
 * through `import()` (@jsquash is ESM-only, jimp imports file-type), which jest's CommonJS VM refuses;
 * a worker is a plain Node context under jest and in the built package alike. It also keeps decoder
 * aborts on hostile input, and the decoding time, off the main thread. Importing it registers it
 * as the image decoder (codec.ts).
 */
import { pathToFileURL } from 'url';
import { Worker } from 'worker_threads';
import { Codec, DecodedRgba, DecodeFailure, registerImageDecoder } from './codec';

// Plain JavaScript: the worker evaluates it as a script, outside TypeScript's and jest's module systems.
// Requests are decoded one at a time: libjpeg reports through one print hook, so concurrent decodes
// (a batch arrives at once, and the first awaits the codec's start-up) would mix their messages.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
let messages = [];
// libjpeg prints errors and warnings; collect them for the reply instead of writing to stderr.
const collect = (text) => messages.push(String(text));
let jpeg, jimp;
const codecs = {
  jpeg: async (bytes) => {
    jpeg ??= import(workerData.jpegUrl).then(async (m) => {
      await m.init({ wasmBinary: require('fs').readFileSync(workerData.wasmPath), print: collect, printErr: collect });
      return m.default;
    });
    return (await jpeg)(bytes.buffer);
  },
  jimp: async (bytes) => {
    jimp ??= require(workerData.jimpPath).Jimp;
    return (await jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).bitmap;
  },
};
async function decode({ id, codec, bytes }) {
  messages = [];
  try {
    const image = await codecs[codec](bytes);
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    parentPort.postMessage({ id, width: image.width, height: image.height, data, messages });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e), messages });
  }
}
let queue = Promise.resolve();
parentPort.on('message', (request) => {
  queue = queue.then(() => decode(request));
});
`;

interface Reply {
  id: number;
  width?: number;
  height?: number;
  data?: Uint8Array;
  messages?: string[];
  error?: string;
}

interface Pending {
  resolve(image: DecodedRgba): void;
  reject(error: Error): void;
}

/** One worker and the requests it owes answers to. */
class DecoderWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(onExit: () => void) {
    const workerData = {
      jpegUrl: pathToFileURL(require.resolve('@jsquash/jpeg/decode.js')).href,
      wasmPath: require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
      jimpPath: require.resolve('jimp'),
    };
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (e) => this.failAll(`image decoder worker failed: ${e.message}`));
    this.worker.on('exit', (code) => {
      onExit();
      this.failAll(`image decoder worker exited with code ${code}`);
    });
  }

  decode(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
    // Keep the process alive while a decode is outstanding; let it exit when the worker is idle.
    this.worker.ref();
    const id = this.nextId++;
    const copy = new Uint8Array(bytes); // a copy: the transfer detaches it, never the caller's buffer
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, codec, bytes: copy }, [copy.buffer]);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error !== undefined || !reply.data) p.reject(new DecodeFailure(reply.error ?? 'no pixel data', reply.messages ?? []));
    else p.resolve({ width: reply.width!, height: reply.height!, data: reply.data, warnings: reply.messages ?? [] });
  }

  private failAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(new DecodeFailure(reason, []));
    this.pending.clear();
  }
}

let current: DecoderWorker | undefined;

/**
 * Decodes image file bytes to RGBA in stored orientation (EXIF is not applied); rejects with a
 * DecodeFailure holding the decoder's reason and this file's libjpeg messages.
 */
export function decodeRgba(codec: Codec, bytes: Uint8Array): Promise<DecodedRgba> {
  if (!current) {
    const started: DecoderWorker = new DecoderWorker(() => {
      if (current === started) current = undefined;
    });
    current = started;
  }
  return current.decode(codec, bytes);
}

registerImageDecoder(decodeRgba);

/** Stops the decoder worker (it restarts on the next decode), for tests and embedders that want a clean exit. */
export async function stopDecoderWorker(): Promise<void> {
  const w = current;
  current = undefined;
  if (w) await w.terminate();
}
