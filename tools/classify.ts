/** `perceiver-io classify`: classify image files with a Perceiver model directory or Hub model id. */
import { BackendName, describeBackend, initBackend } from '../src/backend';
import { ClassifyResult, ImageClassifier } from '../src/classifier';
import { PerceiverWorkerPool } from '../src/parallel/worker-pool';
import { DEFAULT_MODEL_ID, DEFAULT_REVISION } from '../src/hub/model-id';
import { terminalProgress } from '../src/hub/progress';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { fileErrorLine, imageFilesReporting, IMAGE_EXTENSIONS } from './image-files';
import { ProgressBar } from './progress-bar';
import { parseCommandArgs, UsageError } from './command';

const HELP = `Usage: perceiver-io classify [--model ID|DIR] [options] <files or directories...>

Classifies images with a Perceiver IO image classifier, preprocessing them exactly as Hugging Face's
PerceiverImageProcessor does. The class comes from the model's config.json: Fourier
(deepmind/vision-perceiver-fourier), Learned (deepmind/vision-perceiver-learned) or ConvProcessing
(deepmind/vision-perceiver-conv, the fastest: 3,025 input tokens instead of 50,176).

Arguments:
  files or directories  Image files (PNG, JPEG, GIF, BMP, TIFF). A directory stands for the files
                        directly inside it ending in ${IMAGE_EXTENSIONS.join(' ')} (not recursive).

Options:
  --model ID|DIR        Hugging Face model id (default ${DEFAULT_MODEL_ID}), downloaded on first use
                        into the Hugging Face cache and converted once to safetensors; or a model
                        directory: config.json, model.safetensors (or pytorch_model.bin) and
                        optionally preprocessor_config.json (Hugging Face's defaults otherwise).
  --revision REV        Branch, tag or commit hash of a model id (default ${DEFAULT_REVISION}).
  --quiet               No download progress on stderr.
  --top-k N             Predictions per image, best first (default 5).
  --batch-size N        Images per model call (default 8); bounds memory.
  --workers N           Copies of the model on worker threads (default 1: the main thread). With N
                        cores, --workers N classifies about N times as many images per second when
                        the batch size is at least N; each copy holds its own weights (~200 MB).
  --threads N           BLAS threads of the blas backend (default PERCEIVER_THREADS, else all cores),
                        split between the workers.
  --verbose             Print the backend, its BLAS library file and thread count on stderr.
  --json                One JSON object per image on stdout, as each finishes:
                        {"file", "predictions": [{"label", "score", "index"}]} or {"file", "error"}.
  -h, --help            Show this help.

A file that cannot be read or decoded is reported (with its path and the reason) and the other
images are still classified. A progress bar is shown on stderr when it is a terminal.

Exit status: 0 all images classified, 1 some image failed, 2 bad usage.

Backend: tensorflow (tfjs-node, if installed) > blas (the system BLAS through koffi: Debian/Ubuntu
\`apt-get install libopenblas0-pthread\`, macOS Accelerate) > wasm > cpu; PERCEIVER_BACKEND=blas|wasm|...
chooses one, PERCEIVER_BLAS=/path/to/libopenblas.so picks the BLAS library file.

Environment: HF_ENDPOINT, HF_TOKEN, HF_HOME / HF_HUB_CACHE, HF_HUB_OFFLINE=1, HTTPS_PROXY / HTTP_PROXY /
NO_PROXY, as for Python's huggingface_hub.

Examples:
  perceiver-io classify cat.jpg
  perceiver-io classify --model ./vision-perceiver-fourier cat.jpg dog.png
  perceiver-io classify --model deepmind/vision-perceiver-conv photos/
  perceiver-io classify --model ./vision-perceiver-fourier --top-k 1 --json photos/ > labels.jsonl
  PERCEIVER_BACKEND=wasm perceiver-io classify --model ./model --batch-size 4 photos/
  perceiver-io classify --workers 2 --batch-size 8 photos/      # both cores of a 2-core machine
`;

interface Settings {
  model: string;
  revision: string;
  quiet: boolean;
  paths: string[];
  topK: number;
  batchSize: number;
  workers: number;
  threads?: number;
  verbose: boolean;
  json: boolean;
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

/** Parsed settings, or null when help was asked for. */
function parseSettings(args: string[]): Settings | null {
  const parsed = parseCommandArgs(args, {
    model: { type: 'string' },
    revision: { type: 'string' },
    quiet: { type: 'boolean' },
    'top-k': { type: 'string' },
    'batch-size': { type: 'string' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    verbose: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length === 0) throw new UsageError('no image files or directories given');
  return {
    model: values.model ?? DEFAULT_MODEL_ID,
    revision: values.revision ?? DEFAULT_REVISION,
    quiet: values.quiet ?? false,
    paths: positionals,
    topK: positiveInteger(values['top-k'], '--top-k', 5),
    batchSize: positiveInteger(values['batch-size'], '--batch-size', 8),
    workers: positiveInteger(values.workers, '--workers', 1),
    threads: values.threads === undefined ? undefined : positiveInteger(values.threads, '--threads', 1),
    verbose: values.verbose ?? false,
    json: values.json ?? false,
  };
}

function formatTable(result: ClassifyResult): string {
  if (result.error) return '';
  const rows = result.predictions.map((p, rank) => `  ${String(rank + 1).padStart(2)}  ${p.score.toFixed(4)}  ${p.label} (${p.index})`);
  return `${result.input}\n${rows.join('\n')}\n`;
}

function formatJson(result: ClassifyResult): string {
  const body = result.error ? { file: result.input, error: result.error.message } : { file: result.input, predictions: result.predictions };
  return JSON.stringify(body) + '\n';
}


/** The backend, BLAS file and threads the model computes with (per worker for a pool). */
async function backendLine(classifier: ImageClassifier): Promise<string> {
  const info = await initBackend();
  const model = classifier.model;
  if (!(model instanceof PerceiverWorkerPool)) return describeBackend(info);
  return describeBackend({ ...info, name: model.backend as BackendName, threads: model.threadsPerWorker }) + ` in each of ${model.size} workers`;
}

export async function main(args: string[]): Promise<number> {
  let settings: Settings | null;
  try {
    settings = parseSettings(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`perceiver-io classify: ${e.message}\nRun 'perceiver-io classify --help' for usage.\n`);
    return 2;
  }
  if (!settings) {
    process.stdout.write(HELP);
    return 0;
  }
  const listed = await imageFilesReporting('classify', settings.paths);
  const files = listed.files;
  let failures = listed.failures;
  if (files.length > 0) {
    const onProgress = !settings.quiet && process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;
    const classifier = await ImageClassifier.fromPretrained(settings.model, { revision: settings.revision, onProgress, workers: settings.workers, threads: settings.threads });
    if (settings.verbose) process.stderr.write(`perceiver-io classify: ${await backendLine(classifier)}\n`);
    const progress = new ProgressBar(files.length, process.stderr, process.stderr.isTTY === true && files.length > 3);
    try {
      for await (const result of classifier.classifyEach(files, { topK: settings.topK, batchSize: settings.batchSize })) {
        progress.clear();
        if (result.error) {
          failures++;
          process.stderr.write(fileErrorLine('classify', result.input, result.error.message));
        }
        const text = settings.json ? formatJson(result) : formatTable(result);
        if (text) process.stdout.write(text);
        progress.tick();
      }
    } finally {
      await classifier.dispose();
      await stopDecoderWorker();
    }
  }
  if (failures > 0) process.stderr.write(`perceiver-io classify: ${failures} of ${files.length + listed.failures} inputs failed\n`);
  return failures > 0 ? 1 : 0;
}
