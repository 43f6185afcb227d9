/**
 * The browser loader (src/loading/browser-loader.ts) under Node 20's global fetch, against a
 * loopback fake Hub on 127.0.0.1 and an in-memory Cache Storage: progress, a pytorch_model.bin-only
 * repository read in memory and matching the tiny fixture's logits, a second load with zero
 * requests, and the HubErrors of 404 / 401 / 403 / truncated bodies, hostile checkpoints refused.
 */
import * as fs from 'fs';
import * as http from 'http';
import { tf } from '../../src/tf';
import { CheckpointError, HubError } from '../../src/errors';
import { clearModelCache, configureModelLoading, loadBrowserPretrained, loadBrowserProcessorConfig, ModelCache, ModelCacheStorage } from '../../src/loading/browser-loader';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { ImageClassifier } from '../../src/image-classifier';
import type { DownloadProgress } from '../../src/hub/progress';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';
import { LocalServer } from '../hub/local-server';
import { writeZip } from '../support/torch-zip-writer';
import { makeTempDir, removeDir } from '../tmp-dir';

type Served = { status?: number; body?: Buffer; headers?: Record<string, string>; /** send the full Content-Length but only this many bytes */ cutAfter?: number };

const fixture = (...p: string[]) => fs.readFileSync(fixturePath(...p));
const routes = new Map<string, Served>();
const requests: string[] = [];
let server: LocalServer;
let tmp: string;

/** An in-memory Cache Storage: responses kept as bytes, handed out as fresh Responses. */
class FakeCacheStorage implements ModelCacheStorage {
  readonly caches = new Map<string, Map<string, { status: number; bytes: Uint8Array; headers: [string, string][] }>>();
  async open(name: string): Promise<ModelCache> {
    const entries = this.caches.get(name) ?? new Map();
    this.caches.set(name, entries);
    return {
      match: async (url) => {
        const e = entries.get(url);
        return e && new Response(e.status === 404 ? null : e.bytes, { status: e.status, headers: e.headers });
      },
      put: async (url, response) => {
        entries.set(url, { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()), headers: [...response.headers] });
      },
    };
  }
  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }
}

let storage: FakeCacheStorage;

function serve(path: string, served: Served): void {
  routes.set(path, served);
}

function repo(id: string, files: Record<string, Buffer>): void {
  for (const [file, body] of Object.entries(files)) serve(`/${id}/resolve/main/${file}`, { body });
}

beforeAll(async () => {
  tmp = makeTempDir('browser-loader');
  server = await LocalServer.listen(
    http.createServer((req, res) => {
      requests.push(req.url!);
      const r = routes.get(req.url!) ?? { status: 404, headers: { 'x-error-code': 'EntryNotFound' } };
      const body = r.body ?? Buffer.alloc(0);
      res.writeHead(r.status ?? 200, { 'content-length': String(body.length), ...r.headers });
      if (r.cutAfter !== undefined) {
        res.write(body.subarray(0, r.cutAfter));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(body);
    }),
  );
  const tiny = { 'config.json': fixture('tiny', 'config.json') };
  repo('test/tiny', { ...tiny, 'model.safetensors': fixture('tiny', 'model.safetensors') });
  repo('test/tiny-bin', { ...tiny, 'pytorch_model.bin': fixture('convert', 'tiny-pytorch_model.bin'), 'preprocessor_config.json': Buffer.from(JSON.stringify({ crop_size: 32, size: 24 })) });
  repo('test/truncated', { ...tiny });
  const weights = fixture('tiny', 'model.safetensors');
  serve('/test/truncated/resolve/main/model.safetensors', { body: weights, cutAfter: Math.floor(weights.length / 2) });
  serve('/test/gated/resolve/main/config.json', { status: 403, headers: { 'x-error-code': 'GatedRepo' } });
  serve('/test/private/resolve/main/config.json', { status: 401, headers: { 'x-error-code': 'RepoNotFound' } });
  repo('test/malicious', { ...tiny, 'pytorch_model.bin': fixture('convert', 'malicious-os-system.bin') });
  const deflated = `${tmp}/deflated.bin`;
  writeZip(deflated, [{ name: 'archive/data.pkl', bytes: () => Buffer.from('not a pickle') }]);
  const zip = fs.readFileSync(deflated);
  zip.writeUInt16LE(8, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10); // the directory says: deflate
  repo('test/deflated', { ...tiny, 'pytorch_model.bin': zip });
  // A folder served over HTTP (what /models/tiny/ is in a page).
  serve('/models/tiny/config.json', { body: tiny['config.json'] });
  serve('/models/tiny/model.safetensors', { body: weights });
});

afterAll(async () => {
  await server?.close();
  removeDir(tmp);
});

beforeEach(() => {
  storage = new FakeCacheStorage();
  configureModelLoading({ endpoint: server.url, caches: storage, fetch: globalThis.fetch });
  requests.length = 0;
});

async function tinyLogitsMatch(model: PerceiverForImageClassificationFourier): Promise<void> {
  const inputs = await readFixture('tiny', 'inputs.safetensors');
  const expected = await readFixture('tiny', 'expected.safetensors');
  const pixels = tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as [number, number, number, number]);
  const out = model.forward(pixels);
  expectMatches('tiny logits (browser loader)', out.logits, expected, 'logits', { abs: LOGITS_ABS_TOL });
  tf.dispose([pixels, out.logits]);
}

test('progress events arrive per file and their increments sum to the file size', async () => {
  const events: DownloadProgress[] = [];
  await loadBrowserPretrained('test/tiny', { onProgress: (p) => events.push({ ...p }) });
  const size = fixture('tiny', 'model.safetensors').length;
  const weights = events.filter((e) => e.file === 'model.safetensors');
  expect(weights.length).toBeGreaterThan(2);
  expect(weights.every((e) => e.total === size)).toBe(true);
  const increments = weights.reduce((sum, e, i) => sum + e.loaded - (i ? weights[i - 1].loaded : 0), 0);
  expect(increments).toBe(size);
  expect(weights.at(-1)!.loaded).toBe(size);
  expect(weights.every((e) => e.downloaded === e.loaded)).toBe(true);
  expect(events.filter((e) => e.file === 'config.json').at(-1)!.loaded).toBe(fixture('tiny', 'config.json').length);
  expect(requests).toEqual(['/test/tiny/resolve/main/config.json', '/test/tiny/resolve/main/model.safetensors']);
});

test('a pytorch_model.bin-only repo is read in memory by the safe reader and matches the tiny logits; a reload makes zero requests', async () => {
  const model = await PerceiverForImageClassificationFourier.fromPretrained('test/tiny-bin');
  await tinyLogitsMatch(model);
  model.dispose();
  expect(requests).toEqual([
    '/test/tiny-bin/resolve/main/config.json',
    '/test/tiny-bin/resolve/main/model.safetensors', // 404: remembered as absent
    '/test/tiny-bin/resolve/main/pytorch_model.bin',
  ]);
  const processor = await loadBrowserProcessorConfig('test/tiny-bin');
  expect(processor.size).toEqual({ height: 24, width: 24 });
  requests.length = 0;
  const events: DownloadProgress[] = [];
  const again = await ImageClassifier.fromPretrained('test/tiny-bin', { onProgress: (p) => events.push(p) });
  expect(requests).toEqual([]);
  expect(events.filter((e) => e.file === 'pytorch_model.bin').at(-1)!.loaded).toBe(fixture('convert', 'tiny-pytorch_model.bin').length);
  await tinyLogitsMatch(again.model as PerceiverForImageClassificationFourier);
  await again.dispose();
  // clearModelCache forgets everything: the next load downloads again.
  expect(await clearModelCache(storage)).toBe(true);
  await loadBrowserPretrained('test/tiny-bin');
  expect(requests.length).toBe(3);
});

test('offline: cached files load, uncached ones are a HubError (offline)', async () => {
  await expect(loadBrowserPretrained('test/tiny', { offline: true })).rejects.toMatchObject({ reason: 'offline' });
  await loadBrowserPretrained('test/tiny');
  requests.length = 0;
  await loadBrowserPretrained('test/tiny', { offline: true });
  expect(requests).toEqual([]);
});

test('without Cache Storage, loading works uncached', async () => {
  configureModelLoading({ caches: null });
  await loadBrowserPretrained('test/tiny');
  await loadBrowserPretrained('test/tiny');
  expect(requests.length).toBe(4);
});

test('a folder URL is a directory of files', async () => {
  const model = await PerceiverForImageClassificationFourier.fromPretrained(`${server.url}/models/tiny`);
  await tinyLogitsMatch(model);
  model.dispose();
  expect(requests).toEqual(['/models/tiny/config.json', '/models/tiny/model.safetensors']);
  await expect(loadBrowserPretrained(`${server.url}/models/none/`)).rejects.toThrow(
    new HubError(`${server.url}/models/none/config.json: HTTP 404: the model folder ${server.url}/models/none/ has no config.json`, 'not-found'),
  );
});

describe('HTTP failures are HubErrors saying what happened', () => {
  const reasonOf = (p: Promise<unknown>) => p.then(() => 'loaded', (e: HubError) => `${e.constructor.name} ${e.reason}: ${e.message}`);

  test('404: model not found', async () => {
    expect(await reasonOf(loadBrowserPretrained('test/nothing-here'))).toMatch(/^HubError not-found: .*\/test\/nothing-here\/resolve\/main\/config\.json: HTTP 404: 'test\/nothing-here' at revision 'main' has no file 'config\.json'/);
  });

  test('401 and 403 (gated): authorization, saying how to pass a token', async () => {
    expect(await reasonOf(loadBrowserPretrained('test/private'))).toMatch(/^HubError unauthorized: .*HTTP 401\. 'test\/private' is private or gated.*configureModelLoading\(\{ accessToken \}\)/);
    expect(await reasonOf(loadBrowserPretrained('test/gated'))).toMatch(/^HubError unauthorized: .*HTTP 403\..*'test\/gated' is gated: accept its conditions/);
  });

  test('a body shorter than its Content-Length: truncated, and nothing cached', async () => {
    const size = fixture('tiny', 'model.safetensors').length;
    expect(await reasonOf(loadBrowserPretrained('test/truncated'))).toMatch(
      new RegExp(`^HubError integrity: .*/test/truncated/resolve/main/model\\.safetensors: truncated download of model\\.safetensors: \\d+ of ${size} bytes`),
    );
    const cache = storage.caches.get('perceiver-io-v1')!;
    expect([...cache.keys()].some((k) => k.endsWith('model.safetensors'))).toBe(false);
  });

  test('the network down: HubError network', async () => {
    configureModelLoading({ endpoint: 'http://127.0.0.1:9' });
    expect(await reasonOf(loadBrowserPretrained('test/tiny'))).toMatch(/^HubError network: cannot reach http:\/\/127\.0\.0\.1:9\/test\/tiny/);
  });
});

describe('hostile checkpoints are refused, nothing runs', () => {
  test('a pickle calling posix.system', async () => {
    fs.rmSync('/tmp/perceiver-io-pwned', { force: true });
    const load = loadBrowserPretrained('test/malicious');
    await expect(load).rejects.toThrow(CheckpointError);
    await expect(loadBrowserPretrained('test/malicious')).rejects.toThrow(/pytorch_model\.bin \(.*data\.pkl\).*refused to load the global posix\.system/);
    expect(fs.existsSync('/tmp/perceiver-io-pwned')).toBe(false);
  });

  test('a compressed zip entry, named', async () => {
    await expect(loadBrowserPretrained('test/deflated')).rejects.toThrow(/pytorch_model\.bin: zip entry 'archive\/data\.pkl' is compressed \(method 8\)/);
  });
});
