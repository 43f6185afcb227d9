/** `perceiver-io explain`: where the model looked, as PNG overlays (attention rollout and latent maps) plus JSON. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { ExplainResult, ImageClassifier } from '../src/classifier';
import type { Explanation } from '../src/explain/explanation';
import { OutputError } from '../src/errors';
import { DEFAULT_MODEL_ID, DEFAULT_REVISION } from '../src/hub/model-id';
import { terminalProgress } from '../src/hub/progress';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { formatValue, latentGridPng, rolloutPng } from '../src/render/attention-pictures';
import { fileErrorLine, imageFilesReporting, IMAGE_EXTENSIONS } from './image-files';
import { ProgressBar } from './progress-bar';
import { parseCommandArgs, runCommand, UsageError } from './command';

const HELP = `Usage: perceiver-io explain [--model ID|DIR] <files or directories...> --out DIR [options]

Shows where a Perceiver IO classifier looked: for each image, one forward pass records every
attention and folds it into the attention rollout (docs/explain.md), then writes to DIR:

  <name>.rollout.png   the rollout map (where the prediction's information came from) as a heat
                       overlay on the image the model saw, with the top label and score below it
                       and in the PNG's Title; colour bar from 0 to the map's maximum (inferno:
                       brighter = more)
  <name>.latents.png   the encoder cross-attention maps of the latents that carry the most of the
                       prediction, heaviest first, captioned "#latent weight"
  <name>.explain.json  predictions, latent indices and weights, map sizes, the files written

<name> is the image's file name without its extension (-2, -3 ... added if two inputs share it).
Existing files of those names are replaced.

Arguments:
  files or directories  Image files (PNG, JPEG, GIF, BMP, TIFF). A directory stands for the files
                        directly inside it ending in ${IMAGE_EXTENSIONS.join(' ')} (not recursive).

Options:
  --out DIR             Where to write the files (created if missing). Required.
  --model ID|DIR        Hugging Face model id (default ${DEFAULT_MODEL_ID}) or a model directory,
                        as for 'perceiver-io classify'.
  --revision REV        Branch, tag or commit hash of a model id (default ${DEFAULT_REVISION}).
  --latents N           Latent maps per image (default 16; at most the model's number of latents).
  --alpha A             Opacity of the heat colours over the image, 0 to 1 (default 0.5).
  --clip Q              Quantile of each map drawn as the brightest colour, above 0 and at most 1
                        (default 0.99; 1 = the map's maximum). Attention maps are heavy-tailed: a
                        few hot pixels would otherwise leave the rest black.
  --top-k N             Predictions per image in the JSON, best first (default 5).
  --json                One JSON object per image on stdout (the content of <name>.explain.json),
                        or {"file", "error"}; otherwise one line per image saying what was written.
  --quiet               No download progress on stderr.
  -h, --help            Show this help.

It is slow: a forward pass per image (~20 s for the full-size model on one core), shown as a
progress bar on stderr when it is a terminal. A file that cannot be read or decoded is reported
(with its path and the reason) and the other images are still explained.

Exit status: 0 all images explained, 1 some image failed, 2 bad usage.

Examples:
  perceiver-io explain cat.jpg --out explained/
  perceiver-io explain --model ./vision-perceiver-fourier --latents 8 --alpha 0.6 photos/ --out maps/
`;

interface Settings {
  model: string;
  revision: string;
  quiet: boolean;
  paths: string[];
  out: string;
  latents: number;
  alpha: number;
  clip: number;
  topK: number;
  json: boolean;
}

function integer(text: string | undefined, flag: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got '${text}'`);
  }
  return value;
}

/** A decimal number in [0, 1] that also passes `low`. */
function fraction(text: string | undefined, flag: string, fallback: number, low: (v: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text) || !low(value) || value > 1) throw new UsageError(`${flag} must be ${what}, got '${text}'`);
  return value;
}

/** Parsed settings, or null when help was asked for. */
function parseSettings(args: string[]): Settings | null {
  const { values, positionals } = parseCommandArgs(args, {
    out: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    latents: { type: 'string' },
    alpha: { type: 'string' },
    clip: { type: 'string' },
    'top-k': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return null;
  if (positionals.length === 0) throw new UsageError('no image files or directories given');
  if (!values.out) throw new UsageError('--out DIR is required');
  const alpha = fraction(values.alpha, '--alpha', 0.5, (v) => v >= 0, 'a number from 0 to 1');
  const clip = fraction(values.clip, '--clip', 0.99, (v) => v > 0, 'a quantile above 0 and at most 1');
  return {
    model: values.model ?? DEFAULT_MODEL_ID,
    revision: values.revision ?? DEFAULT_REVISION,
    quiet: values.quiet ?? false,
    paths: positionals,
    out: values.out,
    latents: integer(values.latents, '--latents', 16, 0),
    alpha,
    clip,
    topK: integer(values['top-k'], '--top-k', 5, 1),
    json: values.json ?? false,
  };
}

/** Output names: the file name without extension, made unique within the run. */
function outputNames(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((file) => {
    const base = path.parse(file).name || 'image';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/** The argmax of a map as (row, column). */
function hottest(map: { data: Float32Array; width: number }): { row: number; column: number } {
  let best = 0;
  for (let i = 1; i < map.data.length; i++) if (map.data[i] > map.data[best]) best = i;
  return { row: Math.floor(best / map.width), column: best % map.width };
}

/** The summary written to <name>.explain.json (and printed with --json). */
function summary(file: string, e: Explanation, files: { rollout: string; latents: string; json: string }, display: { alpha: number; clip: number }) {
  let max = 0;
  for (const v of e.rollout.data) max = Math.max(max, v);
  return {
    file,
    predictions: e.predictions,
    rollout: { height: e.rollout.height, width: e.rollout.width, max, hottest: hottest(e.rollout) },
    latents: e.latents.map((l) => ({ index: l.index, weight: l.weight })),
    image: { width: e.image.width, height: e.image.height },
    ...display,
    files,
  };
}

/** Writes the three files; a failure to write is this image's error. */
async function writeOutputs(result: ExplainResult & { explanation: Explanation }, name: string, settings: Settings): Promise<ReturnType<typeof summary> | { error: string }> {
  try {
    return await writeFiles(result, name, settings);
  } catch (e) {
    return { error: `cannot write its outputs to ${settings.out} (${(e as Error).message})` };
  }
}

async function writeFiles(result: ExplainResult & { explanation: Explanation }, name: string, settings: Settings) {
  const e = result.explanation;
  const top = e.predictions[0];
  const files = {
    rollout: path.join(settings.out, `${name}.rollout.png`),
    latents: path.join(settings.out, `${name}.latents.png`),
    json: path.join(settings.out, `${name}.explain.json`),
  };
  const legend = `${top.label} ${formatValue(top.score)}`;
  const display = { alpha: settings.alpha, clip: settings.clip };
  await fsp.writeFile(files.rollout, rolloutPng(e.rollout, e.image, { ...display, legend }));
  const title = `${path.basename(result.input)}: the ${e.latents.length} heaviest latents`;
  await fsp.writeFile(files.latents, latentGridPng(e.latents, e.image, { ...display, title }));
  const body = summary(result.input, e, files, display);
  await fsp.writeFile(files.json, JSON.stringify(body, null, 2) + '\n');
  return body;
}

async function makeOutputDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(`--out ${dir}: cannot create the directory (${(e as Error).message})`);
  }
}


export async function main(args: string[]): Promise<number> {
  return runCommand('explain', HELP, async () => {
    const settings = parseSettings(args);
    if (!settings) {
      process.stdout.write(HELP);
      return 0;
    }
    const listed = await imageFilesReporting('explain', settings.paths);
    const files = listed.files;
    let failures = listed.failures;
    if (files.length > 0) {
      await makeOutputDir(settings.out);
      const onProgress = !settings.quiet && process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;
      const classifier = await ImageClassifier.fromPretrained(settings.model, { revision: settings.revision, onProgress });
      // One tick per attention of each forward pass: a bar that moves during the long per-image work.
      const { numBlocks, numSelfAttendsPerBlock } = classifier.model.config;
      const steps = numBlocks * numSelfAttendsPerBlock + 2;
      const progress = new ProgressBar(files.length * steps, process.stderr);
      const names = outputNames(files);
      try {
        for await (const result of classifier.explainEach(files, { topK: settings.topK, latents: settings.latents, onAttention: () => progress.tick() })) {
          progress.clear();
          const outcome = result.error ? { error: result.error.message } : await writeOutputs(result, names[result.index], settings);
          if ('error' in outcome) {
            failures++;
            process.stderr.write(fileErrorLine('explain', result.input, outcome.error));
            if (settings.json) process.stdout.write(JSON.stringify({ file: result.input, error: outcome.error }) + '\n');
          } else {
            const top = outcome.predictions[0];
            const { rollout, latents, json } = outcome.files;
            process.stdout.write(settings.json ? JSON.stringify(outcome) + '\n' : `${result.input}: ${top.label} (${top.score.toFixed(4)}) -> ${rollout}, ${latents}, ${json}\n`);
          }
          if (result.error) progress.tick(steps); // its forward pass never ran
          else progress.redraw();
        }
      } finally {
        progress.clear();
        await classifier.dispose();
        await stopDecoderWorker();
      }
    }
    if (failures > 0) process.stderr.write(`perceiver-io explain: ${failures} of ${files.length + listed.failures} inputs failed\n`);
    return failures > 0 ? 1 : 0;
  });
}
