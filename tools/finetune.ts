/** `perceiver-io finetune`: train a classifier of your own labels from a folder of images (transfer learning). */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { tf } from '../src/tf';
// Registers the Node model loader (directories and the Hub cache) behind fromPretrained.
import '../src/loading/node-loader';
import { readJsonFile } from '../src/config-file';
import { LabelledImage, readImageFolder, stratifiedSplit } from '../src/data/image-folder';
import { processorImageSource } from '../src/data/image-source';
import { InputError } from '../src/errors';
import { exists, writeFileAtomic } from '../src/hub/cache-layout';
import { DEFAULT_MODEL_ID, DEFAULT_REVISION } from '../src/hub/model-id';
import { terminalProgress } from '../src/hub/progress';
import { resolveModel } from '../src/hub/resolve-model';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { PerceiverImageProcessor } from '../src/image/image-processor';
import { AutoModelForImageClassification } from '../src/model/auto-model';
import { CHECKPOINT_DIR, findCheckpoint, TrainingSettings, TrainingState, writeCheckpoint } from '../src/train/checkpoint';
import { EpochRunner, EpochStats, FitProgress } from '../src/train/fit';
import { savePretrained, SaveOptions } from '../src/train/save-pretrained';
import { trainableCopy } from '../src/train/trainable-copy';
import { DEFAULT_LEARNING_RATE, Trainer, TrainMode } from '../src/train/trainer';
import { trainingCurvesPng } from '../src/train/training-curves';
import { parseCommandArgs, runCommand, UsageError } from './command';
import { ProgressBar } from './progress-bar';

const HELP = `Usage: perceiver-io finetune --data DIR --out DIR [--model ID|DIR] [options]

Transfer learning as the model card suggests: the classification head is replaced by a new one for
your labels (Hugging Face's num_labels=K, ignore_mismatched_sizes=True) and trained on a folder of
labelled images. The result is a normal model directory: 'perceiver-io classify --model OUT' uses it
and Hugging Face's from_pretrained(OUT) loads it.

Data layout (torchvision/Keras ImageFolder): DIR/<label>/<image files>; the labels are the folder
names in sorted order. Images that cannot be read are reported with their path and skipped.

Options:
  --model ID|DIR      Model to start from (default ${DEFAULT_MODEL_ID}): a Hub id (downloaded once
                      into the Hugging Face cache) or a model directory.
  --revision REV      Branch, tag or commit of a Hub id (default ${DEFAULT_REVISION}).
  --data DIR          Training images, one subfolder per label.
  --out DIR           Output: the best epoch's model (config.json, model.safetensors,
                      preprocessor_config.json), training-log.json, training-curves.png, and
                      checkpoint/ (the last finished epoch, for --resume).
  --epochs N          Epochs to train (default 10). With --resume: the new total.
  --lr X              Adam step size (default ${DEFAULT_LEARNING_RATE.head} for --train head, ${DEFAULT_LEARNING_RATE.all} for all).
  --weight-decay X    Decoupled weight decay (AdamW, not on biases and LayerNorms; default 0 = Adam).
  --batch-size N      Images per step (default 8).
  --train head|all    head (default): the encoder stays frozen; each image is encoded once and its
                      latents cached in memory (2 MiB per image for the full model), so later epochs
                      cost almost nothing. all: every weight trains (much slower: ~17-23 s per image
                      for the full model on 2 cores; each layer is recomputed in the backward pass and
                      a step runs in passes of at most 4 images, to fit wasm's 4 GiB; docs/training.md).
  --val-split X       Fraction of each label held out for validation (default 0.2; 0 = none).
  --val DIR           A separate validation folder with the same layout (instead of --val-split).
  --seed N            Seed of the split, the shuffling, the flips and the new head (default 0).
  --flip              Mirror training images at random (horizontal flip augmentation).
  --resume            Continue the run in --out from its last finished epoch (same settings).
  --quiet             No download progress.
  -h, --help          Show this help.

Each epoch prints train and validation loss and accuracy; a progress bar (images/s, ETA) is shown
on a terminal. The best epoch (highest validation accuracy, then lowest validation loss; the last
epoch without validation) is the model in --out. Ctrl-C or a crash loses at most the epoch in
progress: checkpoint/ always holds the last finished one, and --resume continues from it.

Examples:
  perceiver-io finetune --data photos/ --out my-classifier --epochs 10
  perceiver-io finetune --model ./vision-perceiver-fourier --data photos/ --out my-classifier --flip --seed 1
  perceiver-io finetune --data photos/ --out my-classifier --epochs 20 --resume
  perceiver-io classify --model my-classifier new-photo.jpg
`;

interface Args {
  settings: TrainingSettings;
  /** Flags given explicitly (a resumed run keeps the checkpoint's other settings). */
  given: Set<string>;
  out: string;
  revision: string;
  resume: boolean;
  quiet: boolean;
}

function numberArg(text: string | undefined, flag: string, fallback: number, check: (v: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`${flag} must be ${what}, got '${text}'`);
  return v;
}

const positiveInt = (v: number) => Number.isSafeInteger(v) && v >= 1;

function parse(args: string[]): Args | null {
  const { values, positionals } = parseCommandArgs(args, {
    model: { type: 'string' },
    revision: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'weight-decay': { type: 'string' },
    'batch-size': { type: 'string' },
    train: { type: 'string' },
    'val-split': { type: 'string' },
    val: { type: 'string' },
    seed: { type: 'string' },
    flip: { type: 'boolean' },
    resume: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return null;
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!values.data && !values.resume) throw new UsageError('--data DIR is required');
  const train = (values.train ?? 'head') as TrainMode;
  if (train !== 'head' && train !== 'all') throw new UsageError(`--train must be head or all, got '${values.train}'`);
  if (values.val && values['val-split'] !== undefined) throw new UsageError('give either --val DIR or --val-split, not both');
  return {
    settings: {
      model: values.model ?? DEFAULT_MODEL_ID,
      data: values.data ? path.resolve(values.data) : '',
      val: values.val ? path.resolve(values.val) : null,
      valSplit: values.val ? 0 : numberArg(values['val-split'], '--val-split', 0.2, (v) => v >= 0 && v < 1, 'a fraction in [0, 1)'),
      train,
      epochs: numberArg(values.epochs, '--epochs', 10, positiveInt, 'a positive integer'),
      learningRate: numberArg(values.lr, '--lr', DEFAULT_LEARNING_RATE[train], (v) => v > 0, 'a positive number'),
      weightDecay: numberArg(values['weight-decay'], '--weight-decay', 0, (v) => v >= 0, 'a number >= 0'),
      batchSize: numberArg(values['batch-size'], '--batch-size', 8, positiveInt, 'a positive integer'),
      seed: numberArg(values.seed, '--seed', 0, (v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer'),
      flip: values.flip ?? false,
    },
    given: new Set(Object.keys(values)),
    out: path.resolve(values.out),
    revision: values.revision ?? DEFAULT_REVISION,
    resume: values.resume ?? false,
    quiet: values.quiet ?? false,
  };
}

/** The split of the run: a separate validation folder, or a stratified fraction of the training folder. */
async function readData(s: TrainingSettings): Promise<{ labels: string[]; train: LabelledImage[]; val: LabelledImage[] }> {
  const folder = await readImageFolder(s.data);
  if (s.val) return { labels: folder.labels, train: folder.images, val: (await readImageFolder(s.val, folder.labels)).images };
  const split = stratifiedSplit(folder.images, s.valSplit, s.seed);
  if (split.train.length === 0) throw new InputError(`${s.data}: no training images left after the validation split`);
  return { labels: folder.labels, ...split };
}

const percent = (v: number | null) => (v === null ? '    -' : `${(v * 100).toFixed(1).padStart(5)}%`);
const fixed = (v: number | null) => (v === null ? '     -' : v.toFixed(4));

function epochLine(s: EpochStats, epochs: number, best: boolean): string {
  const width = String(epochs).length;
  return (
    `epoch ${String(s.epoch).padStart(width)}/${epochs}  train loss ${fixed(s.trainLoss)} acc ${percent(s.trainAccuracy)}  ` +
    `val loss ${fixed(s.valLoss)} acc ${percent(s.valAccuracy)}  ${s.seconds.toFixed(1)} s, ${(s.images / s.seconds).toFixed(1)} img/s${best ? '  *best' : ''}\n`
  );
}

/** Better validation accuracy, then lower validation loss; without validation every epoch is "better". */
function isBetter(s: EpochStats, best: EpochStats | undefined): boolean {
  if (!best || s.valAccuracy === null || best.valAccuracy === null) return true;
  return s.valAccuracy > best.valAccuracy || (s.valAccuracy === best.valAccuracy && (s.valLoss ?? Infinity) < (best.valLoss ?? Infinity));
}

async function train(a: Args): Promise<number> {
  const checkpoint = a.resume ? await findCheckpoint(a.out) : null;
  if (a.resume && !checkpoint) throw new UsageError(`--resume: ${path.join(a.out, CHECKPOINT_DIR)} holds no checkpoint to continue`);
  if (!a.resume && (await exists(path.join(a.out, CHECKPOINT_DIR)))) {
    throw new UsageError(`${a.out} already holds a training run: pass --resume to continue it, or choose another --out`);
  }
  let settings = a.settings;
  if (checkpoint) {
    const ignored = [...a.given].filter((f) => !['out', 'resume', 'epochs', 'quiet', 'revision'].includes(f));
    if (ignored.length) process.stderr.write(`perceiver-io finetune: --resume keeps the run's settings; ignoring --${ignored.join(', --')}\n`);
    settings = { ...checkpoint.state.settings, epochs: a.given.has('epochs') ? a.settings.epochs : checkpoint.state.settings.epochs };
  }
  const data = await readData(settings);
  if (checkpoint && JSON.stringify(data.labels) !== JSON.stringify(checkpoint.state.labels)) {
    throw new InputError(`${settings.data}: its labels (${data.labels.join(', ')}) are not the checkpoint's (${checkpoint.state.labels.join(', ')})`);
  }
  const onProgress = !a.quiet && process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;
  const sourceDir = await resolveModel(settings.model, { revision: a.revision, onProgress });
  const sourceConfig = (await readJsonFile(path.join(sourceDir, 'config.json'))) as Record<string, unknown>;
  const processor = await PerceiverImageProcessor.fromPretrained(sourceDir);
  const base = await AutoModelForImageClassification.fromPretrained(checkpoint ? checkpoint.dir : sourceDir);
  const initializerRange = typeof sourceConfig.initializer_range === 'number' ? sourceConfig.initializer_range : undefined;
  const model = checkpoint ? trainableCopy(base) : base.withNewHead({ id2label: data.labels, seed: settings.seed, initializerRange });
  base.dispose();
  const trainer = new Trainer(model, { train: settings.train, learningRate: settings.learningRate, weightDecay: settings.weightDecay });
  if (checkpoint) {
    const state = await checkpoint.optimizer();
    await trainer.restoreOptimizerState(state);
    tf.dispose(Object.values(state.tensors));
  }
  const save: SaveOptions = { sourceConfig, processor: processor.config };
  const history: EpochStats[] = checkpoint ? [...checkpoint.state.history] : [];
  let best = history.find((h) => h.epoch === checkpoint?.state.bestEpoch);
  const startEpoch = checkpoint?.state.epoch ?? 0;

  process.stdout.write(
    `${checkpoint ? `resuming after epoch ${startEpoch}: ` : ''}${settings.model}: ${data.labels.length} labels (${data.labels.join(', ')}), ` +
      `${data.train.length} training and ${data.val.length} validation images; --train ${settings.train}, lr ${settings.learningRate}` +
      `${settings.weightDecay ? `, weight decay ${settings.weightDecay}` : ''}, batch ${settings.batchSize}, seed ${settings.seed}${settings.flip ? ', flip' : ''}\n`,
  );
  await fsp.mkdir(a.out, { recursive: true });
  // One bar per pass (an epoch's training, then its validation): images/s and ETA of that pass.
  let bar: ProgressBar | undefined;
  let pass = '';
  let started = 0;
  const progress = (p: FitProgress) => {
    if (`${p.epoch} ${p.phase}` !== pass) {
      bar?.clear();
      bar = new ProgressBar(p.total);
      pass = `${p.epoch} ${p.phase}`;
      started = Date.now() - 1;
    }
    const rate = p.done / ((Date.now() - started) / 1000);
    bar!.moveTo(p.done, `${p.phase === 'train' ? 'training' : 'validating'} epoch ${p.epoch}/${settings.epochs}  ${rate.toFixed(1)} img/s  ETA ${Math.ceil((p.total - p.done) / rate)} s`);
  };
  const runner = new EpochRunner(trainer, processorImageSource(processor), {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    seed: settings.seed,
    flip: settings.flip,
    startEpoch,
    onProgress: progress,
    onBadImage: (file, e) => {
      bar?.clear();
      process.stderr.write(`perceiver-io finetune: skipping ${e.message.startsWith(file) ? e.message : `${file}: ${e.message}`}\n`);
    },
    onEpoch: async (stats) => {
      bar?.clear();
      history.push(stats);
      const better = isBetter(stats, best);
      if (better) {
        best = stats;
        await savePretrained(a.out, model, save);
      }
      const state: TrainingState = { epoch: stats.epoch, settings, labels: data.labels, history, bestEpoch: best!.epoch, badImages: Object.fromEntries(runner.badImages) };
      await writeCheckpoint(a.out, model, save, await trainer.optimizerState(), state);
      await writeFileAtomic(path.join(a.out, 'training-log.json'), JSON.stringify({ ...state, trainImages: data.train.length, valImages: data.val.length }, null, 2) + '\n');
      await fsp.writeFile(path.join(a.out, 'training-curves.png'), trainingCurvesPng(history));
      process.stdout.write(epochLine(stats, settings.epochs, better));
    },
  });
  for (const [file, why] of Object.entries(checkpoint?.state.badImages ?? {})) runner.badImages.set(file, why);
  try {
    await runner.fit(data.train, data.val);
  } finally {
    trainer.dispose();
    model.dispose();
    await stopDecoderWorker();
  }
  if (startEpoch >= settings.epochs) process.stdout.write(`nothing to do: the run already has ${startEpoch} epochs (pass a larger --epochs)\n`);
  if (best) process.stdout.write(`best epoch ${best.epoch} saved in ${a.out} (classify with: perceiver-io classify --model ${a.out} IMAGES)\n`);
  if (runner.badImages.size) process.stderr.write(`perceiver-io finetune: ${runner.badImages.size} images skipped (listed in training-log.json)\n`);
  return 0;
}

export async function main(args: string[]): Promise<number> {
  return runCommand('finetune', HELP, async () => {
    const a = parse(args);
    if (!a) {
      process.stdout.write(HELP);
      return 0;
    }
    return train(a);
  });
}
