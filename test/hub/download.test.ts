/** First download, cache layout as huggingface_hub writes it, cached and offline runs. */
import * as fs from 'fs';
import * as path from 'path';
import { HubError } from '../../src/errors';
import { resolveModel } from '../../src/hub/resolve-model';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub, gitBlobSha1, sha256 } from './fake-hub';
import { COMMIT, copyConverter, listFiles, PREPROCESSOR_CONFIG, REPO_ID, repoDir, tinyFiles, tinyPytorchRepo, tinySafetensorsRepo } from './tiny-repo';

const env = { ...process.env };
let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  hub = await FakeHub.start({ [REPO_ID]: tinySafetensorsRepo(), 'deepmind/tiny-pytorch': tinyPytorchRepo() });
  process.env.HF_ENDPOINT = hub.endpoint;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
  cacheDir = makeTempDir('hub-download');
});

afterAll(async () => {
  process.env = env;
  await hub.close();
  removeDir(cacheDir);
});

const options = () => ({ cacheDir, convertCheckpoint: copyConverter });

test('first download lays the cache out as huggingface_hub does', async () => {
  const progress: number[] = [];
  const dir = await resolveModel(REPO_ID, { ...options(), onProgress: (p) => p.file === 'model.safetensors' && progress.push(p.downloaded) });
  const repo = repoDir(cacheDir);
  const { config, weights } = tinyFiles();
  expect(dir).toBe(path.join(repo, 'snapshots', COMMIT));
  expect(listFiles(repo)).toEqual(
    [
      `blobs/${gitBlobSha1(config)}`,
      `blobs/${gitBlobSha1(PREPROCESSOR_CONFIG)}`,
      `blobs/${sha256(weights)}`,
      'refs/main',
      `snapshots/${COMMIT}/config.json`,
      `snapshots/${COMMIT}/model.safetensors`,
      `snapshots/${COMMIT}/preprocessor_config.json`,
    ].sort(),
  );
  expect(fs.readFileSync(path.join(repo, 'refs', 'main'), 'utf-8')).toBe(COMMIT);
  expect(fs.readlinkSync(path.join(dir, 'model.safetensors'))).toBe(`../../blobs/${sha256(weights)}`);
  expect(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(weights)).toBe(true);
  expect(fs.readFileSync(path.join(dir, 'config.json')).equals(config)).toBe(true);
  expect(progress[progress.length - 1]).toBe(weights.length);
  expect(fs.readdirSync(path.join(cacheDir, '.locks', `models--${REPO_ID.replace('/', '--')}`))).toEqual([]);
});

test('the metadata HEAD stops at the CDN redirect; the download GETs the CDN URL', () => {
  const weightRequests = hub.requests.filter((r) => r.path.endsWith('/model.safetensors') || r.path.startsWith('/cdn/'));
  expect(weightRequests.map((r) => `${r.method} ${r.path.startsWith('/cdn/') ? 'cdn' : 'resolve'}`)).toEqual(['HEAD resolve', 'GET cdn']);
});

test('a second run asks only for metadata, and works with the Hub unreachable', async () => {
  hub.requests.length = 0;
  await resolveModel(REPO_ID, options());
  expect(hub.requests.every((r) => r.method === 'HEAD')).toBe(true);
  process.env.HF_ENDPOINT = 'http://127.0.0.1:9'; // discard port: connection refused
  try {
    expect(await resolveModel(REPO_ID, options())).toBe(path.join(repoDir(cacheDir), 'snapshots', COMMIT));
  } finally {
    process.env.HF_ENDPOINT = hub.endpoint;
  }
});

test('offline mode and pinned commits use the cache without a single request', async () => {
  hub.requests.length = 0;
  expect(await resolveModel(REPO_ID, { ...options(), offline: true })).toContain(COMMIT);
  expect(await resolveModel(REPO_ID, { ...options(), revision: COMMIT })).toContain(COMMIT);
  process.env.HF_HUB_OFFLINE = '1';
  try {
    expect(await resolveModel(REPO_ID, options())).toContain(COMMIT);
    await expect(resolveModel(REPO_ID, { ...options(), revision: 'v2' })).rejects.toMatchObject({ reason: 'offline', message: expect.stringContaining("revision 'v2' is not in the cache") });
  } finally {
    delete process.env.HF_HUB_OFFLINE;
  }
  expect(hub.requests).toEqual([]);
});

test('a pytorch_model.bin repository is converted once, beside the HF-managed folders', async () => {
  const convert = jest.fn(copyConverter);
  const dir = await resolveModel('deepmind/tiny-pytorch', { cacheDir, convertCheckpoint: convert });
  const repo = repoDir(cacheDir, 'deepmind/tiny-pytorch');
  expect(dir).toBe(path.join(repo, 'perceiver-io', COMMIT));
  expect(listFiles(dir)).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
  expect(listFiles(path.join(repo, '.no_exist'))).toEqual([`${COMMIT}/model.safetensors`]);
  expect(await resolveModel('deepmind/tiny-pytorch', { cacheDir, convertCheckpoint: convert, offline: true })).toBe(dir);
  expect(convert).toHaveBeenCalledTimes(1);
});

test('a directory is returned as is; a string that is neither a directory nor an id is refused', async () => {
  expect(await resolveModel(cacheDir, options())).toBe(cacheDir);
  await expect(resolveModel('./no/such/dir', options())).rejects.toThrow(HubError);
  await expect(resolveModel('a--b/c', options())).rejects.toMatchObject({ reason: 'invalid-id' });
  await expect(resolveModel(REPO_ID, { ...options(), revision: '../../etc' })).rejects.toMatchObject({ reason: 'invalid-id' });
});
