/** `perceiver-io classify` as users run it: the built CLI in a separate process, on the tiny fixture model. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';
import { referencePrediction, Reference } from './classify-helpers';
import { fixturePath, readFixtureJson } from './fixtures';
import { CLI_PATH } from './global-setup';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const MODEL = fixturePath('tiny');
const labels = readFixtureJson<{ id2label: Record<string, string> }>('tiny', 'config.json').id2label;
let dir: string;
let references: Record<string, Reference>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perceiver-cli-'));
  fs.copyFileSync(fixturePath('preprocess', 'chelsea.jpg'), path.join(dir, 'a-chelsea.jpg'));
  fs.writeFileSync(path.join(dir, 'b-broken.png'), 'this is a text file, not a PNG\n');
  fs.copyFileSync(fixturePath('preprocess', 'coffee_small.png'), path.join(dir, 'c-coffee.png'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not picked up: no image extension\n');
  await initBackend();
  const model = await PerceiverForImageClassificationFourier.fromPretrained(MODEL);
  references = {
    'a-chelsea.jpg': await referencePrediction(model, 'chelsea_jpg.safetensors'),
    'c-coffee.png': await referencePrediction(model, 'coffee_small_png.safetensors'),
  };
  model.dispose();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--json on a directory with one bad file: others classified, error names the file, exit 1', async () => {
  const run = await cli('classify', '--model', MODEL, '--top-k', '3', '--batch-size', '2', '--json', dir);
  expect(run.code).toBe(1);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => path.basename(l.file))).toEqual(['a-chelsea.jpg', 'b-broken.png', 'c-coffee.png']);
  expect(lines[1].error).toBe(`${path.join(dir, 'b-broken.png')}: not a recognised image format (expected PNG, JPEG, GIF, BMP or TIFF)`);
  expect(run.stderr).toContain(`${path.join(dir, 'b-broken.png')}: not a recognised image format`);
  expect(run.stderr).toContain('1 of 3 inputs failed');
  for (const line of [lines[0], lines[2]]) {
    const ref = references[path.basename(line.file)];
    expect(line.predictions.map((p: { index: number }) => p.index)).toEqual(ref.order.slice(0, 3));
    expect(line.predictions.map((p: { label: string }) => p.label)).toEqual(ref.order.slice(0, 3).map((i) => labels[String(i)]));
    for (const p of line.predictions) expect(p.score).toBeCloseTo(ref.probabilities[p.index], 5);
  }
});

test('table output for a file, exit 0', async () => {
  const file = path.join(dir, 'c-coffee.png');
  const run = await cli('classify', '--model', MODEL, '--top-k', '2', file);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const ref = references['c-coffee.png'];
  const row = (rank: number) => `  ${rank + 1}  ${ref.probabilities[ref.order[rank]].toFixed(4)}  ${labels[String(ref.order[rank])]} (${ref.order[rank]})`;
  expect(run.stdout).toBe(`${file}\n ${row(0)}\n ${row(1)}\n`);
});

test('--verbose --threads 1 names the backend, its BLAS library file and thread count', async () => {
  const run = await cli('classify', '--model', MODEL, '--top-k', '1', '--verbose', '--threads', '1', path.join(dir, 'c-coffee.png'));
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/^perceiver-io classify: backend blas, openblas \S*libopenblas\S*.*, 1 thread \(/m);
});

test('--threads must be a positive integer', async () => {
  const run = await cli('classify', '--model', MODEL, '--threads', '0', path.join(dir, 'c-coffee.png'));
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("--threads must be a positive integer, got '0'");
});

test('a missing file is reported with its path; exit 1', async () => {
  const missing = path.join(dir, 'missing.jpg');
  const run = await cli('classify', '--model', MODEL, missing);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`perceiver-io classify: ${missing}: cannot read`);
});

test('--help documents the options with examples; bad usage exits 2', async () => {
  const help = await cli('classify', '--help');
  expect(help.code).toBe(0);
  for (const text of ['--model', '--top-k', '--batch-size', '--json', 'Examples:', 'Exit status']) expect(help.stdout).toContain(text);
  const unknown = await cli('classify', '--model', MODEL, '--frobnicate', 'x.png');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
  const badK = await cli('classify', '--model', MODEL, '--top-k', 'five', 'x.png');
  expect(badK.code).toBe(2);
  expect(badK.stderr).toContain("--top-k must be a positive integer, got 'five'");
  const noFiles = await cli('classify', '--model', MODEL);
  expect(noFiles.code).toBe(2);
  expect(noFiles.stderr).toContain('no image files or directories given');
  const top = await cli('--help');
  expect(top.stdout).toMatch(/classify\s+Classify image files/);
});
