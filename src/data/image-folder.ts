/**
 * A labelled image folder in the torchvision/Keras layout: `<dir>/<label>/<image>`, one
 * subdirectory per class (sorted by name: index 0 is the first), image files directly inside.
 * Node-only (reads directories); the split and the order are pure and seeded.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import { IMAGE_EXTENSIONS } from '../image/image-extensions';
import { SeededRandom } from '../train/random';

export interface LabelledImage {
  path: string;
  /** Class index into the folder's labels. */
  label: number;
}

export interface ImageFolder {
  dir: string;
  /** Class names, sorted: the subdirectory names. */
  labels: string[];
  images: LabelledImage[];
}

/**
 * Lists `dir`. With `labels` (from the training folder), a validation folder must use only those
 * classes. A missing folder, no class folders, or an empty class folder is an InputError naming it.
 */
export async function readImageFolder(dir: string, labels?: readonly string[]): Promise<ImageFolder> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`${dir}: cannot read the image folder (${(e as Error).message})`);
  }
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classes.length === 0) throw new InputError(`${dir}: no class folders; expected ${dir}/<label>/<image files>`);
  const names = labels ? [...labels] : classes;
  const unknown = classes.filter((c) => !names.includes(c));
  if (unknown.length) throw new InputError(`${dir}: class folders ${unknown.join(', ')} are not among the training labels (${names.join(', ')})`);
  const images: LabelledImage[] = [];
  for (const name of classes) {
    const classDir = path.join(dir, name);
    const files = (await fsp.readdir(classDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    if (files.length === 0) throw new InputError(`${classDir}: no ${IMAGE_EXTENSIONS.join('/')} files in this class folder`);
    images.push(...files.map((f) => ({ path: path.join(classDir, f), label: names.indexOf(name) })));
  }
  return { dir, labels: names, images };
}

/**
 * A stratified split: `fraction` of each class (rounded, at least one image when the class has two
 * or more) goes to validation, chosen by a seeded shuffle. Both lists keep the folder's order.
 */
export function stratifiedSplit(images: readonly LabelledImage[], fraction: number, seed: number): { train: LabelledImage[]; val: LabelledImage[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new InputError(`the validation fraction must be in [0, 1), got ${fraction}`);
  const random = new SeededRandom(seed);
  const held = new Set<LabelledImage>();
  const byClass = new Map<number, LabelledImage[]>();
  for (const im of images) byClass.set(im.label, [...(byClass.get(im.label) ?? []), im]);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const n = fraction === 0 || members.length < 2 ? 0 : Math.max(1, Math.round(members.length * fraction));
    for (const im of random.shuffled(members).slice(0, n)) held.add(im);
  }
  return { train: images.filter((im) => !held.has(im)), val: images.filter((im) => held.has(im)) };
}
