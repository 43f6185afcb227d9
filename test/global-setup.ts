/**
 * Builds dist/ once per jest run, so tests that spawn the command line (`node dist/tools/cli.js`)
 * or load the package entry points run the current sources. Incremental: an up-to-date build takes about two seconds.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const CLI_PATH = path.join(__dirname, '..', 'dist', 'tools', 'cli.js');

export default function globalSetup(): void {
  const root = path.join(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], {
    cwd: root,
    encoding: 'utf-8',
  });
  // Type errors elsewhere still emit JavaScript; only a missing CLI makes the CLI tests meaningless.
  if (result.status !== 0) process.stderr.write(`\nglobal-setup: tsc reported errors (dist/ still emitted):\n${result.stdout}${result.stderr}\n`);
  if (!fs.existsSync(CLI_PATH)) throw new Error(`global-setup: building dist/ did not produce ${CLI_PATH}`);
  // The ES-module entry re-exports the CommonJS build's names (npm run build does the same).
  const esm = spawnSync(process.execPath, [path.join(root, 'scripts', 'write-esm-entry.js')], { cwd: root, encoding: 'utf-8' });
  if (esm.status !== 0) throw new Error(`global-setup: writing the ES-module entry failed:\n${esm.stderr}`);
}
