/** `perceiver-io convert`: a Hub checkpoint (pytorch_model.bin) or safetensors file -> model.safetensors. */
import * as fs from 'fs';
import * as path from 'path';
import { readConfig } from '../src/config-file';
import { OutputError, WeightsError } from '../src/errors';
import { FloatDtype } from '../src/weights/dtypes';
import { convertCheckpoint } from '../src/weights/convert-checkpoint';
import { openWeightFile, PYTORCH_NAME, SAFETENSORS_NAME } from '../src/weights/open-weights';
import { parseCommandArgs, runCommand, UsageError } from './command';
import { ProgressBar } from './progress-bar';

const HELP = `Usage: perceiver-io convert <src> <out-dir> [--dtype float32|float16|bfloat16] [--config FILE] [--force]

Converts a Perceiver IO checkpoint into what perceiver-io loads fastest: <out-dir>/model.safetensors
with the Hugging Face tensor names (metadata {"format":"pt"}), plus copies of config.json and
preprocessor_config.json. No Python needed: pytorch_model.bin (a torch.save zip) is read by a
restricted unpickler that only knows what a state dict needs and refuses anything else (it never
runs code from the file). The legacy pre-1.6 torch format is not supported.

Arguments:
  src        A model directory in the Hub layout (config.json and ${PYTORCH_NAME}, or
             ${SAFETENSORS_NAME}), or a single .bin / .safetensors file; the config is then
             config.json next to it, unless --config is given.
  out-dir    Where to write (created if missing; may be the same as a src directory).

Options:
  --dtype T     float32 (default), float16 or bfloat16. Narrowing rounds to nearest even (as torch's
                .half() / .bfloat16()); float16 halves the file at a cost of ~1e-3 in the logits.
  --config F    The config.json to check the tensors against.
  --force       Overwrite existing files in out-dir.
  -h, --help    Show this help.

Before reporting success the written file is read back and checked against the config: every
tensor name and shape, the parameter count (136 tensors, 48,440,627 parameters for
deepmind/vision-perceiver-fourier) and no NaN/Inf. Files are written atomically (a temporary file
renamed when complete), tensor by tensor, so memory stays far below the checkpoint size. A progress
bar is shown on stderr when it is a terminal.

Exit status: 0 converted, 1 conversion failed (nothing half-written is left), 2 bad usage.

Example (the real checkpoint: download config.json, preprocessor_config.json and pytorch_model.bin
from https://huggingface.co/deepmind/vision-perceiver-fourier/tree/main into ./vision-perceiver-fourier):
  perceiver-io convert ./vision-perceiver-fourier ./vision-perceiver-fourier
  perceiver-io convert ./vision-perceiver-fourier ./perceiver-fp16 --dtype float16
  perceiver-io convert ./downloads/pytorch_model.bin ./model --config ./downloads/config.json
`;

const DTYPES: Record<string, FloatDtype> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };
const CONFIG_NAME = 'config.json';
const PREPROCESSOR_NAME = 'preprocessor_config.json';

interface Settings {
  weightsFile: string;
  configFile: string;
  outFile: string;
  /** config.json (always) and preprocessor_config.json (if the source has one), copied next to the weights. */
  copies: { from: string; to: string }[];
  dtype: FloatDtype;
  force: boolean;
}

function parseSettings(args: string[]): Settings | null {
  const parsed = parseCommandArgs(args, {
    dtype: { type: 'string', default: 'float32' },
    config: { type: 'string' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length !== 2) throw new UsageError(`expected <src> <out-dir>, got ${positionals.length} arguments`);
  const dtype = DTYPES[values.dtype!];
  if (!dtype) throw new UsageError(`--dtype must be one of ${Object.keys(DTYPES).join(', ')}, got '${values.dtype}'`);
  const [src, outDir] = positionals;
  if (!fs.existsSync(src)) throw new WeightsError(`${src}: no such file or directory`);
  const srcDir = fs.statSync(src).isDirectory() ? src : path.dirname(src);
  const configFile = values.config ?? path.join(srcDir, CONFIG_NAME);
  const preprocessor = path.join(srcDir, PREPROCESSOR_NAME);
  return {
    weightsFile: src === srcDir ? weightsFileIn(src) : src,
    configFile,
    outFile: path.join(outDir, SAFETENSORS_NAME),
    copies: [
      { from: configFile, to: path.join(outDir, CONFIG_NAME) },
      ...(fs.existsSync(preprocessor) ? [{ from: preprocessor, to: path.join(outDir, PREPROCESSOR_NAME) }] : []),
    ],
    dtype,
    force: values.force!,
  };
}

/** The Hub layout's checkpoint; an existing model.safetensors can be re-converted (e.g. to another dtype). */
function weightsFileIn(dir: string): string {
  for (const name of [PYTORCH_NAME, SAFETENSORS_NAME]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new WeightsError(`${dir}: neither ${PYTORCH_NAME} nor ${SAFETENSORS_NAME} found`);
}

const samePath = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b);

function prepareOutDir(s: Settings): void {
  const outDir = path.dirname(s.outFile);
  try {
    fs.mkdirSync(outDir, { recursive: true });
    fs.accessSync(outDir, fs.constants.W_OK);
  } catch (e) {
    throw new OutputError(`${outDir}: cannot write to the output directory (${(e as Error).message})`);
  }
  const targets = [{ from: s.weightsFile, to: s.outFile }, ...s.copies];
  const clobbered = targets.filter((t) => fs.existsSync(t.to) && !samePath(t.from, t.to)).map((t) => t.to);
  if (clobbered.length && !s.force) throw new OutputError(`refusing to overwrite ${clobbered.join(', ')} (use --force)`);
}

/** Copies through a temporary file so a crash never leaves a partial copy. */
function copyAtomically(from: string, to: string): void {
  if (samePath(from, to)) return;
  const tmp = `${to}.${process.pid}.tmp`;
  try {
    fs.copyFileSync(from, tmp);
    fs.chmodSync(tmp, 0o644); // a copy of a read-only download should still be replaceable
    fs.renameSync(tmp, to);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new OutputError(`${to}: cannot copy ${from} (${(e as Error).message})`);
  }
}

async function convert(s: Settings): Promise<void> {
  prepareOutDir(s);
  const config = await readConfig(s.configFile);
  const source = await openWeightFile(s.weightsFile);
  const started = Date.now();
  const progress = new ProgressBar(source.names.length);
  const summary = await convertCheckpoint(source, config, s.outFile, { dtype: s.dtype, onTensor: () => progress.tick() });
  s.copies.forEach((c) => copyAtomically(c.from, c.to));
  const megabytes = (fs.statSync(s.outFile).size / 1e6).toFixed(1);
  const dtypeName = Object.keys(DTYPES).find((k) => DTYPES[k] === s.dtype);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `wrote ${s.outFile}: ${summary.tensors} tensors, ${summary.parameters.toLocaleString('en-US')} parameters, ${dtypeName}, ${megabytes} MB ` +
      `(from ${source.format} ${s.weightsFile}, verified against ${s.configFile}, ${seconds} s)\n`,
  );
  s.copies.forEach((c) => process.stdout.write(`${samePath(c.from, c.to) ? 'kept' : 'copied'} ${c.to}\n`));
}

export async function main(args: string[]): Promise<number> {
  return runCommand('convert', HELP, async () => {
    const settings = parseSettings(args);
    if (settings) await convert(settings);
    else process.stdout.write(HELP);
    return 0;
  });
}
