/**
 * Using every core: tfjs's wasm backend runs single-threaded in Node (its thread pool needs
 * browser-only worker plumbing), so PerceiverWorkerPool runs one model per worker thread and splits
 * each batch across them. Throughput at batch >= workers scales with the cores; latency at batch 1
 * is one core's. Each worker holds its own copy of the weights (~200 MB for the real model).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { tf } from '../tf';
import { PerceiverError } from '../errors';
import { checkPixelValues } from '../model/input-preprocessor';
import { initBackend, parseThreadsEnv } from '../backend';
import type { PerceiverConfig } from '../config';
import { readConfig } from '../config-file';
import { resolveModel } from '../hub/resolve-model';
import type { FromPretrainedOptions } from '../model/pretrained-loader';
import type { WorkerInit, WorkerReply, WorkerRequest } from './model-worker';

export interface WorkerPoolOptions extends FromPretrainedOptions {
  /** Worker threads (default: the number of cores). */
  workers?: number;
  /**
   * BLAS threads shared by all workers (default: PERCEIVER_THREADS, else all cores): each worker's
   * BLAS gets threads / workers of them (at least 1) instead of every worker using every core.
   */
  threads?: number;
}

/** Each worker's share of the BLAS threads. */
export function threadsPerWorker(threads: number, workers: number): number {
  return Math.max(1, Math.floor(threads / workers));
}

/** The worker's compiled script. From the TypeScript sources (ts-jest), the build in dist/ is used. */
function workerScript(): string {
  const beside = path.join(__dirname, 'model-worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.join(__dirname, '..', '..', 'dist', 'src', 'parallel', 'model-worker.js');
  if (fs.existsSync(built)) return built;
  throw new PerceiverError(`PerceiverWorkerPool: no compiled worker at ${beside} or ${built}; run 'npm run build'`);
}

interface Pending {
  resolve(reply: { logits: Float32Array; shape: [number, number] }): void;
  reject(e: Error): void;
}

class ModelWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  readonly ready: Promise<string>;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.id === -1) {
          if ('error' in reply) reject(asError(reply.error));
          else if ('ready' in reply) resolve(reply.backend);
          return;
        }
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if ('error' in reply) p?.reject(asError(reply.error));
        else if ('logits' in reply) p?.resolve(reply);
      });
      worker.on('error', (e) => this.failAll(e, reject));
      worker.on('exit', (code) => this.failAll(new PerceiverError(`model worker exited with code ${code}`), reject));
    });
  }

  forward(pixels: Float32Array, shape: [number, number, number, number]) {
    const id = this.nextId++;
    return new Promise<{ logits: Float32Array; shape: [number, number] }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, pixels, shape } satisfies WorkerRequest, [pixels.buffer as ArrayBuffer]);
    });
  }

  private failAll(e: Error, rejectReady: (e: Error) => void): void {
    rejectReady(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function asError(e: { name: string; message: string }): Error {
  const error = new PerceiverError(e.message);
  error.name = e.name;
  return error;
}

export class PerceiverWorkerPool {
  private constructor(
    readonly config: PerceiverConfig,
    private readonly workers: ModelWorker[],
    /** The backend the workers compute on. */
    readonly backend: string,
    /** BLAS threads of each worker (blas backend). */
    readonly threadsPerWorker: number,
  ) {}

  /** Starts the workers and loads the model (directory or Hub id, fetched once here) in each, in parallel. */
  static async fromPretrained(idOrDir: string, options: WorkerPoolOptions = {}): Promise<PerceiverWorkerPool> {
    const count = options.workers ?? os.cpus().length;
    if (!Number.isSafeInteger(count) || count < 1) throw new PerceiverError(`workers must be a positive integer, got ${count}`);
    const total = options.threads ?? parseThreadsEnv(process.env.PERCEIVER_THREADS) ?? os.cpus().length;
    // OpenBLAS's thread count is per process: this thread sets the same share the workers use.
    const threads = threadsPerWorker(total, count);
    await initBackend(options.backend, { threads }); // this thread too: it makes the logits tensors
    const dir = path.resolve(await resolveModel(idOrDir, options));
    const config = await readConfig(path.join(dir, 'config.json'));
    const script = workerScript();
    const init: WorkerInit = { dir, backend: options.backend, threads };
    const workers = Array.from({ length: count }, () => new ModelWorker(new Worker(script, { workerData: init })));
    try {
      const backends = await Promise.all(workers.map((w) => w.ready));
      return new PerceiverWorkerPool(config, workers, backends[0], threads);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Logits [B, numLabels] for pixel_values [B, 3, H, W]: the batch is split into contiguous slices,
   * one per worker, computed concurrently.
   */
  async forward(pixelValues: tf.Tensor4D): Promise<tf.Tensor2D> {
    checkPixelValues(pixelValues);
    const [B, C, H, W] = pixelValues.shape;
    const values = pixelValues.dataSync() as Float32Array;
    const perImage = C * H * W;
    const slices = Math.min(B, this.workers.length);
    const jobs = Array.from({ length: slices }, (_, i) => {
      const start = Math.floor((i * B) / slices);
      const end = Math.floor(((i + 1) * B) / slices);
      const pixels = values.slice(start * perImage, end * perImage); // a copy: its buffer moves to the worker
      return this.workers[i].forward(pixels, [end - start, C, H, W]);
    });
    const replies = await Promise.all(jobs);
    const numLabels = replies[0].shape[1];
    const logits = new Float32Array(B * numLabels);
    let offset = 0;
    for (const r of replies) {
      logits.set(r.logits, offset);
      offset += r.logits.length;
    }
    return tf.tensor2d(logits, [B, numLabels]);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
