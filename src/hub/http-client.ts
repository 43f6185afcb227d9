/**
 * Minimal HTTP(S) client on node:http/https: one request, no body, proxies honoured, redirects
 * followed only when asked (the Hub's metadata lives in the redirect itself).
 */
import * as http from 'http';
import * as https from 'https';
import * as tls from 'tls';
import { openTunnel, proxyAuthorization, proxyFor } from './proxy';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  /** Idle timeout: the request fails if no byte moves for this long. */
  timeoutMs: number;
}

const USER_AGENT = `perceiver-io; node/${process.versions.node}`;

function timeoutError(url: string, ms: number): Error {
  return Object.assign(new Error(`no response from ${url} within ${ms / 1000} s`), { code: 'ETIMEDOUT' });
}

/** The response (body unread). Rejects on network failures, with Node's error code kept. */
export async function sendRequest(request: HttpRequest): Promise<http.IncomingMessage> {
  const url = new URL(request.url);
  const proxy = proxyFor(url);
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...request.headers };
  let options: http.RequestOptions = { method: request.method, headers, timeout: request.timeoutMs };
  if (proxy && url.protocol === 'http:') {
    options = { ...options, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, Host: url.host, ...proxyAuthorization(proxy) } };
  } else {
    options = { ...options, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined, path: url.pathname + url.search };
    if (proxy) {
      const socket = await openTunnel(proxy, options.host!, url.port || '443', request.timeoutMs);
      const secure = tls.connect({ socket, servername: url.hostname });
      // With no agent given, Node uses createConnection for this one request.
      options = { ...options, createConnection: () => secure };
    }
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(options, (response) => {
      response.setTimeout(request.timeoutMs, () => response.destroy(timeoutError(request.url, request.timeoutMs)));
      resolve(response);
    });
    req.once('timeout', () => req.destroy(timeoutError(request.url, request.timeoutMs)));
    req.once('error', reject);
    req.end();
  });
}

export function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

const MAX_REDIRECTS = 10;

/**
 * Sends the request and follows redirects; returns the last response and the URL that gave it.
 * `follow` decides per Location header: the Hub's metadata step follows only relative ones (renamed
 * repos) and stops at the absolute CDN one. The token is never sent
 * to another origin.
 */
export async function requestFollowing(
  request: HttpRequest,
  follow: (location: string) => boolean = () => true,
): Promise<{ response: http.IncomingMessage; url: string }> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const response = await sendRequest(current);
    const location = response.headers.location;
    if (!isRedirect(response.statusCode) || !location) return { response, url: current.url };
    if (!follow(location)) return { response, url: current.url };
    const from = new URL(current.url);
    const to = new URL(location, from);
    response.resume();
    if (hop >= MAX_REDIRECTS) throw Object.assign(new Error(`more than ${MAX_REDIRECTS} redirects from ${request.url}`), { code: 'EREDIRECTS' });
    const headers = { ...current.headers };
    if (to.origin !== from.origin) delete headers.Authorization;
    current = { ...current, url: to.href, headers };
  }
}
