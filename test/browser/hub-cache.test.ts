/**
 * Hub loading in Chromium against a loopback fake Hub ({endpoint}/{id}/resolve/main/{file}): the
 * repository has only pytorch_model.bin (like the real deepmind/vision-perceiver-fourier), which
 * the page reads with the restricted torch reader; progress events arrive per file and end at the
 * file's size; the logits match the tiny fixture; after a reload the files come from Cache Storage
 * and no request reaches the server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fixturePath, readFixture } from '../fixtures';
import { LOGITS_ABS_TOL } from '../parity';
import { makeTempDir, removeDir } from '../tmp-dir';
import { fromBase64Float32, PageSession, startSession } from './harness/session';

const REPO = 'test/tiny-bin';
let session: PageSession;
let repoDir: string;
const requests: string[] = [];

beforeAll(async () => {
  repoDir = makeTempDir('browser-hub');
  fs.copyFileSync(fixturePath('tiny', 'config.json'), path.join(repoDir, 'config.json'));
  fs.copyFileSync(fixturePath('convert', 'tiny-pytorch_model.bin'), path.join(repoDir, 'pytorch_model.bin'));
  session = await startSession({ mounts: { [`/${REPO}/resolve/main/`]: repoDir }, onRequest: (url) => requests.push(url) });
});
afterAll(async () => {
  await session?.close();
  removeDir(repoDir);
});

interface Loaded {
  progress: { file: string; loaded: number; total?: number }[];
  logits: string;
  cacheKeys: string[];
}

async function loadInPage(page: Awaited<ReturnType<PageSession['openHarness']>>, pixels: { data: string; shape: number[] }): Promise<Loaded> {
  return page.evaluate(
    async ({ endpoint, repo, pixels }) => {
      const g = globalThis as unknown as Record<string, any>;
      const p = g.perceiver;
      p.configureModelLoading({ endpoint });
      const progress: { file: string; loaded: number; total?: number }[] = [];
      const model = await p.PerceiverForImageClassificationFourier.fromPretrained(repo, { backend: 'wasm', onProgress: (e: any) => progress.push({ file: e.file, loaded: e.loaded, total: e.total }) });
      const bytes = Uint8Array.from(atob(pixels.data), (c) => c.charCodeAt(0));
      const x = p.tf.tensor4d(new Float32Array(bytes.buffer), pixels.shape);
      const { logits } = model.forward(x);
      const out = g.toBase64(await logits.data());
      p.tf.dispose([x, logits]);
      model.dispose();
      const cache = await g.caches.open(p.MODEL_CACHE_NAME);
      const cacheKeys = (await cache.keys()).map((r: { url: string }) => new URL(r.url).pathname);
      return { progress, logits: out, cacheKeys };
    },
    { endpoint: session.server.origin, repo: REPO, pixels },
  );
}

test('a pytorch_model.bin-only repo loads with progress, matches the tiny fixture, and a reload makes no request', async () => {
  const inputs = await readFixture('tiny', 'inputs.safetensors');
  const values = inputs.float32('pixel_values');
  const pixels = { data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'), shape: inputs.info('pixel_values').shape };
  const want = (await readFixture('tiny', 'expected.safetensors')).float32('logits');
  const maxError = (encoded: string) => fromBase64Float32(encoded).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  const binSize = fs.statSync(path.join(repoDir, 'pytorch_model.bin')).size;

  const page = await session.openHarness();
  requests.length = 0;
  const first = await loadInPage(page, pixels);
  const hubRequests = requests.filter((r) => r.startsWith(`/${REPO}/`));
  expect(hubRequests).toEqual(expect.arrayContaining([`/${REPO}/resolve/main/config.json`, `/${REPO}/resolve/main/pytorch_model.bin`]));
  const binEvents = first.progress.filter((e) => e.file === 'pytorch_model.bin');
  expect(binEvents.length).toBeGreaterThan(0);
  expect(binEvents[binEvents.length - 1]).toEqual({ file: 'pytorch_model.bin', loaded: binSize, total: binSize });
  expect(binEvents.every((e, i) => i === 0 || e.loaded >= binEvents[i - 1].loaded)).toBe(true);
  expect(first.cacheKeys).toEqual(expect.arrayContaining([`/${REPO}/resolve/main/config.json`, `/${REPO}/resolve/main/pytorch_model.bin`]));
  expect(maxError(first.logits)).toBeLessThanOrEqual(LOGITS_ABS_TOL);

  await page.reload();
  await page.waitForFunction(() => (globalThis as { harnessReady?: boolean }).harnessReady === true);
  requests.length = 0;
  const second = await loadInPage(page, pixels);
  expect(requests.filter((r) => r.startsWith(`/${REPO}/`))).toEqual([]);
  expect(maxError(second.logits)).toBeLessThanOrEqual(LOGITS_ABS_TOL);
  await page.close();
  expect(session.browser.takeErrors()).toEqual([]);
});
