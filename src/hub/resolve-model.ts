/**
 * resolveModel: a model directory, or a Hub model id fetched into (or found in) the Hugging Face
 * cache, in -> a local directory with config.json and model.safetensors (+ preprocessor_config.json) out.
 * Like huggingface_hub, a cached commit hash needs no network, and an unreachable Hub falls back to
 * what the cache has for the revision.
 */
import { promises as fsp } from 'fs';
import { HubError } from '../errors';
import { RepoCache } from './cache-layout';
import { CheckpointConverter, modelDirectory } from './converted-model';
import { HubSettings, hubSettings } from './hub-settings';
import { checkPerceiverConfig, CONFIG_NAME, findCachedSnapshot, SnapshotFiles } from './model-files';
import { checkRevision, DEFAULT_REVISION, isCommitHash, parseModelId } from './model-id';
import type { ProgressCallback } from './progress';
import { downloadSnapshot } from './snapshot-download';
import { convertTorchCheckpoint } from './torch-converter';

export interface ResolveModelOptions {
  /** Branch, tag or commit hash (default DEFAULT_REVISION). */
  revision?: string;
  onProgress?: ProgressCallback;
  /** The hub cache root (default: HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Use only the cache (default: HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Turns a downloaded pytorch_model.bin into model.safetensors (default: the restricted torch reader, float32). */
  convertCheckpoint?: CheckpointConverter;
}

async function isDirectory(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function cachedSnapshot(cache: RepoCache, revision: string): Promise<SnapshotFiles | undefined> {
  return findCachedSnapshot(cache, isCommitHash(revision) ? revision : await cache.readRef(revision));
}

function notCachedError(cache: RepoCache, revision: string, why: string): HubError {
  return new HubError(
    `'${cache.model.id}' at revision '${revision}' is not in the cache ${cache.cacheDir} and ${why}. ` +
      `Run once with network access (unset HF_HUB_OFFLINE), or pass a local model directory.`,
    'offline',
  );
}

async function fetchOrReuse(settings: HubSettings, cache: RepoCache, revision: string, onProgress?: ProgressCallback): Promise<SnapshotFiles> {
  if (settings.offline) {
    return (await cachedSnapshot(cache, revision)) ?? Promise.reject(notCachedError(cache, revision, 'offline mode is on (HF_HUB_OFFLINE)'));
  }
  if (isCommitHash(revision)) {
    const pinned = await findCachedSnapshot(cache, revision);
    if (pinned) return pinned; // a commit never changes: no need to ask the Hub
  }
  try {
    return await downloadSnapshot({ settings, cache, revision, onProgress });
  } catch (e) {
    if (!(e instanceof HubError && e.reason === 'network')) throw e;
    const cached = await cachedSnapshot(cache, revision);
    if (!cached) throw e;
    return cached;
  }
}

export async function resolveModel(idOrDir: string, options: ResolveModelOptions = {}): Promise<string> {
  if (await isDirectory(idOrDir)) return idOrDir;
  const model = parseModelId(idOrDir);
  const settings = hubSettings({ cacheDir: options.cacheDir, offline: options.offline });
  const cache = new RepoCache(settings.cacheDir, model);
  const revision = checkRevision(options.revision ?? DEFAULT_REVISION);
  const snapshot = await fetchOrReuse(settings, cache, revision, options.onProgress);
  await checkPerceiverConfig(cache.snapshotFile(snapshot.commit, CONFIG_NAME), cache.model.id);
  return modelDirectory(cache, snapshot, options.convertCheckpoint ?? convertTorchCheckpoint);
}
