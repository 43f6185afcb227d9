/**
 * The directory handed to the model loader. A revision with model.safetensors is used straight from
 * its snapshot; one with only pytorch_model.bin (the Hub's deepmind/vision-perceiver-fourier) is
 * converted once into models--org--name/perceiver-io/{commit}/ (config.json, preprocessor config,
 * model.safetensors), outside the folders huggingface_hub manages, and reused from then on.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { SAFETENSORS_NAME } from '../weights/open-weights';
import { exists, RepoCache, uniqueTempPath } from './cache-layout';
import { diskError } from './hub-errors';
import { CONFIG_NAME, PREPROCESSOR_CONFIG_NAME, SnapshotFiles } from './model-files';

/** Writes `safetensorsFile` (atomically) from a torch checkpoint, checked against `configFile`. */
export type CheckpointConverter = (checkpointFile: string, configFile: string, safetensorsFile: string) => Promise<void>;

export async function modelDirectory(cache: RepoCache, snapshot: SnapshotFiles, convert: CheckpointConverter): Promise<string> {
  const { commit, weights } = snapshot;
  if (weights === SAFETENSORS_NAME) return cache.snapshotDir(commit);
  const dir = cache.convertedDir(commit);
  if (await exists(path.join(dir, SAFETENSORS_NAME))) return dir;
  try {
    await fsp.mkdir(dir, { recursive: true });
    for (const name of [CONFIG_NAME, PREPROCESSOR_CONFIG_NAME]) {
      const source = cache.snapshotFile(commit, name);
      if (!(await exists(source))) continue;
      const temp = uniqueTempPath(path.join(dir, name));
      await fsp.copyFile(source, temp);
      await fsp.rename(temp, path.join(dir, name));
    }
    // Written last, so its presence means the directory is complete; concurrent converters each
    // write their own whole file and the last rename wins.
    await convert(cache.snapshotFile(commit, weights), cache.snapshotFile(commit, CONFIG_NAME), path.join(dir, SAFETENSORS_NAME));
  } catch (e) {
    throw diskError(e, dir);
  }
  return dir;
}
