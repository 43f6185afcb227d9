/** `perceiver-io explain` as users run it: the built CLI in a separate process, on the tiny fixture model. */
import * as fs from 'fs';
import * as path from 'path';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { fixturePath, readFixtureJson } from '../fixtures';
import { decodePng, pngText } from '../render/png-reading';
import { makeTempDir, removeDir } from '../tmp-dir';
import { runCli } from './run-cli';

const MODEL = fixturePath('tiny');
const labels = readFixtureJson<{ id2label: Record<string, string> }>('tiny', 'config.json').id2label;
let dir: string;
let inputs: string;

beforeAll(() => {
  dir = makeTempDir('explain-cli');
  inputs = path.join(dir, 'in');
  fs.mkdirSync(inputs);
  fs.copyFileSync(fixturePath('preprocess', 'chelsea.jpg'), path.join(inputs, 'a-chelsea.jpg'));
  fs.writeFileSync(path.join(inputs, 'b-broken.png'), 'this is a text file, not a PNG\n');
  fs.copyFileSync(fixturePath('preprocess', 'coffee_small.png'), path.join(inputs, 'c-coffee.png'));
});
afterAll(async () => {
  removeDir(dir);
  await stopDecoderWorker();
});

test('a directory with one bad file: three files per good image, the bad one reported, exit 1', async () => {
  const out = path.join(dir, 'out');
  const run = runCli(['explain', '--model', MODEL, inputs, '--out', out, '--latents', '6', '--alpha', '0.6', '--top-k', '2']);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`perceiver-io explain: ${path.join(inputs, 'b-broken.png')}: not a recognised image format`);
  expect(run.stderr).toContain('1 of 3 inputs failed');
  expect(fs.readdirSync(out).sort()).toEqual(
    ['a-chelsea', 'c-coffee'].flatMap((n) => [`${n}.explain.json`, `${n}.latents.png`, `${n}.rollout.png`]),
  );
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  for (const name of ['a-chelsea', 'c-coffee']) {
    const json = JSON.parse(fs.readFileSync(path.join(out, `${name}.explain.json`), 'utf-8'));
    expect(path.basename(json.file)).toMatch(new RegExp(`^${name}\\.`));
    expect(json.predictions).toHaveLength(2);
    expect(json.predictions[0].label).toBe(labels[String(json.predictions[0].index)]);
    expect(json.latents).toHaveLength(6);
    expect(json.rollout).toMatchObject({ height: 224, width: 224 });
    expect(json.alpha).toBe(0.6);
    expect(json.clip).toBe(0.99);
    const weights = json.latents.map((l: { weight: number }) => l.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(lines.find((l) => l.includes(name))).toContain(`${json.predictions[0].label} (${json.predictions[0].score.toFixed(4)}) -> ${json.files.rollout}`);

    const rolloutBytes = fs.readFileSync(json.files.rollout);
    const rollout = await decodePng(rolloutBytes);
    expect(rollout.width).toBe(224);
    expect(rollout.height).toBeGreaterThan(224); // the legend strip below the overlay
    expect(pngText(rolloutBytes).Title).toContain(json.predictions[0].label);
    const grid = await decodePng(fs.readFileSync(json.files.latents));
    expect(grid.width).toBe(3 * 224 + 4 * 4); // 6 latents: ceil(sqrt(6)) = 3 columns, 4-pixel gaps
    expect(grid.height).toBeGreaterThan(2 * 224);
  }
});

test('--json: one object per image, errors included', () => {
  const run = runCli(['explain', '--model', MODEL, '--json', '--latents', '0', path.join(inputs, 'b-broken.png'), path.join(inputs, 'c-coffee.png'), '--out', path.join(dir, 'json')]);
  expect(run.status).toBe(1);
  const [bad, good] = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(bad.error).toMatch(/not a recognised image format/);
  expect(good.latents).toEqual([]);
  expect(good.files.json).toBe(path.join(dir, 'json', 'c-coffee.explain.json'));
  expect(JSON.parse(fs.readFileSync(good.files.json, 'utf-8'))).toEqual(good);
});

test('--help explains; bad usage exits 2; an unusable --out exits 1', () => {
  const help = runCli(['explain', '--help']);
  expect(help.status).toBe(0);
  for (const text of ['--out', '--latents', '--alpha', '--clip', '--top-k', '--json', '.rollout.png', '.latents.png', '.explain.json', 'Exit status']) expect(help.stdout).toContain(text);
  const file = path.join(inputs, 'c-coffee.png');
  for (const [args, message] of [
    [[file], '--out DIR is required'],
    [[file, '--out', dir, '--alpha', '1.5'], "--alpha must be a number from 0 to 1, got '1.5'"],
    [[file, '--out', dir, '--latents', 'x'], "--latents must be a non-negative integer, got 'x'"],
    [[file, '--out', dir, '--clip', '0'], "--clip must be a quantile above 0 and at most 1, got '0'"],
    [['--out', dir], 'no image files or directories given'],
  ] as const) {
    const run = runCli(['explain', '--model', MODEL, ...args]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  }
  const blocked = runCli(['explain', '--model', MODEL, file, '--out', path.join(inputs, 'c-coffee.png', 'sub')]);
  expect(blocked.status).toBe(1);
  expect(blocked.stderr).toContain('cannot create the directory');
  expect(runCli(['--help']).stdout).toMatch(/explain\s+Show where the model looked/);
});
