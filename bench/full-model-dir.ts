/** The rebuilt full-size model for benchmarks, kept in the temp dir between runs. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFullModelDir, FullFolder, readRecipe } from '../test/full-model';

/** Rebuilds it only when the recipe's SHA-256 differs from the one recorded next to it (the loader checks the config). */
export async function fullModelDir(folder: FullFolder = 'full'): Promise<string> {
  const dir = path.join(os.tmpdir(), `perceiver-io-bench-${folder}`);
  const marker = path.join(dir, '.sha256');
  const sha = readRecipe(folder).safetensors_sha256;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf-8') === sha) return dir;
  process.stderr.write(`building the full-size ${folder} model in ${dir} ...\n`);
  await buildFullModelDir(dir, folder);
  fs.writeFileSync(marker, sha);
  return dir;
}
