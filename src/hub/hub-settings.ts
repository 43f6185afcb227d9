/**
 * Where and how to reach the Hub, from the same environment variables huggingface_hub reads, so a
 * machine set up for Python works unchanged.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface HubSettings {
  /** Base URL, no trailing slash (HF_ENDPOINT, default https://huggingface.co). */
  endpoint: string;
  /** Bearer token (HF_TOKEN, else the file `huggingface-cli login` writes). */
  token?: string;
  /** The hub cache root (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir: string;
  /** Never touch the network (HF_HUB_OFFLINE=1). */
  offline: boolean;
  /** Per-request idle timeout for metadata requests (HF_HUB_ETAG_TIMEOUT seconds, default 10). */
  metadataTimeoutMs: number;
  /** Idle timeout while downloading (HF_HUB_DOWNLOAD_TIMEOUT seconds, default 10). */
  downloadTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

function isTruthy(value: string | undefined): boolean {
  return ['1', 'on', 'yes', 'true'].includes((value ?? '').trim().toLowerCase());
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return (value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback) * 1000;
}

function hfHome(env: Env): string {
  return env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huggingface');
}

function readToken(env: Env): string | undefined {
  const fromEnv = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv?.trim()) return fromEnv.trim();
  const file = env.HF_TOKEN_PATH ?? path.join(hfHome(env), 'token');
  try {
    return fs.readFileSync(file, 'utf-8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hubSettings(overrides: Partial<HubSettings> = {}, env: Env = process.env): HubSettings {
  return {
    endpoint: (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token: readToken(env),
    cacheDir: env.HF_HUB_CACHE ?? path.join(hfHome(env), 'hub'),
    offline: isTruthy(env.HF_HUB_OFFLINE),
    metadataTimeoutMs: seconds(env.HF_HUB_ETAG_TIMEOUT, 10),
    downloadTimeoutMs: seconds(env.HF_HUB_DOWNLOAD_TIMEOUT, 10),
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}
