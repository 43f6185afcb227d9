/** `perceiver-io embed`: image features from the encoder of a Perceiver model, written for other tools. */
import * as fs from 'fs';
import * as path from 'path';
import { ImageClassifier } from '../src/classifier';
import { DEFAULT_MODEL_ID, DEFAULT_REVISION } from '../src/hub/model-id';
import { terminalProgress } from '../src/hub/progress';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import type { PerceiverModel } from '../src/model/perceiver-model';
import { parseCommandArgs, runCommand, UsageError } from './command';
import { FeatureTable, FEATURE_FORMATS, namesFileOf, writeFeatures } from './feature-files';
import { fileErrorLine, imageFilesReporting, IMAGE_EXTENSIONS } from './image-files';
import { ProgressBar } from './progress-bar';
import { OutputError } from '../src/errors';

const HELP = `Usage: perceiver-io embed [--model ID|DIR] --out FILE [options] <files or directories...>

Writes one feature vector per image for use in other tools (search, clustering, linear probes):
the mean over latents of the encoder's final latents (Hugging Face's PerceiverModel
last_hidden_state, before the classification decoder), D values per image (1,024 for the Hub
models). Images are preprocessed as for classify.

Arguments:
  files or directories  Image files (PNG, JPEG, GIF, BMP, TIFF); a directory stands for the files
                        directly inside it ending in ${IMAGE_EXTENSIONS.join(' ')}.

Options:
  --out FILE            Required. FILE.safetensors: tensor "pooled" [K, D] float32 (and
                        "last_hidden_state" [K, N, D] with --latents); the metadata holds "files"
                        (a JSON list of the K image paths, in row order), "model" and
                        "architecture". FILE.npy: "pooled" as a NumPy array [K, D] float32, the
                        paths in FILE.files.json beside it.
  --latents             Also store every image's final latents [N, D] (safetensors only; 2 MB per
                        image for the Hub models).
  --model ID|DIR        Hugging Face model id (default ${DEFAULT_MODEL_ID}) or model directory, as for
                        classify; any of the three classifiers.
  --revision REV        Branch, tag or commit hash of a model id (default ${DEFAULT_REVISION}).
  --batch-size N        Images per model call (default 8); bounds memory.
  --force               Overwrite FILE if it exists.
  --quiet               No download progress on stderr.
  -h, --help            Show this help.

Images that cannot be read or decoded are reported on stderr (path and reason) and left out of
the output; the others are still written. A progress bar is shown on stderr when it is a terminal.

Exit status: 0 all images embedded, 1 some image failed (or nothing could be written), 2 bad usage.

Examples:
  perceiver-io embed --out features.safetensors photos/
  perceiver-io embed --model deepmind/vision-perceiver-conv --out features.npy a.jpg b.png
`;

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

export async function main(args: string[]): Promise<number> {
  return runCommand('embed', HELP, async () => {
    const { values, positionals } = parseCommandArgs(args, {
      model: { type: 'string' },
      revision: { type: 'string' },
      out: { type: 'string' },
      latents: { type: 'boolean' },
      'batch-size': { type: 'string' },
      force: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const out = values.out;
    if (!out) throw new UsageError('--out FILE is required (FILE.safetensors or FILE.npy)');
    if (!FEATURE_FORMATS.some((ext) => out.endsWith(ext))) throw new UsageError(`--out must end in ${FEATURE_FORMATS.join(' or ')}, got '${out}'`);
    if (values.latents && out.endsWith('.npy')) throw new UsageError('--latents needs a .safetensors output (a .npy file holds one array)');
    if (positionals.length === 0) throw new UsageError('no image files or directories given');
    const batchSize = positiveInteger(values['batch-size'], '--batch-size', 8);
    const targets = out.endsWith('.npy') ? [out, namesFileOf(out)] : [out];
    const existing = targets.filter((f) => fs.existsSync(f));
    if (existing.length && !values.force) throw new OutputError(`refusing to overwrite ${existing.join(', ')} (use --force)`);
    if (!fs.existsSync(path.dirname(path.resolve(out)))) throw new OutputError(`${path.dirname(out)}: no such directory for --out`);

    const listed = await imageFilesReporting('embed', positionals);
    let failures = listed.failures;
    const model = values.model ?? DEFAULT_MODEL_ID;
    const table: FeatureTable = { files: [], dim: 0, pooled: [], about: { model } };
    if (listed.files.length > 0) {
      const onProgress = !values.quiet && process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;
      const classifier = await ImageClassifier.fromPretrained(model, { revision: values.revision ?? DEFAULT_REVISION, onProgress });
      const perceiver = classifier.model as PerceiverModel;
      table.dim = perceiver.config.dLatents;
      table.about.architecture = perceiver.architecture;
      if (values.latents) table.latents = { numLatents: perceiver.config.numLatents, rows: [] };
      const progress = new ProgressBar(listed.files.length, process.stderr, process.stderr.isTTY === true && listed.files.length > 3);
      try {
        for await (const r of classifier.embedEach(listed.files, { batchSize, latents: values.latents })) {
          progress.clear();
          if (r.error) {
            failures++;
            process.stderr.write(fileErrorLine('embed', r.input, r.error.message));
          } else {
            table.files.push(r.input);
            table.pooled.push(r.features.pooled);
            table.latents?.rows.push(r.features.lastHiddenState!);
          }
          progress.tick();
        }
      } finally {
        await classifier.dispose();
        await stopDecoderWorker();
      }
    }
    if (table.files.length > 0) {
      const written = await writeFeatures(out, table);
      process.stderr.write(`perceiver-io embed: wrote ${written.join(' and ')}: ${table.files.length} images x ${table.dim} features\n`);
    }
    const total = listed.files.length + listed.failures;
    if (failures > 0) process.stderr.write(`perceiver-io embed: ${failures} of ${total} inputs failed${table.files.length ? '' : '; nothing written'}\n`);
    return failures > 0 ? 1 : 0;
  });
}
