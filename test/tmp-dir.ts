/** Temporary directories for tests, removed by the caller's afterAll/afterEach. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `perceiver-io-${label}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
