/**
 * `perceiver-io finetune` end to end on generated pattern images with the tiny model: output
 * directory, log, curves, classify on the result, a killed run resumed to the same weights, usage errors.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { CLI_PATH } from '../global-setup';
import { maxAbs, maxAbsDiff } from '../fixtures';
import { makeTempDir, removeDir } from '../tmp-dir';
import { writePatternFolder, writeTinyModelDir } from '../train/pattern-folder';
import { runCli } from './run-cli';

let dir: string;
let data: string;
let model: string;
const common = () => ['finetune', '--model', model, '--data', data, '--seed', '3', '--flip', '--lr', '3e-3', '--batch-size', '6'];

beforeAll(() => {
  dir = makeTempDir('finetune');
  data = path.join(dir, 'data');
  model = path.join(dir, 'model');
  writePatternFolder(data, 10, 4);
  writeTinyModelDir(model);
});
afterAll(() => removeDir(dir));

test('trains, prints an epoch line each, writes a model directory that classify uses, a log and the curves', () => {
  const out = path.join(dir, 'out');
  const r = runCli([...common(), '--out', out, '--epochs', '4']);
  expect(r.stderr).not.toContain('finetune:');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('epoch '));
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^epoch 1\/4 {2}train loss \d\.\d{4} acc +\d+\.\d% {2}val loss \d\.\d{4} acc +\d+\.\d%/);
  for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json', 'training-log.json', 'training-curves.png', 'checkpoint/optimizer.safetensors']) {
    expect([f, fs.existsSync(path.join(out, f))]).toEqual([f, true]);
  }
  const log = JSON.parse(fs.readFileSync(path.join(out, 'training-log.json'), 'utf-8'));
  expect(log.history).toHaveLength(4);
  expect(log.labels).toEqual(['checks', 'horizontal', 'vertical']);
  expect(log.trainImages + log.valImages).toBe(30);
  expect(log.valImages).toBe(6); // 20% of each label
  expect(log.bestEpoch).toBeGreaterThanOrEqual(1);
  const png = fs.readFileSync(path.join(out, 'training-curves.png'));
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(1200); // two 600-pixel panels

  const c = runCli(['classify', '--model', out, '--json', '--top-k', '3', path.join(data, 'vertical', '000.png')]);
  expect(c.status).toBe(0);
  const predictions = JSON.parse(c.stdout).predictions;
  expect(predictions.map((p: { label: string }) => p.label).sort()).toEqual(['checks', 'horizontal', 'vertical']);
});

test('--train all: the encoder learns too, and the log says so', async () => {
  const out = path.join(dir, 'out-all');
  const r = runCli([...common(), '--out', out, '--epochs', '2', '--train', 'all']);
  expect(r.stderr).not.toContain('finetune:');
  expect(r.status).toBe(0);
  expect(r.stdout.split('\n').filter((l) => l.startsWith('epoch '))).toHaveLength(2);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'training-log.json'), 'utf-8')).settings.train).toBe('all');
  const before = await SafetensorsFile.read(path.join(model, 'model.safetensors'));
  const after = await SafetensorsFile.read(path.join(out, 'model.safetensors'));
  for (const name of ['perceiver.embeddings.latents', 'perceiver.encoder.self_attends.0.attention.self.query.weight', 'perceiver.encoder.cross_attention.attention.self.layernorm1.weight']) {
    expect([name, maxAbsDiff(after.float32(name), before.float32(name)) > 0]).toEqual([name, true]);
  }
});

/** Spawns the CLI and SIGKILLs it as soon as stdout shows `marker`. */
function runUntil(args: string[], marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes(marker)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(stdout));
  });
}

test('a run killed after epoch 2 and resumed ends with the weights of an uninterrupted run', async () => {
  const whole = path.join(dir, 'whole');
  const killed = path.join(dir, 'killed');
  expect(runCli([...common(), '--out', whole, '--epochs', '4']).status).toBe(0);
  const stdout = await runUntil([...common(), '--out', killed, '--epochs', '40'], 'epoch  2/40');
  expect(stdout).toContain('epoch  2/40');
  expect(stdout).not.toContain('epoch  4/40');
  const resumed = runCli(['finetune', '--out', killed, '--resume', '--epochs', '4']);
  expect(resumed.status).toBe(0);
  expect(resumed.stdout).toMatch(/^resuming after epoch [23]:/);
  expect(resumed.stdout).toContain('epoch 4/4');
  const a = await SafetensorsFile.read(path.join(whole, 'checkpoint', 'model.safetensors'));
  const b = await SafetensorsFile.read(path.join(killed, 'checkpoint', 'model.safetensors'));
  expect(b.names).toEqual(a.names);
  // tfjs's Adam restores its running beta^t as pow(beta, t) rather than the running product: the
  // bias correction may differ in its last float32 bit, so the weights agree to ~1e-7, not bitwise.
  for (const name of a.names) {
    const diff = maxAbsDiff(a.float32(name), b.float32(name));
    expect([name, diff <= 1e-5 * Math.max(1, maxAbs(a.float32(name)))]).toEqual([name, true]);
  }
  const logA = JSON.parse(fs.readFileSync(path.join(whole, 'training-log.json'), 'utf-8'));
  const logB = JSON.parse(fs.readFileSync(path.join(killed, 'training-log.json'), 'utf-8'));
  expect(logB.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3, 4]);
  logA.history.forEach((h: { trainLoss: number }, i: number) => expect(Math.abs(h.trainLoss - logB.history[i].trainLoss)).toBeLessThan(1e-5));
});

test('usage errors: missing --out, --resume without a run, an existing run without --resume', () => {
  const missing = runCli(['finetune', '--data', data]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('--out DIR is required');
  const none = runCli(['finetune', '--out', path.join(dir, 'nothing'), '--resume']);
  expect(none.status).toBe(2);
  expect(none.stderr).toContain('holds no checkpoint to continue');
  const again = runCli([...common(), '--out', path.join(dir, 'out'), '--epochs', '1']);
  expect(again.status).toBe(2);
  expect(again.stderr).toContain('already holds a training run: pass --resume');
  const help = runCli(['finetune', '--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: perceiver-io finetune');
});
