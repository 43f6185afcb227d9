#!/usr/bin/env node
/**
 * `perceiver-io` command line: one file per verb in this folder. This file only dispatches, so a
 * verb's dependencies load only when it runs.
 */
import * as path from 'path';

interface Command {
  summary: string;
  /** Module in this folder exporting `main(args: string[]): Promise<number>` (the exit code). */
  module: string;
}

const COMMANDS: Record<string, Command> = {
  classify: { summary: 'Classify image files (top-k labels, table or JSON lines)', module: './classify' },
  embed: { summary: 'Write image features (the encoder output, one vector per image) to .safetensors or .npy', module: './embed' },
  explain: { summary: 'Show where the model looked: attention rollout and latent maps as PNG overlays', module: './explain' },
  finetune: { summary: 'Train a classifier of your own labels on a folder of images (new head, transfer learning)', module: './finetune' },
  convert: { summary: 'Convert pytorch_model.bin (safely, no Python) or safetensors to model.safetensors', module: './convert' },
  inspect: { summary: 'List the tensors, dtypes, shapes and parameter count of a weights file', module: './inspect' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length), 8);
  const verbs = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return [
    'perceiver-io: Perceiver IO image classification (deepmind/vision-perceiver-fourier, -learned, -conv) on tfjs',
    '',
    'Usage: perceiver-io <command> [options]',
    '',
    'Commands:',
    verbs,
    '',
    "Run 'perceiver-io <command> --help' for a command's options.",
    'Environment: PERCEIVER_BACKEND=tensorflow|wasm|cpu chooses the tfjs backend.',
  ].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(usage() + '\n');
    return verb === undefined ? 2 : 0;
  }
  if (verb === '--version') {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    process.stdout.write(require(path.join(__dirname, '..', '..', 'package.json')).version + '\n');
    return 0;
  }
  const command = COMMANDS[verb];
  if (!command) {
    process.stderr.write(`perceiver-io: unknown command '${verb}'\n\n${usage()}\n`);
    return 2;
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(path.join(__dirname, command.module)) as { main(args: string[]): Promise<number> };
  return mod.main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`perceiver-io: ${e.name === 'Error' ? '' : e.name + ': '}${e.message}\n`);
    process.exitCode = 1;
  },
);
