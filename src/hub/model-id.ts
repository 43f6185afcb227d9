/** Hugging Face model ids (`org/name`) and revisions, validated before they become URLs or cache paths. */
import { HubError } from '../errors';

export const DEFAULT_MODEL_ID = 'deepmind/vision-perceiver-fourier';

/**
 * The revision fetched when none is given. `main` follows the repository; set it to a 40-hex commit
 * hash to pin every user to one exact set of files (docs/hub.md).
 */
export const DEFAULT_REVISION = 'main';

export interface ModelId {
  /** `org/name` (or `name` for the few legacy models without a namespace). */
  id: string;
  /** The cache folder, as huggingface_hub names it: `models--org--name`. */
  folderName: string;
}

/** huggingface_hub's validate_repo_id: word characters, `-` and `.`, at most one `/`, no `--` or `..`. */
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/;
const MAX_REPO_ID_LENGTH = 96;

export function parseModelId(text: string): ModelId {
  const ok = REPO_ID.test(text) && text.length <= MAX_REPO_ID_LENGTH && !text.includes('--') && !text.includes('..');
  if (!ok || /^[.-]|[.-]$|\/[.-]|[.-]\//.test(text)) {
    throw new HubError(`'${text}' is neither an existing directory nor a valid Hugging Face model id (org/name)`, 'invalid-id');
  }
  return { id: text, folderName: ['models', ...text.split('/')].join('--') };
}

const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/** Branch, tag, `refs/pr/N` or commit hash; refused if it could escape the cache's `refs/` folder. */
export function checkRevision(revision: string): string {
  const segments = revision.split('/');
  if (revision === '' || segments.some((s) => s === '' || s === '.' || s === '..') || /[\\\0]/.test(revision)) {
    throw new HubError(`'${revision}' is not a valid revision (a branch, tag or commit hash)`, 'invalid-id');
  }
  return revision;
}
