/**
 * `npm run bench -- --train`: training cost of the full-size model (PRNG weights from
 * ../shared/fixtures/full), each case in its own process so that peak RSS is its own:
 *   head: per training image, the first epoch (encoder features + decoder steps) and a later epoch
 *         (cached latents, decoder only), batch 8;
 *   all:  seconds per image of one full forward + backward + AdamW step, and peak RSS, at batch 1 and 4.
 *   node dist/bench/train.js [--batches 1,4] [--images 16]     (one case: --case head|all --batch N)
 */
import { execFileSync } from 'child_process';
import { parseArgs } from 'util';
import { tf } from '../src/tf';
import { describeBackend, initBackend } from '../src/backend';
import '../src/loading/node-loader';
import { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';
import { Trainer, TrainingBatch } from '../src/train/trainer';
import { fullModelDir } from './full-model-dir';

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

function batchOf(start: number, size: number): TrainingBatch {
  return {
    keys: Array.from({ length: size }, (_, i) => `image-${start + i}`),
    labels: Array.from({ length: size }, (_, i) => (start + i) % 2),
    pixelValues: tf.randomUniform([size, 3, 224, 224], -2, 2, 'float32', start) as tf.Tensor4D,
  };
}

async function runCase(kind: 'head' | 'all', batch: number, images: number): Promise<Record<string, unknown>> {
  const backend = await initBackend();
  const base = await PerceiverForImageClassificationFourier.fromPretrained(await fullModelDir());
  const model = base.withNewHead({ numLabels: 2, seed: 0 });
  base.dispose();
  const trainer = new Trainer(model, { train: kind });
  const epoch = () => {
    const started = Date.now();
    for (let i = 0; i < images; i += batch) {
      const b = batchOf(i, Math.min(batch, images - i));
      trainer.trainStep(b);
      b.pixelValues!.dispose();
    }
    return (Date.now() - started) / 1000 / images;
  };
  const result: Record<string, unknown> = { kind, batch, images, backend: describeBackend(backend) };
  if (kind === 'head') {
    result.firstEpochSecondsPerImage = epoch();
    result.laterEpochSecondsPerImage = epoch();
    result.cacheMiB = trainer.cachedFeatureBytes / 2 ** 20;
  } else {
    result.secondsPerImage = epoch();
  }
  result.peakRssMiB = peakRssMiB();
  trainer.dispose();
  model.dispose();
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { case: { type: 'string' }, batch: { type: 'string' }, batches: { type: 'string' }, images: { type: 'string' } } });
  if (values.case) {
    const r = await runCase(values.case as 'head' | 'all', Number(values.batch), Number(values.images ?? values.batch));
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  await fullModelDir();
  const rows = ['| case | batch | s / image | later epochs s / image | peak RSS MiB |', '|---|---|---|---|---|'];
  const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, [__filename, ...args], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!);
  const head = run(['--case', 'head', '--batch', '8', '--images', values.images ?? '16']);
  process.stderr.write(`${JSON.stringify(head)}\n`);
  rows.push(`| head (first epoch: features) | 8 | ${head.firstEpochSecondsPerImage.toFixed(3)} | ${head.laterEpochSecondsPerImage.toFixed(4)} | ${head.peakRssMiB.toFixed(0)} |`);
  for (const b of (values.batches ?? '1,4').split(',').map(Number)) {
    const all = run(['--case', 'all', '--batch', String(b), '--images', String(b)]);
    process.stderr.write(`${JSON.stringify(all)}\n`);
    rows.push(`| all | ${b} | ${all.secondsPerImage.toFixed(2)} | - | ${all.peakRssMiB.toFixed(0)} |`);
  }
  process.stdout.write(`${head.backend}\n${rows.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
