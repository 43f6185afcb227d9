/** Turns HTTP statuses and socket/disk failures into HubErrors that say what to do next. */
import type { IncomingHttpHeaders } from 'http';
import { HubError } from '../errors';

/** What was being fetched, for messages. */
export interface FetchContext {
  modelId: string;
  revision: string;
  file: string;
  url: string;
}

const OFFLINE_HINT =
  'To work without the network, set HF_HUB_OFFLINE=1 to use files already in the cache, ' +
  'or pass a local model directory (config.json + model.safetensors) instead of a model id.';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EPROXY', 'EREDIRECTS', 'ECONNABORTED']);

export function isNetworkFailure(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && NETWORK_CODES.has(code)) || (e as Error | undefined)?.message === 'aborted';
}

export function networkError(e: unknown, context: FetchContext): HubError {
  const cause = e as NodeJS.ErrnoException;
  return new HubError(`cannot reach ${context.url} (${cause.code ?? cause.message}). ${OFFLINE_HINT}`, 'network');
}

export function statusError(status: number, headers: IncomingHttpHeaders, context: FetchContext): HubError {
  const { modelId, revision, file, url } = context;
  const serverSays = headers['x-error-message'] ? ` The Hub says: ${headers['x-error-message']}` : '';
  const code = headers['x-error-code'];
  if (status === 401 || status === 403) {
    const gated = code === 'GatedRepo' ? ` '${modelId}' is gated: accept its conditions on its Hub page first.` : '';
    return new HubError(
      `${url}: HTTP ${status}. '${modelId}' is private or gated, or does not exist.${gated} Set HF_TOKEN to an access token ` +
        `that can read it (https://huggingface.co/settings/tokens), and check the model id.${serverSays}`,
      'unauthorized',
    );
  }
  if (status === 404) {
    const what =
      code === 'RevisionNotFound'
        ? `revision '${revision}' does not exist in '${modelId}'`
        : code === 'EntryNotFound'
          ? `'${modelId}' at revision '${revision}' has no file '${file}'`
          : `model '${modelId}' or its revision '${revision}' was not found; check both`;
    return new HubError(`${url}: HTTP 404: ${what}.${serverSays}`, 'not-found');
  }
  if (status >= 500) return new HubError(`${url}: HTTP ${status}: the Hub had a server error; try again later.${serverSays}`, 'server');
  return new HubError(`${url}: unexpected HTTP ${status}.${serverSays}`, 'server');
}

/** ENOSPC and friends, naming the file being written. */
export function diskError(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HubError(`${file}: the disk is full. Free some space or set HF_HUB_CACHE to a folder on a larger disk.`, 'disk-full');
  }
  return e;
}
