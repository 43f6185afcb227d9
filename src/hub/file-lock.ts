/**
 * A cross-process lock from an O_EXCL-created file (Node has no flock). The holder rewrites the
 * file's mtime every few seconds; a lock whose holder died (same host, pid gone) or whose mtime is
 * older than `staleMs` is taken over, so a killed download never blocks the cache forever.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface LockOptions {
  staleMs?: number;
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockFile: string, staleMs: number): Promise<boolean> {
  try {
    const [stat, text] = await Promise.all([fsp.stat(lockFile), fsp.readFile(lockFile, 'utf-8')]);
    if (Date.now() - stat.mtimeMs > staleMs) return true;
    const owner = JSON.parse(text) as LockOwner;
    return owner.host === os.hostname() && !processIsAlive(owner.pid);
  } catch {
    // Gone already, or caught between create and write: not ours to remove yet.
    return false;
  }
}

async function tryCreate(lockFile: string): Promise<boolean> {
  try {
    const handle = await fsp.open(lockFile, 'wx');
    await handle.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname() } satisfies LockOwner));
    await handle.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Runs `task` while holding the lock; waits (polling) while another live process holds it. */
export async function withFileLock<T>(lockFile: string, task: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const pollMs = options.pollMs ?? 200;
  await fsp.mkdir(path.dirname(lockFile), { recursive: true });
  while (!(await tryCreate(lockFile))) {
    if (await isStale(lockFile, staleMs)) await fsp.rm(lockFile, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    fsp.utimes(lockFile, now, now).catch(() => undefined);
  }, staleMs / 4);
  heartbeat.unref();
  try {
    return await task();
  } finally {
    clearInterval(heartbeat);
    await fsp.rm(lockFile, { force: true });
  }
}
