/** Download progress: the callback type of the library API and a terminal renderer for the CLI. */

export interface DownloadProgress {
  /** File name inside the repository, e.g. `pytorch_model.bin`. */
  file: string;
  /** Bytes so far (a resumed download starts above 0; in the browser, also bytes read back from Cache Storage). */
  loaded: number;
  /** The same as `loaded` (the name of earlier releases). */
  downloaded: number;
  /** Expected size, when the Hub announced it. */
  total?: number;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const REDRAW_MS = 100;

/**
 * One line per file on `stream` (a TTY): bytes, rate and ETA, redrawn at most 10 times a second;
 * the finished line stays.
 */
export function terminalProgress(stream: NodeJS.WritableStream = process.stderr, now: () => number = Date.now): ProgressCallback {
  let current: { file: string; startedAt: number; startBytes: number; drawnAt: number } | undefined;
  return ({ file, downloaded, total }) => {
    const t = now();
    if (current?.file !== file) current = { file, startedAt: t, startBytes: downloaded, drawnAt: 0 };
    const done = total !== undefined && downloaded >= total;
    if (!done && t - current.drawnAt < REDRAW_MS) return;
    current.drawnAt = t;
    const elapsed = Math.max((t - current.startedAt) / 1000, 1e-3);
    const rate = (downloaded - current.startBytes) / elapsed;
    const parts = [`Downloading ${file}`, total === undefined ? formatBytes(downloaded) : `${formatBytes(downloaded)} / ${formatBytes(total)}`, `${formatBytes(rate)}/s`];
    if (total !== undefined && !done && rate > 0) parts.push(`ETA ${formatDuration((total - downloaded) / rate)}`);
    stream.write(`\r\x1b[K${parts.join('  ')}${done ? '\n' : ''}`);
  };
}
