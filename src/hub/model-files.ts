/** The files a Perceiver image classifier needs from a repository, and how to find them in the cache. */
import { promises as fsp } from 'fs';
import { ARCHITECTURE_NAMES, isArchitectureName } from '../architectures';
import { HubError } from '../errors';
import { CONFIG_NAME, PREPROCESSOR_CONFIG_NAME, PYTORCH_NAME, SAFETENSORS_NAME } from './file-names';
import { exists, RepoCache } from './cache-layout';

export { CONFIG_NAME, PREPROCESSOR_CONFIG_NAME };
/** Tried in this order: safetensors needs no conversion. */
export const WEIGHTS_NAMES = [SAFETENSORS_NAME, PYTORCH_NAME] as const;
export type WeightsName = (typeof WEIGHTS_NAMES)[number];

/** One revision's files, all present in snapshots/{commit}/. */
export interface SnapshotFiles {
  commit: string;
  weights: WeightsName;
}

/** Refuses a repository that is not a Perceiver image classifier before its weights are downloaded. */
export async function checkPerceiverConfig(configFile: string, modelId: string): Promise<void> {
  let config: { model_type?: unknown; architectures?: unknown };
  try {
    config = JSON.parse(await fsp.readFile(configFile, 'utf-8'));
  } catch (e) {
    throw new HubError(`${configFile} (config.json of '${modelId}') is not valid JSON: ${(e as Error).message}`, 'not-perceiver');
  }
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  if (config.model_type !== 'perceiver' || (architectures.length > 0 && !architectures.some(isArchitectureName))) {
    throw new HubError(
      `'${modelId}' is not a Perceiver image classifier: its config.json has model_type ${JSON.stringify(config.model_type)} ` +
        `and architectures ${JSON.stringify(config.architectures)}, expected model_type "perceiver" and one of ${ARCHITECTURE_NAMES.join(', ')}`,
      'not-perceiver',
    );
  }
}

/** The files of a revision already in the cache (downloaded by us or by huggingface_hub), or undefined. */
export async function findCachedSnapshot(cache: RepoCache, commit: string | undefined): Promise<SnapshotFiles | undefined> {
  if (!commit || !(await exists(cache.snapshotFile(commit, CONFIG_NAME)))) return undefined;
  for (const weights of WEIGHTS_NAMES) {
    if (await exists(cache.snapshotFile(commit, weights))) return { commit, weights };
  }
  return undefined;
}
