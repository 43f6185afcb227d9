/**
 * A small static server on 127.0.0.1 for the demo page and the browser tests. It sends the headers
 * that make a page cross-origin isolated (COOP same-origin + COEP require-corp), which wasm threads
 * need (SharedArrayBuffer), and serves, read-only:
 *   /dist/      the prebuilt browser bundle and its wasm (dist/browser, from `npm run build`)
 *   /demo/      this demo page (examples/browser)
 *   /models/    extra model folders given by the caller (e.g. the full-size model)
 *   /fixtures/  ../shared/fixtures, when present (the tiny models and the photos)
 *   /pages/     the browser test pages (test/browser/pages)
 * `npm run demo` runs it and prints the demo's URL.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServerOptions {
  /** URL prefix (e.g. '/models/full/') -> local folder, besides the built-in mounts. */
  mounts?: Record<string, string>;
  /** Called for every request (the tests count what reaches the server). */
  onRequest?: (url: string) => void;
  /** Port (default 0: any free port). */
  port?: number;
}

export interface StaticServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  close(): Promise<void>;
}

/** The mounts, longest prefix first so that a nested mount wins. */
function mountTable(extra: Record<string, string>): [string, string][] {
  const mounts: Record<string, string> = {
    '/dist/': path.join(ROOT, 'dist', 'browser'),
    '/demo/': path.join(ROOT, 'examples', 'browser'),
    '/fixtures/': path.resolve(ROOT, '..', 'shared', 'fixtures'),
    '/pages/': path.join(ROOT, 'test', 'browser', 'pages'),
    ...extra,
  };
  return Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
}

/** The file a URL path names inside a mount, or undefined (unknown prefix, or a path leaving its folder). */
function fileFor(urlPath: string, mounts: [string, string][]): string | undefined {
  const decoded = decodeURIComponent(urlPath);
  for (const [prefix, dir] of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    const file = path.resolve(dir, decoded.slice(prefix.length));
    return file === dir || file.startsWith(dir + path.sep) ? file : undefined;
  }
  return undefined;
}

export function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const mounts = mountTable(options.mounts ?? {});
  const server = http.createServer((req, res) => {
    options.onRequest?.(req.url ?? '');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (urlPath === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (urlPath === '/') {
      res.writeHead(302, { Location: '/demo/' }).end();
      return;
    }
    let file = fileFor(urlPath, mounts);
    if (file && urlPath.endsWith('/')) file = path.join(file, 'index.html');
    if (!file || req.method !== 'GET' || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'Content-Type': 'text/plain' }).end(`not found: ${urlPath}`);
      return;
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** `npm run demo [-- --port N] [-- --model-dir DIR]`: serves the demo and prints its URL. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  if (args.includes('--help')) {
    console.log('npm run demo [-- --port N] [-- --model-dir DIR]\n  Serves the demo page on 127.0.0.1 with the COOP/COEP headers wasm threads need.\n  --model-dir DIR  also serves a model folder (config.json, model.safetensors) as /models/local/');
    return;
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'browser', 'perceiver-io.js'))) throw new Error('dist/browser/perceiver-io.js is missing: run npm run build');
  const modelDir = value('--model-dir');
  const mounts: Record<string, string> = modelDir ? { '/models/local/': path.resolve(modelDir) } : {};
  const server = await startStaticServer({ port: Number(value('--port') ?? 8080), mounts });
  const model = modelDir ? '?model=/models/local/' : '';
  console.log(`perceiver-io demo: ${server.origin}/demo/${model}\n(Ctrl-C stops it)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(1);
  });
}
