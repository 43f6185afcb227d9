/** Two processes downloading into one cache, and locks left by killed processes. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { withFileLock } from '../../src/hub/file-lock';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub, sha256 } from './fake-hub';
import { runNode } from './run-node';
import { COMMIT, listFiles, REPO_ID, repoDir, tinyFiles, tinySafetensorsRepo } from './tiny-repo';

const DIST_RESOLVE = path.join(__dirname, '..', '..', 'dist', 'src', 'hub', 'resolve-model.js');
let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  hub = await FakeHub.start({ [REPO_ID]: tinySafetensorsRepo() });
  cacheDir = makeTempDir('hub-concurrency');
});

afterAll(async () => {
  await hub.close();
  removeDir(cacheDir);
});

/** Runs resolveModel from the built library in a child process; resolves with its stdout. */
function resolveInChild(): Promise<string> {
  const script = `require(${JSON.stringify(DIST_RESOLVE)}).resolveModel(${JSON.stringify(REPO_ID)}, { cacheDir: ${JSON.stringify(cacheDir)} })
    .then((dir) => process.stdout.write(dir), (e) => { process.stderr.write(String(e)); process.exitCode = 1; })`;
  return runNode(['-e', script], { HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: '' }).then((run) =>
    run.code === 0 ? run.stdout : Promise.reject(new Error(`child exited ${run.code}: ${run.stderr}`)),
  );
}

test('two processes downloading at once leave one valid cache', async () => {
  const [a, b] = await Promise.all([resolveInChild(), resolveInChild()]);
  expect(a).toBe(path.join(repoDir(cacheDir), 'snapshots', COMMIT));
  expect(b).toBe(a);
  expect(fs.readFileSync(path.join(a, 'model.safetensors')).equals(tinyFiles().weights)).toBe(true);
  expect(hub.requests.filter((r) => r.path.startsWith('/cdn/'))).toHaveLength(1);
  expect(listFiles(repoDir(cacheDir)).filter((f) => /incomplete|\.tmp$/.test(f))).toEqual([]);
  expect(listFiles(path.join(repoDir(cacheDir), 'blobs'))).toContain(sha256(tinyFiles().weights));
});

describe('file locks', () => {
  let lockDir: string;
  beforeEach(() => (lockDir = makeTempDir('hub-lock')));
  afterEach(() => removeDir(lockDir));

  test('a lock whose process is gone is taken over', async () => {
    const lock = path.join(lockDir, 'x.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }));
    expect(await withFileLock(lock, async () => 'ran')).toBe('ran');
    expect(fs.existsSync(lock)).toBe(false);
  });

  test('a lock not refreshed for longer than staleMs is taken over', async () => {
    const lock = path.join(lockDir, 'y.lock');
    fs.writeFileSync(lock, ''); // huggingface_hub's filelock leaves empty lock files behind
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect(await withFileLock(lock, async () => 'ran', { staleMs: 30_000 })).toBe('ran');
  });

  test('a live lock makes the second taker wait for the first', async () => {
    const lock = path.join(lockDir, 'z.lock');
    const order: string[] = [];
    let firstHolds!: () => void;
    const holding = new Promise<void>((resolve) => (firstHolds = resolve));
    const first = withFileLock(lock, async () => {
      order.push('first start');
      firstHolds();
      await new Promise((r) => setTimeout(r, 150));
      order.push('first end');
    });
    await holding;
    await withFileLock(lock, async () => void order.push('second'), { pollMs: 20 });
    await first;
    expect(order).toEqual(['first start', 'first end', 'second']);
  });
});
