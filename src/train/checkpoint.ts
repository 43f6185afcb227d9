/**
 * The last finished epoch, kept in `<out>/checkpoint/` so that Ctrl-C or a crash loses at most the
 * epoch in progress: a model directory (usable by `classify`) plus the optimizer's moments
 * (optimizer.safetensors) and trainer-state.json (settings, history, best epoch). A new checkpoint
 * is written beside the old one and swapped in by renames, so one complete checkpoint always exists.
 * Node-only.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { tf } from '../tf';
import { exists, writeFileAtomic } from '../hub/cache-layout';
import { InputError } from '../errors';
import { SafetensorsFile } from '../weights/safetensors';
import { writeSafetensors } from '../weights/safetensors-writer';
import type { EpochStats } from './fit';
import type { OptimizerState } from './optimizer';
import { float32Bytes, SavableModel, savePretrained, SaveOptions } from './save-pretrained';

export const CHECKPOINT_DIR = 'checkpoint';
const STATE_FILE = 'trainer-state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';

export interface TrainingSettings {
  model: string;
  data: string;
  val: string | null;
  valSplit: number;
  train: 'head' | 'all';
  epochs: number;
  learningRate: number;
  weightDecay: number;
  batchSize: number;
  seed: number;
  flip: boolean;
}

export interface TrainingState {
  /** Epochs finished. */
  epoch: number;
  settings: TrainingSettings;
  labels: string[];
  history: EpochStats[];
  bestEpoch: number | null;
  badImages: Record<string, string>;
}

export async function writeCheckpoint(outDir: string, model: SavableModel, save: SaveOptions, optimizer: OptimizerState, state: TrainingState): Promise<void> {
  const final = path.join(outDir, CHECKPOINT_DIR);
  const fresh = `${final}.new`;
  const old = `${final}.old`;
  await fsp.rm(fresh, { recursive: true, force: true });
  await savePretrained(fresh, model, save);
  const moments = Object.entries(optimizer.tensors).map(([name, t]) => ({ name, dtype: 'F32' as const, shape: [...t.shape], bytes: () => float32Bytes(t) }));
  await writeSafetensors(path.join(fresh, OPTIMIZER_FILE), moments, { iterations: String(optimizer.iterations) });
  await writeFileAtomic(path.join(fresh, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  await fsp.rm(old, { recursive: true, force: true });
  if (await exists(final)) await fsp.rename(final, old);
  await fsp.rename(fresh, final);
  await fsp.rm(old, { recursive: true, force: true });
}

export interface Checkpoint {
  /** The model directory of the checkpoint. */
  dir: string;
  state: TrainingState;
  /** Reads the optimizer's moments into new tensors (the caller disposes them). */
  optimizer(): Promise<OptimizerState>;
}

/** The checkpoint under `outDir` (or the previous one, if a swap was interrupted); null if there is none. */
export async function findCheckpoint(outDir: string): Promise<Checkpoint | null> {
  const final = path.join(outDir, CHECKPOINT_DIR);
  const dir = (await exists(path.join(final, STATE_FILE))) ? final : (await exists(path.join(`${final}.old`, STATE_FILE))) ? `${final}.old` : null;
  if (!dir) return null;
  let state: TrainingState;
  try {
    state = JSON.parse(await fsp.readFile(path.join(dir, STATE_FILE), 'utf-8')) as TrainingState;
  } catch (e) {
    throw new InputError(`${path.join(dir, STATE_FILE)}: cannot read the training state (${(e as Error).message})`);
  }
  return {
    dir,
    state,
    optimizer: async () => {
      const file = await SafetensorsFile.read(path.join(dir, OPTIMIZER_FILE));
      const tensors: Record<string, tf.Tensor> = {};
      for (const name of file.names) tensors[name] = tf.tensor(file.float32(name), file.shapeOf(name), 'float32');
      return { iterations: Number(file.metadata?.iterations ?? 0), tensors };
    },
  };
}
