/**
 * Downloads one blob into the cache the way huggingface_hub does: under a lock, into
 * blobs/{etag}.incomplete, resuming it with a Range request after a dropped connection (or an
 * earlier interrupted run), then checking size and digest before an atomic rename to blobs/{etag}.
 * A blob that fails the check is deleted, never renamed into place.
 */
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { HubError } from '../errors';
import { digestForEtag } from './blob-digest';
import { exists, RepoCache } from './cache-layout';
import { withFileLock } from './file-lock';
import { authHeaders, FileMetadata } from './file-metadata';
import { requestFollowing } from './http-client';
import { diskError, FetchContext, isNetworkFailure, networkError, statusError } from './hub-errors';
import type { HubSettings } from './hub-settings';
import type { ProgressCallback } from './progress';

export interface BlobDownload {
  settings: HubSettings;
  cache: RepoCache;
  metadata: FileMetadata;
  context: FetchContext;
  onProgress?: ProgressCallback;
}

/** huggingface_hub retries a dropped download 5 times, resuming each time. */
const MAX_ATTEMPTS = 5;

async function sizeOf(file: string): Promise<number> {
  return fsp.stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

/** Fetches what is missing from the .incomplete file; true once it holds the whole (announced) size. */
async function fetchRemainder(job: BlobDownload, incomplete: string): Promise<boolean> {
  const { settings, metadata, context } = job;
  let offset = await sizeOf(incomplete);
  if (metadata.size !== undefined && offset > metadata.size) {
    await fsp.rm(incomplete, { force: true });
    offset = 0;
  }
  if (metadata.size !== undefined && offset === metadata.size) return true;
  const sameOrigin = new URL(metadata.downloadUrl).origin === new URL(settings.endpoint).origin;
  const headers: Record<string, string> = { ...(sameOrigin ? authHeaders(settings) : {}), 'Accept-Encoding': 'identity' };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  const { response, url } = await requestFollowing({ url: metadata.downloadUrl, method: 'GET', headers, timeoutMs: settings.downloadTimeoutMs });
  const rangeStart = Number(/^bytes (\d+)-/.exec(response.headers['content-range'] ?? '')?.[1]);
  if (response.statusCode === 416 || (response.statusCode === 206 && rangeStart !== offset)) {
    // The server cannot continue our partial file: start over.
    response.resume();
    await fsp.rm(incomplete, { force: true });
    return false;
  }
  if (response.statusCode !== 200 && response.statusCode !== 206) {
    response.resume();
    throw statusError(response.statusCode ?? 0, response.headers, { ...context, url });
  }
  let downloaded = response.statusCode === 206 ? offset : 0;
  response.on('data', (chunk: Buffer) => {
    downloaded += chunk.length;
    job.onProgress?.({ file: context.file, loaded: downloaded, downloaded, total: metadata.size });
  });
  await pipeline(response, fs.createWriteStream(incomplete, { flags: response.statusCode === 206 ? 'a' : 'w' }));
  return metadata.size === undefined || downloaded >= metadata.size;
}

async function verify(job: BlobDownload, incomplete: string): Promise<void> {
  const { metadata, context } = job;
  const fail = async (why: string): Promise<never> => {
    await fsp.rm(incomplete, { force: true });
    throw new HubError(`${context.file} from ${metadata.downloadUrl}: ${why}; the download was corrupted and has been deleted, run again`, 'integrity');
  };
  const size = await sizeOf(incomplete);
  if (metadata.size !== undefined && size !== metadata.size) await fail(`got ${size} bytes, the Hub announced ${metadata.size}`);
  const digest = await digestForEtag(incomplete, metadata.etag);
  if (digest !== undefined && digest !== metadata.etag) await fail(`content hash ${digest} does not match the Hub's ETag ${metadata.etag}`);
}

async function downloadLocked(job: BlobDownload): Promise<void> {
  const { cache, metadata, context } = job;
  const blob = cache.blob(metadata.etag);
  if (await exists(blob)) return; // another process finished it while we waited for the lock
  const incomplete = cache.incompleteBlob(metadata.etag);
  await fsp.mkdir(path.dirname(incomplete), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      if (await fetchRemainder(job, incomplete)) break;
    } catch (e) {
      if (!isNetworkFailure(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw networkError(e, { ...context, url: metadata.downloadUrl });
    }
    if (attempt >= MAX_ATTEMPTS) throw new HubError(`${metadata.downloadUrl}: the download of ${context.file} kept stopping short after ${MAX_ATTEMPTS} attempts`, 'network');
  }
  await verify(job, incomplete);
  await fsp.rename(incomplete, blob);
}

export async function downloadBlob(job: BlobDownload): Promise<void> {
  if (await exists(job.cache.blob(job.metadata.etag))) return;
  try {
    await withFileLock(job.cache.lockFile(job.metadata.etag), () => downloadLocked(job));
  } catch (e) {
    throw diskError(e, job.cache.incompleteBlob(job.metadata.etag));
  }
}
