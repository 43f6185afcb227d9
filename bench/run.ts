/**
 * `npm run bench`: the full-size model (PRNG weights from ../shared/fixtures/full) at batch 1 and 8
 * on every available backend (blas at 1 and 2 BLAS threads, wasm), each configuration in its own
 * process; per-image latency, throughput, achieved GFLOP/s against the machine's peak and against
 * the backend's own 2-D MatMul rate (for blas: cblas_sgemm) measured in the same process, peak RSS,
 * weight load time, a per-stage breakdown, and the preprocessing time of a 1024x768 JPEG.
 * Appends its rows to BENCHMARKS.md (earlier rows are kept) and rewrites the "latest run" details.
 *
 *   npm run bench -- [--backends blas,wasm,cpu] [--threads 1,2] [--batches 1,8] [--baseline-batches 1] [--runs 5] [--rss-calls 20]
 *   npm run bench -- --train [--batches 1,4] [--images 16]   (training cost: bench/train.ts)
 *   npm run bench -- --browser [--runs 3] [--threads 1,2]     (Chromium against Node wasm: bench/browser.ts)
 *
 * The backends without BLAS (wasm, cpu: the baselines) run only --baseline-batches (default 1):
 * a wasm batch of 8 takes several minutes per forward pass and no target concerns it.
 *
 *   --model fourier|learned|conv picks the full-size classifier (default fourier); rows of the
 *   others name it in the backend column.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { readConfig } from '../src/config-file';
import { fullModelDir } from './full-model-dir';
import type { FullFolder } from '../test/full-model';
import { imageFlops, StageFlops } from './flops';
import { machineInfo, peakGflops } from './machine';
import type { Measurement } from './measure';
import { median } from './measure';
import { measurePreprocessing } from './preprocess-jpeg';
import { availableBackends } from './backends';
import { appendRows, replaceSection } from './report';

const REPORT = path.join(__dirname, '..', '..', 'BENCHMARKS.md');

/** --model -> the fixture folder whose recipe rebuilds it. */
const MODELS: Record<string, FullFolder> = { fourier: 'full', learned: 'learned-full', conv: 'conv-full' };

interface Configuration {
  backend: string;
  batch: number;
  /** BLAS threads (blas; the whole pool's for workers > 0); wasm computes on one thread in Node. */
  threads: number;
  workers: number;
}

function label({ backend, batch, threads, workers }: Configuration): string {
  return `${backend}${backend === 'blas' ? ` ${threads} thread${threads > 1 ? 's' : ''}` : ''} batch ${batch}${workers ? ` on ${workers} workers` : ''}`;
}

function measure(dir: string, c: Configuration, runs: number, rssCalls: number): Measurement {
  process.stderr.write(`measuring ${label(c)} (${runs} runs${rssCalls ? `, RSS over ${rssCalls} calls` : ''}) ...\n`);
  const out = execFileSync(
    process.execPath,
    [
      path.join(__dirname, 'measure.js'), '--dir', dir, '--backend', c.backend, '--batch', String(c.batch), '--runs', String(runs),
      '--rss-calls', String(rssCalls), '--workers', String(c.workers), '--threads', String(c.threads),
    ],
    { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
}

async function main(): Promise<void> {
  // `--train [--batches 1,4]`: the training benchmark instead (bench/train.ts).
  if (process.argv.includes('--train')) {
    execFileSync(process.execPath, [path.join(__dirname, 'train.js'), ...process.argv.slice(2).filter((a) => a !== '--train')], { stdio: 'inherit' });
    return;
  }
  if (process.argv.includes('--browser')) {
    execFileSync(process.execPath, [path.join(__dirname, 'browser.js'), ...process.argv.slice(2).filter((a) => a !== '--browser')], { stdio: 'inherit' });
    return;
  }
  const { values } = parseArgs({
    options: {
      backends: { type: 'string' },
      threads: { type: 'string', default: '1,2' },
      batches: { type: 'string', default: '1,8' },
      'baseline-batches': { type: 'string', default: '1' },
      runs: { type: 'string', default: '5' },
      'rss-calls': { type: 'string', default: '20' },
      model: { type: 'string', default: 'fourier' },
    },
  });
  const folder = MODELS[values.model!];
  if (!folder) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}, got '${values.model}'`);
  const model = values.model === 'fourier' ? '' : `${values.model}: `;
  const dir = await fullModelDir(folder);
  const config = await readConfig(path.join(dir, 'config.json'));
  // From the first measurement: the token count and width depend on the model's preprocessor.
  let flops: StageFlops | undefined;
  const machine = machineInfo();
  const peak = peakGflops(machine);
  const backends = values.backends ? values.backends.split(',') : await availableBackends();
  const date = new Date().toISOString().slice(0, 10);
  const rows: string[] = [];
  const details: string[] = [];
  const cores = os.cpus().length;
  const threadCounts = values.threads!.split(',').map(Number);
  const configs: Configuration[] = backends.flatMap((backend) =>
    (backend === 'blas' ? threadCounts : [1]).flatMap((threads) =>
      (backend === 'wasm' || backend === 'cpu' ? values['baseline-batches']! : values.batches!).split(',').map(Number).flatMap((batch) => [
        { backend, batch, threads, workers: 0 },
        // All cores as one model per worker thread (each worker's BLAS on its share), the batch split between them.
        ...(batch >= cores && cores > 1 && threads === Math.max(...threadCounts) ? [{ backend, batch, threads: cores, workers: cores }] : []),
      ]),
    ),
  );
  for (const c of configs) {
    const { batch, workers } = c;
    let m: Measurement;
    try {
      m = measure(dir, c, Number(values.runs), batch === 1 && !workers ? Number(values['rss-calls']) : 0);
    } catch (e) {
      process.stderr.write(`${label(c)} failed: ${(e as Error).message}\n`);
      continue;
    }
    const perImage = median(m.runs) / batch;
    const best = Math.min(...m.runs) / batch;
    flops ??= imageFlops(config, m.tokens, m.channels);
    const gflops = flops.total / perImage / 1e9;
    // A pool computes on `workers` cores at once: its ceiling is that many single-core MatMuls.
    const matmul = m.matmulGflops['self-attention linear 512x1024x1024'] * Math.max(1, m.workers);
    const threads = m.workers ? `${m.workers} worker threads${m.backend === 'blas' ? ` x ${m.threads} BLAS thread${m.threads > 1 ? 's' : ''}` : ''}` : `${m.threads} thread${m.threads > 1 ? 's' : ''}`;
    const row =
      `| ${date} | ${machine.cpu}, ${machine.cores} cores | ${model}${m.backend} (${threads}) | ${batch} | ` +
        `${perImage.toFixed(2)} | ${best.toFixed(2)} | ${(1 / perImage).toFixed(3)} | ${gflops.toFixed(1)} | ` +
        `${((100 * gflops) / peak).toFixed(0)}% | ${((100 * gflops) / matmul).toFixed(0)}% | ${m.peakRssMiB.toFixed(0)} | ${m.loadSeconds.toFixed(2)} | ${matmul.toFixed(1)} |`;
    appendRows(REPORT, [row]); // kept even if a later configuration fails
    rows.push(row);
    if (workers) {
      details.push(`#### ${m.backend} (${threads}), batch ${batch}`, '', m.backendLine, '');
      continue; // a pool has no per-stage breakdown
    }
    details.push(`#### ${m.backend} (${threads}), batch ${batch}`, '', m.backendLine, '', '| stage | seconds (whole batch) | GFLOP/s |', '|---|---|---|');
    for (const [stage, seconds] of Object.entries(m.stages)) {
      const stageFlops = stage.startsWith('latent block')
        ? flops.selfAttentionLayer * config.numSelfAttendsPerBlock
        : stage === 'encoder cross-attention' ? flops.crossAttention : stage === 'decoder' ? flops.decoder : 0;
      details.push(`| ${stage} | ${seconds.toFixed(3)} | ${stageFlops ? ((stageFlops * batch) / seconds / 1e9).toFixed(1) : '-'} |`);
    }
    const total = m.kernels.reduce((sum, k) => sum + k.ms, 0);
    details.push('', '| kernel (one forward, tf.profile) | calls | ms | share |', '|---|---|---|---|');
    for (const k of m.kernels.slice(0, 12)) details.push(`| ${k.kernel} | ${k.calls} | ${k.ms.toFixed(0)} | ${((100 * k.ms) / total).toFixed(1)}% |`);
    details.push('', `2-D MatMul rate of this backend on the model's shapes (GFLOP/s): ${Object.entries(m.matmulGflops).map(([k, v]) => `${k}: ${v.toFixed(1)}`).join('; ')}.`, '');
    if (m.rssAfterCalls.length) {
      details.push(`RSS after each of ${m.rssAfterCalls.length} further calls (MiB): ${m.rssAfterCalls.map((r) => r.toFixed(0)).join(', ')}.`, '');
    }
  }
  const pre = await measurePreprocessing();
  details.push(`Preprocessing a 1024x768 JPEG (decode, crop, Pillow bicubic, normalise): median ${pre.median.toFixed(1)} ms, min ${pre.min.toFixed(1)} ms.`, '');
  const header = `${model ? `${values.model} model: ` : ''}Run of ${date} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, tfjs ${machine.tfjs}; ` +
    `reference FLOPs per image ${flops ? `${(flops.total / 1e9).toFixed(1)} G` : 'n/a'}; machine fp32 peak ${peak.toFixed(0)} GFLOP/s.`;
  replaceSection(REPORT, [header, '', ...details].join('\n'));
  process.stdout.write(`${rows.join('\n')}\n\n${header}\nwritten to ${REPORT}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
