/** Expands the CLI's file and directory arguments into the list of images to classify. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { IMAGE_EXTENSIONS } from '../src/image/image-extensions';

export { IMAGE_EXTENSIONS };

export interface ExpandedArgs {
  files: string[];
  /** Arguments that could not be listed, with the reason. */
  problems: { path: string; reason: string }[];
}

/** Files as given; directories replaced by their image files (sorted, not recursive). */
export async function expandImageArgs(args: readonly string[]): Promise<ExpandedArgs> {
  const files: string[] = [];
  const problems: ExpandedArgs['problems'] = [];
  for (const arg of args) {
    try {
      if (!(await fsp.stat(arg)).isDirectory()) {
        files.push(arg);
        continue;
      }
      const entries = await fsp.readdir(arg, { withFileTypes: true });
      const images = entries
        .filter((e) => !e.isDirectory() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
        .map((e) => path.join(arg, e.name))
        .sort();
      if (images.length === 0) problems.push({ path: arg, reason: `directory has no ${IMAGE_EXTENSIONS.join('/')} files` });
      files.push(...images);
    } catch (e) {
      problems.push({ path: arg, reason: `cannot read (${(e as Error).message})` });
    }
  }
  return { files, problems };
}

/** "perceiver-io <command>: <file>: <message>"; ImageError messages already start with the path. */
export function fileErrorLine(command: string, file: string, message: string): string {
  return `perceiver-io ${command}: ${message.startsWith(file) ? message : `${file}: ${message}`}\n`;
}

/** The image files of the arguments; those that cannot be listed are reported on stderr and counted. */
export async function imageFilesReporting(command: string, args: readonly string[]): Promise<{ files: string[]; failures: number }> {
  const { files, problems } = await expandImageArgs(args);
  for (const p of problems) process.stderr.write(fileErrorLine(command, p.path, p.reason));
  return { files, failures: problems.length };
}
