/**
 * What the Hub says about one file before we download it, read as huggingface_hub's
 * get_hf_file_metadata does: HEAD the resolve URL, follow only same-host redirects, and take
 *   X-Repo-Commit                  the commit the revision resolves to
 *   X-Linked-Etag, else ETag       the blob id: sha256 for LFS files, git blob sha1 otherwise
 *   X-Linked-Size, else Content-Length
 *   Location of a CDN redirect     where LFS bytes are downloaded from
 */
import type { IncomingHttpHeaders } from 'http';
import { HubError } from '../errors';
import { isRedirect, requestFollowing } from './http-client';
import { FetchContext, isNetworkFailure, networkError, statusError } from './hub-errors';
import type { HubSettings } from './hub-settings';
import { isCommitHash } from './model-id';

export interface FileMetadata {
  commit: string;
  etag: string;
  size?: number;
  /** The CDN URL for LFS files, the resolve URL otherwise. */
  downloadUrl: string;
}

export function resolveUrl(settings: HubSettings, modelId: string, revision: string, file: string): string {
  return `${settings.endpoint}/${modelId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

export function authHeaders(settings: HubSettings): Record<string, string> {
  return settings.token ? { Authorization: `Bearer ${settings.token}` } : {};
}

/** huggingface_hub follows a redirect during HEAD only when its Location has no scheme and host. */
function isRelativeLocation(location: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:)?\/\//i.test(location);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `W/"abc"` -> `abc`, as huggingface_hub normalises it. */
function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

export async function fetchFileMetadata(settings: HubSettings, context: FetchContext): Promise<FileMetadata> {
  let response, answeredBy;
  try {
    ({ response, url: answeredBy } = await requestFollowing(
      { url: context.url, method: 'HEAD', headers: { ...authHeaders(settings), 'Accept-Encoding': 'identity' }, timeoutMs: settings.metadataTimeoutMs },
      isRelativeLocation,
    ));
  } catch (e) {
    throw isNetworkFailure(e) ? networkError(e, context) : e;
  }
  response.resume();
  const status = response.statusCode ?? 0;
  if (!(status >= 200 && status < 300) && !isRedirect(status)) throw statusError(status, response.headers, context);
  const commit = header(response.headers, 'x-repo-commit');
  const etag = normalizeEtag(header(response.headers, 'x-linked-etag') ?? header(response.headers, 'etag'));
  if (!commit || !isCommitHash(commit) || !etag || /[/\\]|^\.\.?$/.test(etag)) {
    throw new HubError(`${context.url}: the answer lacks a usable X-Repo-Commit or ETag header; is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub?`, 'server');
  }
  const sizeText = header(response.headers, 'x-linked-size') ?? header(response.headers, 'content-length');
  const location = header(response.headers, 'location');
  return {
    commit,
    etag,
    size: sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined,
    downloadUrl: isRedirect(status) && location ? new URL(location, answeredBy).href : context.url,
  };
}
