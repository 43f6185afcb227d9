/**
 * Where a model's files are fetched from in the browser: a Hub id becomes
 * `{endpoint}/{id}/resolve/{revision}/{file}`, a URL or path prefix (`/models/tiny/`,
 * `https://example.org/m/`, `./tiny`) is a folder served over HTTP. Pure: no fetch here.
 */
import { checkRevision, DEFAULT_REVISION, parseModelId } from '../hub/model-id';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface ModelLocation {
  /** For messages: `'org/name' at revision 'main'` or the folder URL. */
  readonly description: string;
  /** The Hub id, when the location is on a Hub. */
  readonly modelId?: string;
  readonly revision: string;
  urlOf(file: string): string;
}

/** A URL with a scheme, or a path starting with `/`, `./` or `../`: a folder, never a Hub id. */
export function isFolderUrl(idOrUrl: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(idOrUrl) || /^(\/|\.\/|\.\.\/)/.test(idOrUrl) || idOrUrl === '.' || idOrUrl === '..';
}

export function locateModel(idOrUrl: string, options: { revision?: string; endpoint?: string } = {}): ModelLocation {
  const revision = checkRevision(options.revision ?? DEFAULT_REVISION);
  if (isFolderUrl(idOrUrl)) {
    const folder = idOrUrl.endsWith('/') ? idOrUrl : `${idOrUrl}/`;
    return { description: `the model folder ${folder}`, revision, urlOf: (file) => folder + file };
  }
  const { id } = parseModelId(idOrUrl);
  const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const rev = encodeURIComponent(revision);
  return { description: `'${id}' at revision '${revision}'`, modelId: id, revision, urlOf: (file) => `${endpoint}/${id}/resolve/${rev}/${file}` };
}
