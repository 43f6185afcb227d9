/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY, which Node's own fetch ignores. Plain-http targets are asked
 * of the proxy in absolute form; https targets go through a CONNECT tunnel so TLS stays end to end.
 */
import * as http from 'http';
import type * as net from 'net';

type Env = Record<string, string | undefined>;

function firstSet(env: Env, ...names: string[]): string | undefined {
  for (const name of names) if (env[name]?.trim()) return env[name]!.trim();
  return undefined;
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** curl's NO_PROXY rules: `*`, exact hosts, domain suffixes (with or without a leading dot), optional :port. */
function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [pattern, port] = entry.toLowerCase().replace(/^\*/, '').split(/:(?=\d+$)/);
      if (port && port !== defaultPort(target)) return false;
      const domain = pattern.replace(/^\./, '');
      return host === domain || host.endsWith(`.${domain}`);
    });
}

/** The proxy to use for `target`, or undefined to connect directly. */
export function proxyFor(target: URL, env: Env = process.env): URL | undefined {
  const noProxy = firstSet(env, 'no_proxy', 'NO_PROXY');
  if (noProxy && bypassesProxy(target, noProxy)) return undefined;
  const proxy = target.protocol === 'https:' ? firstSet(env, 'https_proxy', 'HTTPS_PROXY') : firstSet(env, 'http_proxy', 'HTTP_PROXY');
  if (!proxy) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

/** `Proxy-Authorization` for a proxy URL with user:password, if any. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** Opens a raw TCP tunnel to host:port through an http proxy (CONNECT). */
export function openTunnel(proxy: URL, host: string, port: string, timeoutMs: number): Promise<net.Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: proxy.hostname,
      port: defaultPort(proxy),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...proxyAuthorization(proxy) },
      timeout: timeoutMs,
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(Object.assign(new Error(`proxy ${proxy.host} refused CONNECT ${authority}: HTTP ${response.statusCode}`), { code: 'EPROXY' }));
    });
    request.once('timeout', () => request.destroy(Object.assign(new Error(`proxy ${proxy.host} timed out`), { code: 'ETIMEDOUT' })));
    request.once('error', reject);
    request.end();
  });
}
