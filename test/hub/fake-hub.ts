/**
 * A local stand-in for huggingface.co on 127.0.0.1, answering the way the Hub does for
 * `/{repo}/resolve/{revision}/{file}` (see docs/hub.md for the sources):
 *   small files  200, ETag = git blob sha1, X-Repo-Commit, Content-Length
 *   LFS files    302 to an absolute CDN URL (here /cdn/{sha256} on the same server), ETag of the
 *                pointer, X-Linked-Etag = sha256, X-Linked-Size, X-Repo-Commit
 *   errors       401 RepoNotFound (unknown or private repo), 404 RevisionNotFound / EntryNotFound
 *   renamed repo 307 to the new name (a relative Location)
 * The CDN honours Range. Faults can be injected per file: a status, a connection dropped after N
 * bytes, or corrupted bytes.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import { LocalServer } from './local-server';

export interface FakeRepo {
  commit: string;
  branches: Record<string, string>;
  files: Record<string, Buffer>;
  /** Files stored with git-lfs (served through the CDN redirect). */
  lfs: string[];
  /** When set, requests must carry `Authorization: Bearer {token}`. */
  token?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface Faults {
  /** HTTP status answered for a file's resolve URL. */
  status: Map<string, number>;
  /** Drop the connection after this many body bytes, once per entry (then the entry is removed). */
  dropAfter: Map<string, number>;
  /** Serve these files with their bytes altered (same length). */
  corrupt: Set<string>;
}

export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
export const gitBlobSha1 = (b: Buffer): string => crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

function lfsPointer(content: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`);
}

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  readonly faults: Faults = { status: new Map(), dropAfter: new Map(), corrupt: new Set() };
  readonly renamed = new Map<string, string>();
  private local!: LocalServer;

  private constructor(readonly repos: Map<string, FakeRepo>) {}

  static async start(repos: Record<string, FakeRepo>): Promise<FakeHub> {
    const hub = new FakeHub(new Map(Object.entries(repos)));
    hub.local = await LocalServer.listen(http.createServer((req, res) => hub.handle(req, res)));
    return hub;
  }

  get endpoint(): string {
    return this.local.url;
  }

  close(): Promise<void> {
    return this.local.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url!, this.endpoint).pathname);
    this.requests.push({ method: req.method!, path, range: req.headers.range, authorization: req.headers.authorization });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) return this.serveCdn(req, res, cdn[1]);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/(.+?)\/([^/]+)$/.exec(path);
    if (!resolve) return this.fail(res, 404, 'NotFound');
    const [, repoId, revision, file] = resolve;
    const newName = this.renamed.get(repoId);
    if (newName) {
      res.writeHead(307, { Location: `/${newName}/resolve/${encodeURIComponent(revision)}/${file}` }).end();
      return;
    }
    const repo = this.repos.get(repoId);
    if (!repo || (repo.token && req.headers.authorization !== `Bearer ${repo.token}`)) return this.fail(res, 401, 'RepoNotFound');
    const commit = revision === repo.commit ? repo.commit : repo.branches[revision];
    if (!commit) return this.fail(res, 404, 'RevisionNotFound');
    const content = repo.files[file];
    if (!content) return this.fail(res, 404, 'EntryNotFound', { 'X-Repo-Commit': commit });
    const status = this.faults.status.get(file);
    if (status) return this.fail(res, status, 'Injected');
    const headers = { 'X-Repo-Commit': commit };
    if (repo.lfs.includes(file)) {
      const pointer = lfsPointer(content);
      res.writeHead(302, {
        ...headers,
        ETag: `"${gitBlobSha1(pointer)}"`,
        'X-Linked-Etag': `"${sha256(content)}"`,
        'X-Linked-Size': String(content.length),
        Location: `${this.endpoint}/cdn/${sha256(content)}`,
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, ETag: `"${gitBlobSha1(content)}"`, 'Content-Length': String(content.length) });
    res.end(req.method === 'HEAD' ? undefined : content);
  }

  private findLfs(hash: string): [string, Buffer] | undefined {
    for (const repo of this.repos.values()) {
      for (const file of repo.lfs) if (sha256(repo.files[file]) === hash) return [file, repo.files[file]];
    }
    return undefined;
  }

  private serveCdn(req: http.IncomingMessage, res: http.ServerResponse, hash: string): void {
    const found = this.findLfs(hash);
    if (!found) return this.fail(res, 404, 'NotFound');
    const [file, original] = found;
    const content = this.faults.corrupt.has(file) ? Buffer.from(original.map((b) => b ^ 0xff)) : original;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= content.length && content.length > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${content.length}` }).end();
      return;
    }
    const body = content.subarray(start);
    const headers: http.OutgoingHttpHeaders = { ETag: `"${hash}"`, 'Accept-Ranges': 'bytes', 'Content-Length': String(body.length) };
    if (range) headers['Content-Range'] = `bytes ${start}-${content.length - 1}/${content.length}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    const dropAfter = this.faults.dropAfter.get(file);
    if (dropAfter === undefined) return void res.end(body);
    this.faults.dropAfter.delete(file);
    res.write(body.subarray(0, dropAfter), () => setTimeout(() => res.socket?.destroy(), 20));
  }

  private fail(res: http.ServerResponse, status: number, code: string, headers: http.OutgoingHttpHeaders = {}): void {
    const body = `${code}: fake hub error`;
    res.writeHead(status, { ...headers, 'X-Error-Code': code, 'X-Error-Message': body, 'Content-Length': String(body.length) }).end(body);
  }
}
