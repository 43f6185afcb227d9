/**
 * The browser implementation of the model-file seam (src/model/pretrained-loader.ts), on fetch:
 * config.json; model.safetensors, else pytorch_model.bin read in memory by the restricted torch
 * reader (nothing executes); preprocessor_config.json (optional). Files come from Cache Storage
 * when cached (model-cache.ts), else from the network, with progress, and are then cached.
 * Importing this module registers it (src/browser.ts does).
 *
 * Memory (docs/browser.md, "Loading"): a weights file is read into one buffer sized from its
 * Content-Length, and the weight source hands out views of that buffer. At peak a download holds
 * the buffer plus the copy Cache Storage takes while `put` runs (awaited here, before any tensor
 * exists); afterwards the model's tensors are made from the views (the buffer plus the tensors on
 * the backend). Never three copies of the checkpoint at once.
 */
import { initBackend } from '../backend';
import { parseConfig, PerceiverConfig } from '../config';
import { ConfigError, HubError } from '../errors';
import { CONFIG_NAME, PREPROCESSOR_CONFIG_NAME, PYTORCH_NAME, SAFETENSORS_NAME } from '../hub/file-names';
import { statusError } from '../hub/hub-errors';
import type { ProgressCallback } from '../hub/progress';
import { DEFAULT_PROCESSOR_CONFIG, ImageProcessorConfig, parseProcessorConfig } from '../image/processor-config';
import { FromPretrainedOptions, PretrainedFiles, registerPretrainedLoader, registerProcessorConfigLoader } from '../model/pretrained-loader';
import { SafetensorsReader } from '../weights/safetensors-reader';
import { TorchCheckpointReader } from '../weights/torch/torch-checkpoint-reader';
import type { TensorSource } from '../weights/tensor-source';
import { absentMarker, defaultCacheStorage, isAbsentMarker, MODEL_CACHE_NAME, ModelCache, ModelCacheStorage } from './model-cache';
import { locateModel, ModelLocation } from './model-location';
import { readBody } from './read-body';

export { clearModelCache, MODEL_CACHE_NAME } from './model-cache';
export type { ModelCache, ModelCacheStorage } from './model-cache';
export { DEFAULT_ENDPOINT } from './model-location';


export interface BrowserLoaderSettings {
  /** The Hub (default https://huggingface.co); a mirror or a test server. */
  endpoint?: string;
  /** Sent as `Authorization: Bearer` to the endpoint only (gated or private models). It is visible to the page's scripts. */
  accessToken?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default: the page's Cache Storage (`caches`) when there is one; `null` turns caching off. */
  caches?: ModelCacheStorage | null;
}

let settings: BrowserLoaderSettings = {};

/** Changes the endpoint, token, fetch or cache for every later fromPretrained (merged over the current settings). */
export function configureModelLoading(next: BrowserLoaderSettings): void {
  settings = { ...settings, ...next };
}

interface Session {
  location: ModelLocation;
  fetch: typeof fetch;
  cache?: ModelCache;
  offline: boolean;
  onProgress?: ProgressCallback;
  headers: Record<string, string>;
}

async function openSession(idOrUrl: string, options: FromPretrainedOptions, s: BrowserLoaderSettings): Promise<Session> {
  const location = locateModel(idOrUrl, { revision: options.revision, endpoint: s.endpoint });
  const storage = s.caches === null ? undefined : (s.caches ?? defaultCacheStorage());
  let cache: ModelCache | undefined;
  try {
    cache = await storage?.open(MODEL_CACHE_NAME);
  } catch {
    cache = undefined; // storage refused (private mode, quota): load uncached
  }
  // Called as a method of the session below: the global fetch must keep globalThis as its receiver (browsers throw 'Illegal invocation').
  const fetchImpl = s.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
  if (typeof fetchImpl !== 'function') throw new HubError('fromPretrained: this environment has no fetch', 'network');
  const headers: Record<string, string> = location.modelId && s.accessToken ? { authorization: `Bearer ${s.accessToken}` } : {};
  return { location, fetch: fetchImpl, cache, offline: options.offline === true, onProgress: options.onProgress, headers };
}

function httpError(session: Session, file: string, url: string, response: Response): HubError {
  const { location } = session;
  const h = (name: string) => response.headers.get(name) ?? undefined;
  if (location.modelId === undefined) {
    const what = response.status === 404 ? `${location.description} has no ${file}` : response.status === 401 || response.status === 403 ? 'access denied' : 'the server failed';
    const reason = response.status === 404 ? 'not-found' : response.status === 401 || response.status === 403 ? 'unauthorized' : 'server';
    return new HubError(`${url}: HTTP ${response.status}: ${what}`, reason);
  }
  if (response.status === 401 || response.status === 403) {
    const gated = h('x-error-code') === 'GatedRepo' ? ` '${location.modelId}' is gated: accept its conditions on its Hub page first.` : '';
    return new HubError(
      `${url}: HTTP ${response.status}. '${location.modelId}' is private or gated, or does not exist.${gated} ` +
        'Pass an access token that can read it with configureModelLoading({ accessToken }) (https://huggingface.co/settings/tokens), and check the model id.',
      'unauthorized',
    );
  }
  const context = { modelId: location.modelId, revision: location.revision, file, url };
  return statusError(response.status, { 'x-error-code': h('x-error-code'), 'x-error-message': h('x-error-message') }, context);
}

/** Stores a response; a full or refused cache only costs the next load a download. */
async function remember(session: Session, url: string, response: () => Response): Promise<void> {
  if (!session.cache) return;
  try {
    await session.cache.put(url, response());
  } catch (e) {
    console.warn(`perceiver-io: could not keep ${url} in Cache Storage (${(e as Error).message}); it will be downloaded again next time`);
  }
}

/** A model file's bytes (cache, else network), or undefined when an optional file does not exist. */
async function fetchFile(session: Session, file: string, optional: boolean): Promise<Uint8Array | undefined> {
  const url = session.location.urlOf(file);
  const cached = await session.cache?.match(url);
  if (cached) {
    if (isAbsentMarker(cached)) {
      if (optional) return undefined;
      throw new HubError(`${url}: ${session.location.description} has no ${file} (remembered in Cache Storage; clearModelCache() forgets it)`, 'not-found');
    }
    return readBody(cached, file, url, session.onProgress);
  }
  if (session.offline) {
    throw new HubError(`${url}: ${file} of ${session.location.description} is not in Cache Storage and offline mode is on; load it once online`, 'offline');
  }
  let response: Response;
  try {
    response = await session.fetch(url, { headers: session.headers });
  } catch (e) {
    throw new HubError(`cannot reach ${url} (${(e as Error).message}); check the network, or the model id or folder URL`, 'network');
  }
  if (response.status === 404 && optional) {
    await response.body?.cancel().catch(() => undefined);
    await remember(session, url, absentMarker);
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw httpError(session, file, url, response);
  }
  const bytes = await readBody(response, file, url, session.onProgress);
  // Awaited: Cache Storage copies the body while it writes; that copy is gone before tensors are made.
  await remember(session, url, () => new Response(bytes, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }));
  return bytes;
}

function parseJson(bytes: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ConfigError(`${url}: not valid JSON (${(e as Error).message})`);
  }
}

async function fetchConfig(session: Session): Promise<PerceiverConfig> {
  const url = session.location.urlOf(CONFIG_NAME);
  return parseConfig(parseJson((await fetchFile(session, CONFIG_NAME, false))!, url), url);
}

/** model.safetensors, else pytorch_model.bin; both read in memory, tensors as views of the one buffer. */
async function fetchWeights(session: Session): Promise<TensorSource> {
  const safetensors = await fetchFile(session, SAFETENSORS_NAME, true);
  if (safetensors) return SafetensorsReader.fromBytes(safetensors, session.location.urlOf(SAFETENSORS_NAME));
  const pytorch = await fetchFile(session, PYTORCH_NAME, true);
  if (pytorch) return TorchCheckpointReader.fromBytes(pytorch, session.location.urlOf(PYTORCH_NAME));
  throw new HubError(`${session.location.description} has neither ${SAFETENSORS_NAME} nor ${PYTORCH_NAME} (${session.location.urlOf('')})`, 'not-found');
}

export interface BrowserModelFiles extends PretrainedFiles {
  weights: TensorSource;
}

/** The PretrainedLoader of the browser entry: backend ready, then config.json and the weights. */
export async function loadBrowserPretrained(idOrUrl: string, options: FromPretrainedOptions = {}): Promise<BrowserModelFiles> {
  await initBackend(options.backend);
  const session = await openSession(idOrUrl, options, settings);
  const config = await fetchConfig(session);
  return { config, weights: await fetchWeights(session) };
}

/** preprocessor_config.json, or Hugging Face's defaults when the model has none. */
export async function loadBrowserProcessorConfig(idOrUrl: string, options: FromPretrainedOptions = {}): Promise<ImageProcessorConfig> {
  const session = await openSession(idOrUrl, options, settings);
  const bytes = await fetchFile(session, PREPROCESSOR_CONFIG_NAME, true);
  if (!bytes) return DEFAULT_PROCESSOR_CONFIG;
  const url = session.location.urlOf(PREPROCESSOR_CONFIG_NAME);
  return parseProcessorConfig(parseJson(bytes, url), url);
}

registerPretrainedLoader(loadBrowserPretrained);
registerProcessorConfigLoader(loadBrowserProcessorConfig);
