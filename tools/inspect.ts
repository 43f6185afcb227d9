/** `perceiver-io inspect`: what a weights file holds (tensors, dtypes, shapes, parameters, metadata). */
import { numElements } from '../src/weights/dtypes';
import { openWeightFile } from '../src/weights/open-weights';
import type { TensorSource } from '../src/weights/tensor-source';
import { parseCommandArgs, runCommand, UsageError } from './command';

const HELP = `Usage: perceiver-io inspect <file> [--json]

Lists the tensors of a weights file without loading a model: name, dtype, shape and parameter count
per tensor, the totals, and the file's metadata. Reads .safetensors files and torch.save
checkpoints (pytorch_model.bin, .pt, .pth) through the restricted unpickler (no code from the file
is ever run); only headers are parsed, tensor data is not read.

Options:
  --json       One JSON object: {"file", "format", "metadata", "tensors": [{"name", "dtype",
               "shape", "parameters"}], "tensorCount", "parameters"}.
  -h, --help   Show this help.

Exit status: 0 listed, 1 unreadable or refused file, 2 bad usage.

Examples:
  perceiver-io inspect ./vision-perceiver-fourier/pytorch_model.bin
  perceiver-io inspect ./vision-perceiver-fourier/model.safetensors --json
`;

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  parameters: number;
}

function rows(source: TensorSource): TensorRow[] {
  return source.names.map((name) => ({ name, dtype: source.dtypeOf(name), shape: source.shapeOf(name), parameters: numElements(source.shapeOf(name)) }));
}

function table(source: TensorSource, tensors: TensorRow[], total: number): string {
  const shape = (t: TensorRow) => `[${t.shape.join(', ')}]`;
  const nameWidth = Math.max(4, ...tensors.map((t) => t.name.length));
  const shapeWidth = Math.max(5, ...tensors.map((t) => shape(t).length));
  const counts = new Map<string, number>();
  tensors.forEach((t) => counts.set(t.dtype, (counts.get(t.dtype) ?? 0) + 1));
  const metadata = Object.entries(source.metadata).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [
    `${source.source} (${source.format})`,
    `metadata: ${metadata.length ? metadata.join(', ') : '(none)'}`,
    '',
    `${'name'.padEnd(nameWidth)}  dtype  ${'shape'.padEnd(shapeWidth)}  parameters`,
    ...tensors.map((t) => `${t.name.padEnd(nameWidth)}  ${t.dtype.padEnd(5)}  ${shape(t).padEnd(shapeWidth)}  ${t.parameters.toLocaleString('en-US').padStart(10)}`),
    '',
    `${tensors.length} tensors, ${total.toLocaleString('en-US')} parameters (${[...counts].map(([d, n]) => `${n} ${d}`).join(', ') || 'no tensors'})`,
    '',
  ].join('\n');
}

export async function main(args: string[]): Promise<number> {
  return runCommand('inspect', HELP, async () => {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one file, got ${positionals.length} arguments`);
    const source = await openWeightFile(positionals[0]);
    const tensors = rows(source);
    const total = tensors.reduce((n, t) => n + t.parameters, 0);
    process.stdout.write(
      values.json
        ? JSON.stringify({ file: source.source, format: source.format, metadata: source.metadata, tensors, tensorCount: tensors.length, parameters: total }) + '\n'
        : table(source, tensors, total),
    );
    return 0;
  });
}
