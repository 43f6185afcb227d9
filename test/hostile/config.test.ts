/**
 * Issue 15, items 1 and 5 (config part): size fields are bounded, so a config cannot ask for a
 * forward pass that never ends, and a config without its structural fields is refused by name.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../src/config';
import { readConfig } from '../../src/config-file';
import { latentFlops, MAX_LATENT_FLOPS, SIZE_LIMITS } from '../../src/config-limits';
import { ConfigError } from '../../src/errors';
import { fixturePath, readFixtureJson } from '../fixtures';
import { CLI_PATH } from '../global-setup';
import { makeTempDir, removeDir } from '../tmp-dir';
import { hostileConfigs, tinyModelDirWithConfig } from './corpus';

let work: string;
beforeAll(() => {
  work = makeTempDir('hostile-config');
});
afterAll(() => removeDir(work));

const tinyConfig = () => readFixtureJson<Record<string, unknown>>('tiny', 'config.json');

test('the 10,000,000-block config is refused by classify, not run for ever', () => {
  const dir = tinyModelDirWithConfig(work, 'ten-million-blocks', { ...tinyConfig(), num_blocks: 10_000_000 });
  const configFile = path.join(dir, 'config.json');
  // The refusal itself: parsing the file, timed as a bound on a hang (not a speed target).
  const started = Date.now();
  expect(() => parseConfig(JSON.parse(fs.readFileSync(configFile, 'utf-8')), configFile)).toThrow(ConfigError);
  expect(Date.now() - started).toBeLessThan(1000);
  // End to end: the CLI (a child process, killed if it hangs) exits 1 with the reason. Before the
  // bound it loaded the shared block weights and computed 10^7 blocks.
  const image = fixturePath('preprocess', 'coffee_small.png');
  const run = spawnSync(process.execPath, [CLI_PATH, 'classify', '--model', dir, image], { encoding: 'utf-8', timeout: 60_000 });
  expect(run.signal).toBeNull();
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`${configFile}: field 'num_blocks' is 10000000, above the limit of ${SIZE_LIMITS.num_blocks}`);
});

test.each(hostileConfigs())('$name is refused naming the field, its value, the bound and the file', async ({ patch, message }) => {
  const dir = tinyModelDirWithConfig(work, `config-${Object.keys(patch).join('-')}-${Math.random().toString(36).slice(2)}`, { ...tinyConfig(), ...patch });
  const file = path.join(dir, 'config.json');
  const error = await readConfig(file).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  expect((error as Error).message).toMatch(message);
});

test('the work bound admits the real model and every fixture, and counts the real model right', () => {
  for (const folder of ['full', 'tiny', 'tiny-b', 'tiny-c', 'learned-full', 'conv-full']) {
    const json = readFixtureJson<Record<string, unknown>>(folder, 'config.json');
    // Architecture fields are issue 11's; only the bounds are under test here.
    const config = parseConfig({ ...json, architectures: undefined }, `${folder}/config.json`);
    expect(latentFlops(config)).toBeLessThan(MAX_LATENT_FLOPS);
  }
  const full = parseConfig(readFixtureJson('full', 'config.json'));
  // The real model's latent stack, counted independently: 48 layers of N=512, D=1024.
  const n = 512;
  const d = 1024;
  const perLayer = 2 * (4 * n * d * d + 2 * n * n * d + 2 * n * d * d);
  expect(latentFlops(full)).toBe(48 * perLayer);
});

test('{} names every missing field instead of failing on a default', async () => {
  const file = path.join(work, 'empty-config.json');
  fs.writeFileSync(file, '{}');
  await expect(readConfig(file)).rejects.toThrow(
    `${file}: missing fields num_latents, d_latents, num_blocks, num_self_attends_per_block, num_self_attention_heads, ` +
      'num_cross_attention_heads, id2label (or num_labels) (a Hugging Face Perceiver config.json has them all)',
  );
});

test.each(['d_latents', 'num_latents', 'id2label'])('a config without %s is refused by name, not defaulted', async (field) => {
  const json = tinyConfig();
  delete json[field];
  const file = path.join(work, `no-${field}.json`);
  fs.writeFileSync(file, JSON.stringify(json));
  await expect(readConfig(file)).rejects.toThrow(`${file}: missing field ${field === 'id2label' ? 'id2label (or num_labels)' : field} `);
});
