/**
 * The one place tests find the read-only reference data in ../shared/fixtures (made by the Hugging
 * Face PyTorch code; see its README). Missing fixtures fail loudly: a parity suite that silently
 * skips proves nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SafetensorsFile } from '../src/weights/safetensors';

/** The checkout's root: the nearest folder above this file with a package.json (works from test/ and dist/test/). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const FIXTURES_DIR = path.resolve(process.env.PERCEIVER_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures'));

/** Absolute path of a fixture file or folder; throws with a clear message if it is missing. */
export function fixturePath(...parts: string[]): string {
  const p = path.join(FIXTURES_DIR, ...parts);
  if (!fs.existsSync(p)) {
    throw new Error(
      `Fixture ${p} is missing. The tests need the read-only reference data in ../shared/fixtures ` +
        `(next to this checkout), or set PERCEIVER_FIXTURES to its location.`,
    );
  }
  return p;
}

export function readFixture(...parts: string[]): Promise<SafetensorsFile> {
  return SafetensorsFile.read(fixturePath(...parts));
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(fixturePath(...parts), 'utf-8')) as T;
}

/** max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
