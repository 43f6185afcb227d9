/** Which backends this install can run, each probed in a child process (a backend is chosen once per process). */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { BACKEND_ORDER } from '../src/backend';

/**
 * The pure-JS cpu backend is left out unless asked for (`--backends wasm,cpu`): it is ~40-100x
 * slower, a full-model run there takes many minutes per image.
 */
export async function availableBackends(): Promise<string[]> {
  const index = path.join(__dirname, '..', 'src', 'index.js'); // the Node entry: it brings the blas backend
  return BACKEND_ORDER.filter((name) => name !== 'cpu').filter((name) => {
    const probe = `require(${JSON.stringify(index)}).initBackend(${JSON.stringify(name)}).then(() => process.exit(0), () => process.exit(1))`;
    return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0;
  });
}
