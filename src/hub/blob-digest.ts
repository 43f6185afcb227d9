/**
 * Checks a downloaded blob against its Hub ETag: LFS files are named by their sha256 (64 hex),
 * small files by their git blob sha1 (40 hex, sha1 of `blob {size}\0` + content).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { pipeline } from 'stream/promises';

/** The digest the ETag claims, recomputed from the file; undefined when the ETag is not a digest. */
export async function digestForEtag(file: string, etag: string): Promise<string | undefined> {
  let hash: crypto.Hash;
  if (/^[0-9a-f]{64}$/.test(etag)) hash = crypto.createHash('sha256');
  else if (/^[0-9a-f]{40}$/.test(etag)) {
    hash = crypto.createHash('sha1').update(`blob ${(await fs.promises.stat(file)).size}\0`);
  } else return undefined;
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
