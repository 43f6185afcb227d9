/**
 * `npm run bench -- --browser [--runs 3] [--threads 1,2] [--backends wasm,webgl,webgpu]`: the
 * full-size model (PRNG weights from ../shared/fixtures/full), batch 1, in headless Chromium from
 * the prebuilt bundle (wasm at 1 and 2 threads in a cross-origin isolated page; webgl/webgpu if the
 * browser offers them), and in the same run a Node wasm single-thread row, the target's reference
 * (browser 2 threads <= 0.55x Node 1 thread). Reports per-image time, weight load time, and the
 * tab's peak JS heap + wasm memory. Appends rows to BENCHMARKS.md's browser table.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { startStaticServer } from '../examples/browser/server';
import { launchChromium } from '../test/browser/harness/chromium';
import { initBackend } from '../src/backend';
import '../src/loading/node-loader';
import { AutoModelForImageClassification } from '../src/model/auto-model';
import { tf } from '../src/tf';
import { fullModelDir } from './full-model-dir';
import { machineInfo } from './machine';
import { median } from './measure';
import { appendRows } from './report';

const REPORT = path.join(__dirname, '..', '..', 'BENCHMARKS.md');
const BROWSER_ROWS_END = '<!-- new browser rows above this line -->';

interface Row {
  where: string;
  backendLine: string;
  loadSeconds: number;
  runs: number[];
  /** Peak of JS heap used + wasm memory, MiB (the browser tab), or peak RSS (Node). */
  memoryMiB: number;
  memoryKind: string;
}

/** A fixed pseudo-random image (the timing does not depend on the values). */
function pixelValues(): Float32Array {
  const values = new Float32Array(3 * 224 * 224);
  let state = 12345;
  for (let i = 0; i < values.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

async function nodeWasmRow(dir: string, runs: number): Promise<Row> {
  const info = await initBackend('wasm');
  const start = performance.now();
  const model = await AutoModelForImageClassification.fromPretrained(dir, { backend: 'wasm' });
  const loadSeconds = (performance.now() - start) / 1000;
  const x = tf.tensor4d(pixelValues(), [1, 3, 224, 224]);
  const times: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const { logits } = model.forward(x);
    await logits.data();
    logits.dispose();
    if (r > 0) times.push((performance.now() - t) / 1000); // run 0 warms up
    process.stderr.write(`  node wasm run ${r}: ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
  }
  tf.dispose(x);
  model.dispose();
  return { where: 'Node', backendLine: `backend ${info.name}, ${info.threads} thread`, loadSeconds, runs: times, memoryMiB: process.resourceUsage().maxRSS / 1024, memoryKind: 'peak RSS' };
}

async function browserRow(origin: string, newPage: () => Promise<import('playwright-core').Page>, backend: string, threads: number, runs: number): Promise<Row | string> {
  const page = await newPage();
  try {
    await page.goto(`${origin}/pages/index.html`);
    await page.waitForFunction(() => (globalThis as { harnessReady?: boolean }).harnessReady === true);
    const values = Buffer.from(pixelValues().buffer).toString('base64');
    const result = await page.evaluate(
      async ({ backend, threads, runs, values }) => {
        const g = globalThis as unknown as Record<string, any>;
        const p = g.perceiver;
        let peak = 0;
        const sample = () => {
          const heap = g.performance.memory?.usedJSHeapSize ?? 0;
          const wasm = backend === 'wasm' ? p.tf.backend().wasm.HEAPU8.buffer.byteLength : 0;
          peak = Math.max(peak, heap + wasm);
        };
        let info;
        try {
          info = await p.initBackend(backend, backend === 'wasm' ? { threads } : {});
        } catch (e) {
          return `unavailable: ${(e as Error).message}`;
        }
        const start = performance.now();
        const model = await p.AutoModelForImageClassification.fromPretrained('/models/full/', { backend });
        const loadSeconds = (performance.now() - start) / 1000;
        sample();
        const bytes = Uint8Array.from(atob(values), (c) => c.charCodeAt(0));
        const x = p.tf.tensor4d(new Float32Array(bytes.buffer), [1, 3, 224, 224]);
        const times: number[] = [];
        for (let r = 0; r <= runs; r++) {
          const t = performance.now();
          const { logits } = model.forward(x);
          await logits.data();
          sample();
          logits.dispose();
          if (r > 0) times.push((performance.now() - t) / 1000);
        }
        p.tf.dispose(x);
        model.dispose();
        return { backendLine: p.describeBackend(info), loadSeconds, runs: times, memoryMiB: peak / 2 ** 20 };
      },
      { backend, threads, runs, values },
    );
    if (typeof result === 'string') return result;
    return { where: 'Chromium', ...result, memoryKind: 'peak JS heap + wasm memory' };
  } finally {
    await page.close();
  }
}

export async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--browser'),
    options: { runs: { type: 'string', default: '3' }, threads: { type: 'string', default: '1,2' }, backends: { type: 'string', default: 'wasm,webgl,webgpu' } },
  });
  const runs = Number(values.runs);
  const dir = await fullModelDir('full');
  const machine = machineInfo();
  const date = new Date().toISOString().slice(0, 10);
  process.stderr.write('measuring Node wasm, 1 thread ...\n');
  const rows: Row[] = [await nodeWasmRow(dir, runs)];
  const server = await startStaticServer({ mounts: { '/models/full/': dir } });
  const browser = await launchChromium();
  const skipped: string[] = [];
  try {
    for (const backend of values.backends!.split(',')) {
      for (const threads of backend === 'wasm' ? values.threads!.split(',').map(Number) : [1]) {
        process.stderr.write(`measuring Chromium ${backend}${backend === 'wasm' ? ` ${threads} thread(s)` : ''} ...\n`);
        const row = await browserRow(server.origin, browser.newPage, backend, threads, runs);
        if (typeof row === 'string') skipped.push(`${backend}: ${row}`);
        else rows.push(row);
      }
    }
  } finally {
    const errors = browser.takeErrors();
    await browser.close();
    await server.close();
    if (errors.length) process.stderr.write(`browser console errors:\n${errors.join('\n')}\n`);
  }
  const nodeTime = median(rows[0].runs);
  const table = rows.map((r) => {
    const t = median(r.runs);
    return `| ${date} | ${machine.cpu}, ${machine.cores} cores | ${r.where} | ${r.backendLine} | ${t.toFixed(2)} | ${(t / nodeTime).toFixed(2)}x | ${r.loadSeconds.toFixed(2)} | ${r.memoryMiB.toFixed(0)} (${r.memoryKind}) |`;
  });
  console.log(table.join('\n'));
  if (skipped.length) console.log(`not measured: ${skipped.join('; ')}`);
  appendRows(REPORT, table, BROWSER_ROWS_END);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
