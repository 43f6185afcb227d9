/**
 * Worker-thread side of PerceiverWorkerPool: loads the model once, then answers forward requests
 * with logits. Each worker has its own tfjs and wasm heap, so workers compute on separate cores.
 */
import { parentPort, workerData } from 'worker_threads';
import { tf } from '../tf';
import { initBackend, BackendName } from '../backend';
import '../loading/node-loader';
import { AutoModelForImageClassification } from '../model/auto-model';
import type { PerceiverModel } from '../model/perceiver-model';

export interface WorkerInit {
  dir: string;
  backend?: BackendName;
  /** This worker's share of the BLAS threads. */
  threads: number;
}

export type WorkerRequest = { id: number; pixels: Float32Array; shape: [number, number, number, number] };

export type WorkerReply =
  | { id: -1; ready: true; backend: string }
  | { id: number; logits: Float32Array; shape: [number, number] }
  | { id: number; error: { name: string; message: string } };

async function serve(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  let model: PerceiverModel;
  try {
    const backend = await initBackend(init.backend, { threads: init.threads });
    model = await AutoModelForImageClassification.fromPretrained(init.dir, { backend: backend.name });
    port.postMessage({ id: -1, ready: true, backend: backend.name } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ id: -1, error: { name: (e as Error).name, message: (e as Error).message } } satisfies WorkerReply);
    return;
  }
  port.on('message', (request: WorkerRequest) => {
    try {
      const logits = tf.tidy(() => model.forward(tf.tensor4d(request.pixels, request.shape)).logits);
      const values = logits.dataSync() as Float32Array;
      const reply: WorkerReply = { id: request.id, logits: values, shape: logits.shape };
      logits.dispose();
      port.postMessage(reply, [values.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: request.id, error: { name: (e as Error).name, message: (e as Error).message } } satisfies WorkerReply);
    }
  });
}

if (parentPort) void serve();
