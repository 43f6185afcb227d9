/**
 * One model's folder in the hub cache, laid out exactly as huggingface_hub does so either tool reuses
 * the other's downloads:
 *   models--org--name/blobs/{etag}                    file contents, named by git sha1 or LFS sha256
 *   models--org--name/snapshots/{commit}/{file}       relative symlink to ../../blobs/{etag}
 *   models--org--name/refs/{revision}                 the commit hash the revision last pointed to
 *   models--org--name/.no_exist/{commit}/{file}       empty: the file is known to be absent
 *   .locks/models--org--name/{etag}.lock              download lock
 * Our own converted weights live beside them in models--org--name/perceiver-io/{commit}/, a folder
 * huggingface_hub never reads or writes.
 */
import * as crypto from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { ModelId } from './model-id';

/** A sibling name no other writer uses, for write-then-rename. */
export function uniqueTempPath(target: string): string {
  return `${target}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
}

export async function exists(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    () => true,
    () => false,
  );
}

/** Writes a small file whole or not at all (readers never see half of it). */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const temp = uniqueTempPath(file);
  await fsp.writeFile(temp, content);
  await fsp.rename(temp, file);
}

export class RepoCache {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly model: ModelId,
  ) {
    this.dir = path.join(cacheDir, model.folderName);
  }

  blob(etag: string): string {
    return path.join(this.dir, 'blobs', etag);
  }

  /** huggingface_hub's name for a partial download, resumed by whichever process gets the lock next. */
  incompleteBlob(etag: string): string {
    return `${this.blob(etag)}.incomplete`;
  }

  lockFile(etag: string): string {
    return path.join(this.cacheDir, '.locks', this.model.folderName, `${etag}.lock`);
  }

  snapshotDir(commit: string): string {
    return path.join(this.dir, 'snapshots', commit);
  }

  snapshotFile(commit: string, file: string): string {
    return path.join(this.snapshotDir(commit), file);
  }

  noExistFile(commit: string, file: string): string {
    return path.join(this.dir, '.no_exist', commit, file);
  }

  convertedDir(commit: string): string {
    return path.join(this.dir, 'perceiver-io', commit);
  }

  async readRef(revision: string): Promise<string | undefined> {
    try {
      return (await fsp.readFile(path.join(this.dir, 'refs', revision), 'utf-8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** huggingface_hub writes the bare hash, no newline. */
  async writeRef(revision: string, commit: string): Promise<void> {
    await writeFileAtomic(path.join(this.dir, 'refs', revision), commit);
  }

  async markMissing(commit: string, file: string): Promise<void> {
    await writeFileAtomic(this.noExistFile(commit, file), '');
  }

  /** Points snapshots/{commit}/{file} at the blob: a relative symlink, or a copy where symlinks are refused (Windows without developer mode). */
  async linkSnapshot(commit: string, file: string, etag: string): Promise<void> {
    const link = this.snapshotFile(commit, file);
    await fsp.mkdir(path.dirname(link), { recursive: true });
    const temp = uniqueTempPath(link);
    try {
      await fsp.symlink(path.relative(path.dirname(link), this.blob(etag)), temp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      await fsp.copyFile(this.blob(etag), temp);
    }
    await fsp.rename(temp, link);
  }
}
