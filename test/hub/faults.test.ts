/** Dropped connections, corrupted bytes, HTTP errors, foreign repositories, concurrent downloads. */
import * as fs from 'fs';
import * as path from 'path';
import { resolveModel } from '../../src/hub/resolve-model';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub, sha256 } from './fake-hub';
import { COMMIT, copyConverter, listFiles, REPO_ID, repoDir, tinyFiles, tinySafetensorsRepo } from './tiny-repo';

const env = { ...process.env };
const weights = tinyFiles().weights;
const blobName = sha256(weights);
let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  const notPerceiver = tinySafetensorsRepo({ files: { ...tinySafetensorsRepo().files, 'config.json': Buffer.from('{"model_type": "bert", "architectures": ["BertModel"]}') } });
  hub = await FakeHub.start({ [REPO_ID]: tinySafetensorsRepo(), 'acme/private': tinySafetensorsRepo({ token: 'hf_secret' }), 'acme/bert': notPerceiver });
  process.env.HF_ENDPOINT = hub.endpoint;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
});

afterAll(async () => {
  process.env = env;
  await hub.close();
});

beforeEach(() => {
  cacheDir = makeTempDir('hub-faults');
  hub.requests.length = 0;
});

afterEach(() => removeDir(cacheDir));

const options = () => ({ cacheDir, convertCheckpoint: copyConverter });
const cdnGets = () => hub.requests.filter((r) => r.path.startsWith('/cdn/'));

test('a connection dropped mid-file is resumed with a Range request', async () => {
  hub.faults.dropAfter.set('model.safetensors', 300_000);
  const dir = await resolveModel(REPO_ID, options());
  // The resume starts where the partial file on disk ends. That is at most the 300,000 bytes the
  // server sent: Node's IncomingMessage drops what it still buffered when the connection is cut,
  // so the exact offset depends on timing (seen: 240,417 under load); a restart would send no Range.
  const ranges = cdnGets().map((r) => r.range);
  expect(ranges).toHaveLength(2);
  expect(ranges[0]).toBeUndefined();
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
  expect(resumedAt).toBeGreaterThan(0);
  expect(resumedAt).toBeLessThanOrEqual(300_000);
  expect(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(weights)).toBe(true);
});

test('a partial file left by an interrupted run is resumed, not restarted', async () => {
  const blobs = path.join(repoDir(cacheDir), 'blobs');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(path.join(blobs, `${blobName}.incomplete`), weights.subarray(0, 1000));
  await resolveModel(REPO_ID, options());
  expect(cdnGets().map((r) => r.range)).toEqual(['bytes=1000-']);
  expect(listFiles(blobs)).not.toContain(`${blobName}.incomplete`);
});

test('a partial file longer than the blob is discarded and the download restarts', async () => {
  const blobs = path.join(repoDir(cacheDir), 'blobs');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(path.join(blobs, `${blobName}.incomplete`), Buffer.alloc(weights.length + 5));
  const dir = await resolveModel(REPO_ID, options());
  expect(cdnGets().map((r) => r.range)).toEqual([undefined]);
  expect(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(weights)).toBe(true);
});

test('corrupted bytes fail the sha256 check and leave nothing behind', async () => {
  hub.faults.corrupt.add('model.safetensors');
  try {
    await expect(resolveModel(REPO_ID, options())).rejects.toMatchObject({
      reason: 'integrity',
      message: expect.stringMatching(new RegExp(`model.safetensors from ${hub.endpoint}/cdn/${blobName}: content hash [0-9a-f]{64} does not match the Hub's ETag ${blobName}`)),
    });
  } finally {
    hub.faults.corrupt.clear();
  }
  const repo = repoDir(cacheDir);
  expect(listFiles(path.join(repo, 'snapshots', COMMIT))).toEqual(['config.json', 'preprocessor_config.json']);
  expect(listFiles(path.join(repo, 'blobs')).filter((f) => f.startsWith(blobName))).toEqual([]);
});

test('401: private or gated repositories name HF_TOKEN, and HF_TOKEN is sent', async () => {
  await expect(resolveModel('acme/private', options())).rejects.toMatchObject({ reason: 'unauthorized', message: expect.stringContaining('Set HF_TOKEN') });
  process.env.HF_TOKEN = 'hf_secret';
  try {
    await resolveModel('acme/private', options());
  } finally {
    delete process.env.HF_TOKEN;
  }
  expect(hub.requests.filter((r) => r.path.startsWith('/acme/')).at(-1)?.authorization).toBe('Bearer hf_secret');
});

test('404: an unknown revision is named', async () => {
  await expect(resolveModel(REPO_ID, { ...options(), revision: 'v9' })).rejects.toMatchObject({
    reason: 'not-found',
    message: expect.stringContaining(`revision 'v9' does not exist in '${REPO_ID}'`),
  });
});

test('5xx: a server error says to try again, with the URL', async () => {
  hub.faults.status.set('config.json', 503);
  try {
    await expect(resolveModel(REPO_ID, options())).rejects.toMatchObject({
      reason: 'server',
      message: expect.stringContaining(`${hub.endpoint}/${REPO_ID}/resolve/main/config.json: HTTP 503`),
    });
  } finally {
    hub.faults.status.clear();
  }
});

test('no network and nothing cached: the error says how to work offline', async () => {
  process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
  try {
    await expect(resolveModel(REPO_ID, options())).rejects.toMatchObject({ reason: 'network', message: expect.stringContaining('HF_HUB_OFFLINE=1') });
  } finally {
    process.env.HF_ENDPOINT = hub.endpoint;
  }
});

test('a repository that is not a Perceiver image classifier is refused before its weights are fetched', async () => {
  await expect(resolveModel('acme/bert', options())).rejects.toMatchObject({ reason: 'not-perceiver', message: expect.stringContaining('model_type "bert"') });
  expect(cdnGets()).toEqual([]);
});

test('a renamed repository is followed through its relative redirect', async () => {
  hub.renamed.set('deepmind/old-name', REPO_ID);
  const dir = await resolveModel('deepmind/old-name', options());
  expect(dir).toBe(path.join(repoDir(cacheDir, 'deepmind/old-name'), 'snapshots', COMMIT));
});

test('two concurrent downloads leave one valid cache and fetch the blob once', async () => {
  const [a, b] = await Promise.all([resolveModel(REPO_ID, options()), resolveModel(REPO_ID, options())]);
  expect(a).toBe(b);
  expect(cdnGets()).toHaveLength(1);
  expect(fs.readFileSync(path.join(a, 'model.safetensors')).equals(weights)).toBe(true);
  expect(listFiles(repoDir(cacheDir)).filter((f) => /incomplete|\.tmp$/.test(f))).toEqual([]);
});
