/**
 * JPEG decoding with libjpeg-turbo compiled to WebAssembly (@jsquash/jpeg), which matches Pillow bit
 * for bit where jimp's jpeg-js does not. The package is ES-module-only; a CommonJS build cannot
 * `require` it, and inside jest's VM a dynamic `import()` is refused. A worker thread is a plain Node
 * context in both cases, so decoding runs there; it also keeps a libjpeg abort on hostile input away
 * from the main thread.
 */
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { Worker } from 'worker_threads';

export interface DecodedRgba {
  width: number;
  height: number;
  data: Uint8Array;
  /** libjpeg's warnings for this file, e.g. "Premature end of JPEG file" when it was truncated. */
  warnings: string[];
}

// Plain JavaScript: the worker evaluates it as a script, outside TypeScript's and jest's module systems.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
let messages = [];
const decoder = import(workerData.moduleUrl).then(async (m) => {
  // libjpeg prints errors and warnings; collect them for the reply instead of writing to stderr.
  const collect = (text) => messages.push(String(text));
  await m.init({ wasmBinary: workerData.wasm, print: collect, printErr: collect });
  return m.default;
});
parentPort.on('message', async ({ id, bytes }) => {
  messages = [];
  try {
    const decode = await decoder;
    const image = await decode(bytes.buffer);
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    parentPort.postMessage({ id, width: image.width, height: image.height, data, messages });
  } catch (e) {
    parentPort.postMessage({ id, error: [...messages, String((e && e.message) || e)].join('; ') });
  }
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
    const modulePath = require.resolve('@jsquash/jpeg/decode.js');
    const wasm = fs.readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'));
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl: pathToFileURL(modulePath).href, wasm } });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (e) => this.failAll(`JPEG decoder worker failed: ${e.message}`));
    this.worker.on('exit', (code) => {
      onExit();
      this.failAll(`JPEG decoder worker exited with code ${code}`);
    });
  }

  decode(bytes: Uint8Array): Promise<DecodedRgba> {
    // Keep the process alive while a decode is outstanding; let it exit when the worker is idle.
    this.worker.ref();
    const id = this.nextId++;
    const copy = new Uint8Array(bytes); // a copy: the transfer detaches it, never the caller's buffer
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, bytes: copy }, [copy.buffer]);
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
    if (reply.error !== undefined || !reply.data) p.reject(new Error(reply.error ?? 'no pixel data'));
    else p.resolve({ width: reply.width!, height: reply.height!, data: reply.data, warnings: reply.messages ?? [] });
  }

  private failAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }
}

let current: DecoderWorker | undefined;

/** Decodes a JPEG to RGBA, stored orientation (EXIF is not applied). Rejects with the decoder's reason. */
export function decodeJpegRgba(bytes: Uint8Array): Promise<DecodedRgba> {
  if (!current) {
    const started: DecoderWorker = new DecoderWorker(() => {
      if (current === started) current = undefined;
    });
    current = started;
  }
  return current.decode(bytes);
}

/** Stops the decoder worker (it restarts on the next decode), for tests and embedders that want a clean exit. */
export async function stopJpegDecoder(): Promise<void> {
  const w = current;
  current = undefined;
  if (w) await w.terminate();
}
