/**
 * `npm run bench:explain`: peak RSS and time of the attention rollout (explain) on the full-size
 * model at batch 1, next to a plain forward pass, each in its own process (the wasm heap never
 * shrinks, so peak RSS belongs to one configuration). Prints a Markdown table for docs/explain.md.
 *
 *   npm run bench:explain -- [--runs 2] [--latents 16]
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { parseArgs } from 'util';
import { tf } from '../src/tf';
import { initBackend } from '../src/backend';
import '../src/loading/node-loader';
import { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';
import { fullModelDir } from './full-model-dir';
import { machineInfo } from './machine';
import { median } from './measure';

interface Result {
  mode: string;
  backend: string;
  seconds: number[];
  rssAfterLoadMiB: number;
  peakRssMiB: number;
}

const MODES = ['forward', 'outputAttentions', 'rollout'] as const;

const DESCRIPTIONS: Record<(typeof MODES)[number], (latents: number) => string> = {
  forward: () => '`model.forward` (logits only)',
  outputAttentions: () => '`model.forward` with `outputAttentions` (every attention kept, as Hugging Face returns them)',
  rollout: (latents) => `\`model.attentionRollout\` (+ ${latents} latent maps)`,
};

/** One configuration, in this process: prints one JSON line. */
async function measureMode(dir: string, mode: string, runs: number, latents: number): Promise<void> {
  const backend = await initBackend();
  const model = await PerceiverForImageClassificationFourier.fromPretrained(dir);
  const rssAfterLoadMiB = process.memoryUsage().rss / 2 ** 20;
  const x = tf.randomNormal([1, 3, 224, 224], 0, 1, 'float32', 7) as tf.Tensor4D;
  const once = () => {
    const t = performance.now();
    if (mode !== 'rollout') {
      const out = model.forward(x, { outputAttentions: mode === 'outputAttentions' });
      out.logits.dataSync();
      tf.dispose([out.logits, ...(out.attentions ?? []), ...(out.crossAttentions ?? [])]);
    } else {
      const out = model.attentionRollout(x, { latentMaps: latents });
      out.rollout.dataSync();
      tf.dispose([out.logits, out.rollout, out.latentWeights, out.latentIndices!, out.latentMaps!]);
    }
    return (performance.now() - t) / 1000;
  };
  const seconds = Array.from({ length: runs }, once);
  x.dispose();
  model.dispose();
  const result: Result = { mode, backend: backend.name, seconds, rssAfterLoadMiB, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result) + '\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mode: { type: 'string' }, dir: { type: 'string' }, runs: { type: 'string', default: '2' }, latents: { type: 'string', default: '16' } },
  });
  const runs = Number(values.runs);
  const latents = Number(values.latents);
  if (values.mode) return measureMode(values.dir!, values.mode, runs, latents);
  const dir = await fullModelDir();
  const rows: string[] = [];
  for (const mode of MODES) {
    process.stderr.write(`measuring ${mode} (${runs} runs) ...\n`);
    const out = execFileSync(process.execPath, [__filename, '--mode', mode, '--dir', dir, '--runs', String(runs), '--latents', String(latents)], {
      encoding: 'utf-8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Result;
    rows.push(`| ${DESCRIPTIONS[mode](latents)} | ${r.backend} | ${median(r.seconds).toFixed(1)} | ${r.rssAfterLoadMiB.toFixed(0)} | ${r.peakRssMiB.toFixed(0)} |`);
  }
  const m = machineInfo();
  process.stdout.write(
    [
      `Full-size model, batch 1, 224 x 224, ${m.cpu} (${m.cores} cores), Node ${m.node}, tfjs ${m.tfjs}, ${new Date().toISOString().slice(0, 10)}; median of ${runs} runs:`,
      '',
      '| call | backend | s/image | RSS after load (MiB) | peak RSS (MiB) |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
