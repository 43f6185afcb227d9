/**
 * One benchmark configuration (backend x batch size) in its own process, so that peak RSS belongs
 * to it alone (the wasm heap never shrinks). Prints one JSON line with the measurements.
 *   node dist/bench/measure.js --dir MODEL_DIR --backend blas --threads 2 --batch 1 --runs 5 [--rss-calls 20]
 */
import { parseArgs } from 'util';
import { tf } from '../src/tf';
import { BackendName, describeBackend, initBackend } from '../src/backend';
import '../src/loading/node-loader';
import { AutoModelForImageClassification } from '../src/model/auto-model';
import type { PerceiverModel } from '../src/model/perceiver-model';
import { matmulRates } from './matmul-rate';
import { stageTimes } from './stages';
import { KernelTime, kernelTimes } from './kernel-profile';
import { PerceiverWorkerPool } from '../src/parallel/worker-pool';

export interface Measurement {
  backend: string;
  /** describeBackend(): backend, BLAS library file, threads. */
  backendLine: string;
  threads: number;
  /** Worker threads of a PerceiverWorkerPool, each with a model; 0 = the model on the main thread. */
  workers: number;
  batch: number;
  /** M and C of the model's input tokens at 224 x 224. */
  tokens: number;
  channels: number;
  loadSeconds: number;
  /** Seconds per forward pass of the whole batch. */
  runs: number[];
  stages: Record<string, number>;
  /** tf.profile of one forward pass, by kernel (main-thread runs only). */
  kernels: KernelTime[];
  matmulGflops: Record<string, number>;
  peakRssMiB: number;
  /** RSS after each of --rss-calls extra forward passes (MiB). */
  rssAfterCalls: number[];
}

/**
 * The MatMul rate is measured before and after the model runs and the better one kept: this VM's
 * neighbours slow single measurements by up to 2x, and the ceiling is what the ratio is against.
 */
function bestRates(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(a).map((k) => [k, Math.max(a[k], b[k])]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export { median };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '1' },
      runs: { type: 'string', default: '5' },
      'rss-calls': { type: 'string', default: '0' },
      workers: { type: 'string', default: '0' },
      threads: { type: 'string' },
    },
  });
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (Number(values.workers) > 0) return measurePool(values.dir!, values.backend as BackendName, Number(values.batch), Number(values.runs), Number(values.workers), threads);
  const backend = await initBackend(values.backend as BackendName, { threads });
  const batch = Number(values.batch);
  const t0 = performance.now();
  const model = await AutoModelForImageClassification.fromPretrained(values.dir!);
  const loadSeconds = (performance.now() - t0) / 1000;
  // Natural-image statistics do not matter for speed: normalised noise of the right shape.
  const x = tf.randomNormal([batch, 3, 224, 224], 0, 1, 'float32', 7) as tf.Tensor4D;
  const forward = () => {
    const t = performance.now();
    const { logits } = model.forward(x);
    logits.dataSync();
    logits.dispose();
    return (performance.now() - t) / 1000;
  };
  const matmulBefore = matmulRates();
  forward(); // warm-up: XNNPACK packs the weights, position features are cached
  const runs = Array.from({ length: Number(values.runs) }, forward);
  const stages = stageTimes(model, x);
  const kernels = await kernelTimes(model, x);
  const rssAfterCalls: number[] = [];
  for (let i = 0; i < Number(values['rss-calls']); i++) {
    forward();
    rssAfterCalls.push(process.memoryUsage().rss / 2 ** 20);
  }
  const result: Measurement = {
    backend: backend.name,
    backendLine: describeBackend(backend),
    threads: backend.threads,
    workers: 0,
    batch,
    ...tokenShape(model),
    loadSeconds,
    runs,
    stages,
    kernels,
    matmulGflops: bestRates(matmulBefore, matmulRates()),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rssAfterCalls,
  };
  x.dispose();
  model.dispose();
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Throughput of a worker pool: the batch split across `workers` models on as many threads. */
async function measurePool(dir: string, backend: BackendName, batch: number, runs: number, workers: number, threads: number | undefined): Promise<void> {
  const t0 = performance.now();
  const pool = await PerceiverWorkerPool.fromPretrained(dir, { workers, backend, threads });
  const loadSeconds = (performance.now() - t0) / 1000;
  const info = await initBackend(backend); // this thread: the same per-worker thread share
  // One worker's ceiling: its share of the threads, measured on this thread while the workers idle.
  const matmulBefore = matmulRates();
  const x = tf.randomNormal([batch, 3, 224, 224], 0, 1, 'float32', 7) as tf.Tensor4D;
  const forward = async () => {
    const t = performance.now();
    (await pool.forward(x)).dispose();
    return (performance.now() - t) / 1000;
  };
  await forward();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await forward());
  await pool.dispose();
  x.dispose();
  const local = await AutoModelForImageClassification.fromPretrained(dir);
  const shape = tokenShape(local);
  local.dispose();
  const result: Measurement = {
    backend: pool.backend,
    backendLine: `${describeBackend(info)} in each of ${workers} workers`,
    threads: pool.threadsPerWorker,
    workers,
    batch,
    ...shape,
    loadSeconds,
    runs: times,
    stages: {},
    kernels: [],
    matmulGflops: bestRates(matmulBefore, matmulRates()),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rssAfterCalls: [],
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function tokenShape(model: PerceiverModel): { tokens: number; channels: number } {
  const grid = model.preprocessor.tokenGrid(224, 224);
  return { tokens: grid.height * grid.width, channels: model.preprocessor.numChannels };
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  });
}
