/** HTTP_PROXY / HTTPS_PROXY / NO_PROXY, against a local forwarding proxy. */
import * as http from 'http';
import { openTunnel, proxyFor } from '../../src/hub/proxy';
import { resolveModel } from '../../src/hub/resolve-model';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub } from './fake-hub';
import { FakeProxy } from './fake-proxy';
import { copyConverter, REPO_ID, tinySafetensorsRepo } from './tiny-repo';

const env = { ...process.env };
let hub: FakeHub;
let proxy: FakeProxy;
let cacheDir: string;

beforeAll(async () => {
  [hub, proxy] = await Promise.all([FakeHub.start({ [REPO_ID]: tinySafetensorsRepo() }), FakeProxy.start()]);
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'HF_HUB_OFFLINE']) delete process.env[name];
  process.env.HF_ENDPOINT = hub.endpoint;
  cacheDir = makeTempDir('hub-proxy');
});

afterAll(async () => {
  process.env = env;
  await Promise.all([hub.close(), proxy.close()]);
  removeDir(cacheDir);
});

test('proxyFor picks the proxy by scheme and honours NO_PROXY as curl does', () => {
  const env = { HTTPS_PROXY: 'proxy.corp:3128', http_proxy: 'http://plain:8080', NO_PROXY: 'internal.example, .corp.example,localhost:9000' };
  expect(proxyFor(new URL('https://huggingface.co/x'), env)?.href).toBe('http://proxy.corp:3128/');
  expect(proxyFor(new URL('http://huggingface.co/x'), env)?.href).toBe('http://plain:8080/');
  expect(proxyFor(new URL('https://internal.example/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('https://cdn.internal.example/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('https://a.corp.example/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('http://localhost:9000/x'), env)).toBeUndefined();
  expect(proxyFor(new URL('http://localhost:9001/x'), env)?.host).toBe('plain:8080');
  expect(proxyFor(new URL('https://notinternal.example/x'), env)?.host).toBe('proxy.corp:3128');
  expect(proxyFor(new URL('https://huggingface.co/x'), { ...env, NO_PROXY: '*' })).toBeUndefined();
  expect(proxyFor(new URL('https://huggingface.co/x'), {})).toBeUndefined();
});

test('downloads go through HTTP_PROXY (with its credentials), unless NO_PROXY lists the host', async () => {
  process.env.http_proxy = proxy.url.replace('http://', 'http://user:p%40ss@');
  try {
    await resolveModel(REPO_ID, { cacheDir, convertCheckpoint: copyConverter });
    expect(proxy.log.map((l) => l.line)).toContain(`HEAD ${hub.endpoint}/${REPO_ID}/resolve/main/config.json`);
    expect(proxy.log.some((l) => l.line.startsWith(`GET ${hub.endpoint}/cdn/`))).toBe(true);
    expect(proxy.log[0].auth).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    proxy.log.length = 0;
    process.env.no_proxy = '127.0.0.1';
    await resolveModel(REPO_ID, { cacheDir, convertCheckpoint: copyConverter });
    expect(proxy.log).toEqual([]);
  } finally {
    delete process.env.http_proxy;
    delete process.env.no_proxy;
  }
});

test('a CONNECT tunnel carries a request end to end (the path https targets take)', async () => {
  const { hostname, port } = new URL(hub.endpoint);
  const socket = await openTunnel(new URL(proxy.url), hostname, port, 5000);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ method: 'HEAD', path: `/${REPO_ID}/resolve/main/config.json`, createConnection: () => socket }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.once('error', reject);
    req.end();
  });
  socket.destroy();
  expect(status).toBe(200);
  expect(proxy.log.at(-1)?.line).toBe(`CONNECT ${hostname}:${port}`);
});
