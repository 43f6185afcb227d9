/**
 * The tiny fixtures' logits in Chromium, from the prebuilt bundle and the browser loader (a URL
 * folder served over HTTP), on every backend the browser offers: wasm at 1 and 2 threads (the page
 * is cross-origin isolated) must meet the Node tolerance (1e-4 absolute, fixtures README); webgl
 * and webgpu are measured and reported, since their float arithmetic is the GPU's (here SwiftShader,
 * on the CPU) and the README's tolerance is derived for IEEE float32 on a CPU.
 */
import { readFixture } from '../fixtures';
import { LOGITS_ABS_TOL } from '../parity';
import { fromBase64Float32, PageSession, startSession } from './harness/session';

const FOLDERS = ['tiny', 'tiny-b', 'tiny-c'];
const INPUTS = [
  ['pixel_values', 'logits'],
  ['pixel_values_nonsquare', 'nonsquare.logits'],
] as const;

let session: PageSession;
const report: string[] = [];

beforeAll(async () => {
  session = await startSession();
});
afterAll(async () => {
  console.log(`browser parity, max |logits - HF float64| per backend:\n${report.join('\n')}`);
  await session?.close();
});
afterEach(() => {
  expect(session.browser.takeErrors()).toEqual([]);
});

interface PageResult {
  /** describeBackend's line, or why the backend could not start. */
  backend: string;
  available: boolean;
  crossOriginIsolated: boolean;
  logits: Record<string, string>;
  tensorsLeft: number;
}

/** Loads each folder's model in a fresh page on `backend` and returns the logits of both inputs. */
async function runInPage(backend: string, threads: number | undefined, folder: string): Promise<PageResult> {
  const inputs = await readFixture(folder, 'inputs.safetensors');
  const payload = Object.fromEntries(
    INPUTS.map(([name]) => {
      const values = inputs.float32(name);
      return [name, { data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'), shape: inputs.info(name).shape }];
    }),
  );
  const page = await session.openHarness();
  try {
    return await page.evaluate(
      async ({ backend, threads, folder, payload }) => {
        const g = globalThis as unknown as Record<string, any>;
        const p = g.perceiver;
        let info;
        try {
          info = await p.initBackend(backend, threads ? { threads } : {});
        } catch (e) {
          return { backend: String((e as Error).message), available: false, crossOriginIsolated: g.crossOriginIsolated, logits: {}, tensorsLeft: 0 };
        }
        const model = await p.AutoModelForImageClassification.fromPretrained(`/fixtures/${folder}/`, { backend });
        const logits: Record<string, string> = {};
        for (const [name, input] of Object.entries(payload as Record<string, { data: string; shape: number[] }>)) {
          const bytes = Uint8Array.from(atob(input.data), (c) => c.charCodeAt(0));
          const x = p.tf.tensor4d(new Float32Array(bytes.buffer), input.shape);
          const out = model.forward(x);
          logits[name] = g.toBase64(await out.logits.data());
          p.tf.dispose([x, out.logits]);
        }
        model.dispose();
        return { backend: p.describeBackend(info), available: true, crossOriginIsolated: g.crossOriginIsolated, logits, tensorsLeft: p.tf.memory().numTensors };
      },
      { backend, threads, folder, payload },
    );
  } finally {
    await page.close();
  }
}

/** Max |ours - expected| over both inputs' logits. */
async function logitsError(folder: string, result: PageResult): Promise<number> {
  const expected = await readFixture(folder, 'expected.safetensors');
  let worst = 0;
  for (const [input, name] of INPUTS) {
    const got = fromBase64Float32(result.logits[input]);
    const want = expected.float32(name);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Number.isFinite(got[i]) ? Math.abs(got[i] - want[i]) : Infinity);
  }
  return worst;
}

describe.each([1, 2])('wasm, %i thread(s), cross-origin isolated', (threads) => {
  test.each(FOLDERS)('%s logits within 1e-4 of Hugging Face', async (folder) => {
    const result = await runInPage('wasm', threads, folder);
    expect(result.available).toBe(true);
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.backend).toContain(`wasm, ${threads} thread`);
    const error = await logitsError(folder, result);
    report.push(`  wasm ${threads}T ${folder}: ${error.toExponential(2)} (${result.backend})`);
    expect(error).toBeLessThanOrEqual(LOGITS_ABS_TOL);
    expect(result.tensorsLeft).toBe(0);
  });
});

describe.each(['webgl', 'webgpu'])('%s (measured, reported)', (backend) => {
  test.each(FOLDERS)('%s logits: measured against Hugging Face', async (folder) => {
    const result = await runInPage(backend, undefined, folder);
    if (!result.available) {
      // Headless Chromium here may offer no adapter: recorded, with the browser's reason.
      report.push(`  ${backend} ${folder}: unavailable (${result.backend})`);
      expect(result.backend).toMatch(new RegExp(`Requested backend '${backend}' is unavailable`));
      return;
    }
    const error = await logitsError(folder, result);
    report.push(`  ${backend} ${folder}: ${error.toExponential(2)}${error <= LOGITS_ABS_TOL ? '' : ' (above the 1e-4 CPU tolerance)'} (${result.backend})`);
    expect(Number.isFinite(error)).toBe(true);
    expect(result.tensorsLeft).toBe(0);
  });
});
