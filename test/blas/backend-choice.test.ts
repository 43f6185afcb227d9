/**
 * Finding the BLAS and choosing the blas backend, each case in a fresh Node process (a backend is
 * chosen once per process): the default order picks blas where a BLAS loads, an explicit request
 * that cannot load is a clear error naming the library, and the automatic fall-back to wasm prints
 * one notice.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { parseThreadsEnv } from '../../src/backend';
import { BackendError } from '../../src/errors';

/** The Node entry: it plugs the BLAS bridge into initBackend. */
const ENTRY_JS = path.join(__dirname, '..', '..', 'dist', 'src', 'index.js');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/libopenblas.so.0';

/** Runs `script` (with `initBackend` in scope) in a child Node; returns its stdout, stderr and status. */
function inChild(script: string, env: Record<string, string | undefined>, module = ENTRY_JS) {
  const code = `const { initBackend, describeBackend } = require(${JSON.stringify(module)});\n(async () => { ${script} })().catch((e) => { console.log('ERROR ' + e.name + ': ' + e.message); process.exitCode = 3; });`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf-8', env: childEnv, timeout: 60000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const quiet = { PERCEIVER_BACKEND: undefined, PERCEIVER_BLAS: undefined, PERCEIVER_THREADS: undefined };

test('the default order picks blas where the system BLAS loads, and says which file and how many threads', () => {
  const r = inChild('const b = await initBackend(); console.log(JSON.stringify(b)); console.log(describeBackend(b));', { ...quiet, PERCEIVER_THREADS: '2' });
  expect(r.status).toBe(0);
  const info = JSON.parse(r.stdout.split('\n')[0]);
  // tfjs-node (first in the order) cannot install here; where it does, it is chosen instead.
  expect(info).toMatchObject({ name: 'blas', threads: 2, blas: { vendor: 'openblas' } });
  expect(info.blas.file).toMatch(/libopenblas/);
  expect(r.stdout).toMatch(/backend blas, openblas \S*libopenblas\S*.*, 2 threads \(/);
  expect(r.stderr).not.toMatch(/PERCEIVER_BLAS_UNAVAILABLE/);
});

test('PERCEIVER_BLAS names the library file to use', () => {
  const r = inChild('console.log(JSON.stringify(await initBackend("blas")));', { ...quiet, PERCEIVER_BLAS: OPENBLAS, PERCEIVER_THREADS: '1' });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ name: 'blas', threads: 1, blas: { file: OPENBLAS, vendor: 'openblas' } });
});

test('PERCEIVER_BACKEND=blas with PERCEIVER_BLAS=/nonexistent.so: a clear error naming the file and the install command, no crash', () => {
  const r = inChild('await initBackend();', { ...quiet, PERCEIVER_BACKEND: 'blas', PERCEIVER_BLAS: '/nonexistent.so' });
  expect(r.status).toBe(3); // the error reached our handler: the process did not crash
  expect(r.stdout).toMatch(/^ERROR BackendError: Requested backend 'blas' is unavailable: blas: PERCEIVER_BLAS=\/nonexistent.so could not be loaded as a CBLAS library/);
  expect(r.stdout).toMatch(/apt-get install libopenblas0-pthread/);
});

test('a library without cblas_sgemm is refused by name', () => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const r = inChild('await initBackend("blas");', { ...quiet, PERCEIVER_BLAS: libc });
  expect(r.status).toBe(3);
  expect(r.stdout).toContain(`PERCEIVER_BLAS=${libc} could not be loaded as a CBLAS library`);
  expect(r.stdout).toMatch(/cblas_sgemm/);
});

test('falling back from blas to wasm on its own prints one notice saying how to get the fast path', () => {
  const r = inChild('const a = await initBackend(); const b = await initBackend(); console.log(a.name, b.name, a.reason);', { ...quiet, PERCEIVER_BLAS: '/nonexistent.so' });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^wasm wasm fell back: .*blas: PERCEIVER_BLAS=\/nonexistent.so could not be loaded/);
  const notices = r.stderr.match(/PERCEIVER_BLAS_UNAVAILABLE/g) ?? [];
  expect(notices).toHaveLength(1);
  expect(r.stderr).toMatch(/using the wasm backend.*apt-get install libopenblas0-pthread.*PERCEIVER_BACKEND=wasm/s);
});

test('an explicit PERCEIVER_BACKEND=wasm prints no notice', () => {
  const r = inChild('console.log((await initBackend()).name);', { ...quiet, PERCEIVER_BACKEND: 'wasm', PERCEIVER_BLAS: '/nonexistent.so' });
  expect(r.stdout.trim()).toBe('wasm');
  expect(r.stderr).not.toMatch(/PERCEIVER_BLAS_UNAVAILABLE/);
});

test('src/backend alone (what the model code imports, as a browser bundle would) has no BLAS bridge: blas is refused by name, koffi never loads', () => {
  const backendOnly = path.join(__dirname, '..', '..', 'dist', 'src', 'backend.js');
  const r = inChild("await initBackend('blas').catch((e) => console.log(e.message)); console.log(Object.keys(require.cache).some((f) => f.includes('koffi')));", quiet, backendOnly);
  expect(r.stdout).toContain("the blas backend is not part of this entry point; import 'perceiver-io' (the Node entry) to get it");
  expect(r.stdout.trim().endsWith('false')).toBe(true);
});

test('PERCEIVER_THREADS must be a positive integer', () => {
  expect(parseThreadsEnv(undefined)).toBeUndefined();
  expect(parseThreadsEnv('3')).toBe(3);
  for (const bad of ['0', '-1', '1.5', 'two', ' 2']) {
    expect(() => parseThreadsEnv(bad)).toThrow(BackendError);
    expect(() => parseThreadsEnv(bad)).toThrow(`PERCEIVER_THREADS='${bad}' is not a positive integer`);
  }
});
