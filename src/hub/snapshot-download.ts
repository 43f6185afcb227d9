/**
 * Fetches a revision's model files into snapshots/{commit}/: config.json first (its HEAD resolves
 * the revision to a commit, and the config is checked before any large download), then the optional
 * preprocessor config, then the first weights file the repository has. Later files are requested
 * by commit hash so a branch moving mid-download cannot mix two versions.
 */
import { HubError } from '../errors';
import { exists, RepoCache } from './cache-layout';
import { downloadBlob } from './download-blob';
import { fetchFileMetadata, FileMetadata, resolveUrl } from './file-metadata';
import type { FetchContext } from './hub-errors';
import type { HubSettings } from './hub-settings';
import { checkPerceiverConfig, CONFIG_NAME, PREPROCESSOR_CONFIG_NAME, SnapshotFiles, WEIGHTS_NAMES } from './model-files';
import { isCommitHash } from './model-id';
import type { ProgressCallback } from './progress';

export interface SnapshotRequest {
  settings: HubSettings;
  cache: RepoCache;
  revision: string;
  onProgress?: ProgressCallback;
}

/** Downloads (unless cached) one file; returns its metadata, or undefined when the Hub has no such file. */
async function fetchFile(request: SnapshotRequest, revision: string, file: string, optional: boolean): Promise<FileMetadata | undefined> {
  const { settings, cache } = request;
  const context: FetchContext = { modelId: cache.model.id, revision, file, url: resolveUrl(settings, cache.model.id, revision, file) };
  let metadata: FileMetadata;
  try {
    metadata = await fetchFileMetadata(settings, context);
  } catch (e) {
    if (optional && e instanceof HubError && e.reason === 'not-found' && isCommitHash(revision)) {
      await cache.markMissing(revision, file);
      return undefined;
    }
    throw e;
  }
  if (!(await exists(cache.snapshotFile(metadata.commit, file)))) {
    await downloadBlob({ settings, cache, metadata, context, onProgress: request.onProgress });
    await cache.linkSnapshot(metadata.commit, file, metadata.etag);
  }
  return metadata;
}

export async function downloadSnapshot(request: SnapshotRequest): Promise<SnapshotFiles> {
  const { cache, revision } = request;
  const { commit } = (await fetchFile(request, revision, CONFIG_NAME, false))!;
  if (revision !== commit) await cache.writeRef(revision, commit);
  await checkPerceiverConfig(cache.snapshotFile(commit, CONFIG_NAME), cache.model.id);
  await fetchFile(request, commit, PREPROCESSOR_CONFIG_NAME, true);
  for (const weights of WEIGHTS_NAMES) {
    if (await fetchFile(request, commit, weights, true)) return { commit, weights };
  }
  throw new HubError(`'${cache.model.id}' at revision '${revision}' (commit ${commit}) has none of ${WEIGHTS_NAMES.join(', ')}`, 'not-perceiver');
}
