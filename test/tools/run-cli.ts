/** Runs the built command line (`node dist/tools/cli.js`, built by test/global-setup.ts). */
import { spawnSync } from 'child_process';
import { CLI_PATH } from '../global-setup';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf-8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
