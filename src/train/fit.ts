/**
 * The epoch loop over labelled images: seeded shuffling (and flips) per epoch, batches, validation,
 * images that fail to load reported once and left out. Image loading is the caller's (`ImageSource`),
 * so this stays free of file I/O; every epoch depends only on the seed and its number, which is what
 * lets `--resume` continue a run as if it had never stopped.
 */
import { tf } from '../tf';
import type { RgbImage } from '../image/rgb-image';
import { epochRandom } from './random';
import { BatchResult, Trainer } from './trainer';

export interface FitExample {
  path: string;
  label: number;
}

export interface ImageSource {
  /** The image as the model sees it (cropped and resized), mirrored when `flip`. */
  load(path: string, flip: boolean): Promise<RgbImage>;
  /** [B, 3, H, W] of loaded images. */
  toPixelValues(images: readonly RgbImage[]): tf.Tensor4D;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Images trained on (bad ones left out). */
  images: number;
  seconds: number;
}

export interface FitProgress {
  epoch: number;
  phase: 'train' | 'val';
  done: number;
  total: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  /** Mirror each training image with probability 1/2 (drawn per epoch and image). */
  flip?: boolean;
  /** Epochs already finished (a resumed run): training starts with epoch `startEpoch + 1`. */
  startEpoch?: number;
  onProgress?(progress: FitProgress): void;
  onBadImage?(path: string, error: Error): void;
  /** Called after each epoch (checkpoints, logs); awaited before the next epoch starts. */
  onEpoch?(stats: EpochStats): Promise<void> | void;
}

interface Item {
  example: FitExample;
  flip: boolean;
}

const keyOf = (item: Item) => (item.flip ? `${item.example.path}#flipped` : item.example.path);

export class EpochRunner {
  /** Paths that failed to load: reported once, then left out. */
  readonly badImages = new Map<string, string>();

  constructor(
    private readonly trainer: Trainer,
    private readonly source: ImageSource,
    private readonly options: FitOptions,
  ) {}

  /** Runs the remaining epochs; returns the stats of each epoch run. */
  async fit(train: readonly FitExample[], val: readonly FitExample[]): Promise<EpochStats[]> {
    const all: EpochStats[] = [];
    for (let epoch = (this.options.startEpoch ?? 0) + 1; epoch <= this.options.epochs; epoch++) {
      const started = Date.now();
      const random = epochRandom(this.options.seed, epoch);
      const order = random.shuffled(train).map((example) => ({ example, flip: this.options.flip === true && random.next() < 0.5 }));
      const trained = await this.pass(epoch, 'train', order);
      const validated = val.length ? await this.pass(epoch, 'val', val.map((example) => ({ example, flip: false }))) : null;
      const stats: EpochStats = {
        epoch,
        trainLoss: trained.loss,
        trainAccuracy: trained.accuracy,
        valLoss: validated ? validated.loss : null,
        valAccuracy: validated ? validated.accuracy : null,
        images: trained.size,
        seconds: (Date.now() - started) / 1000,
      };
      all.push(stats);
      await this.options.onEpoch?.(stats);
    }
    return all;
  }

  private async pass(epoch: number, phase: 'train' | 'val', items: Item[]): Promise<{ loss: number; accuracy: number; size: number }> {
    const results: BatchResult[] = [];
    const { batchSize } = this.options;
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = await this.loadBatch(items.slice(start, start + batchSize));
      if (batch) {
        try {
          results.push(phase === 'train' ? this.trainer.trainStep(batch) : this.trainer.evaluate(batch));
        } finally {
          batch.pixelValues?.dispose();
        }
      }
      this.options.onProgress?.({ epoch, phase, done: Math.min(items.length, start + batchSize), total: items.length });
    }
    const size = results.reduce((n, r) => n + r.size, 0);
    if (size === 0) return { loss: NaN, accuracy: NaN, size: 0 };
    return { loss: results.reduce((a, r) => a + r.loss * r.size, 0) / size, accuracy: results.reduce((a, r) => a + r.correct, 0) / size, size };
  }

  /** Loads the images the trainer still needs; a failing image is reported and dropped from the batch. */
  private async loadBatch(items: Item[]) {
    let good = items.filter((it) => !this.badImages.has(it.example.path));
    const images = new Map<Item, RgbImage>();
    const needed = new Set(this.trainer.missingFeatures(good.map(keyOf)));
    for (const it of good) {
      if (!needed.has(keyOf(it))) continue;
      try {
        images.set(it, await this.source.load(it.example.path, it.flip));
      } catch (e) {
        this.badImages.set(it.example.path, (e as Error).message);
        this.options.onBadImage?.(it.example.path, e as Error);
      }
    }
    good = good.filter((it) => !this.badImages.has(it.example.path));
    if (good.length === 0) return null;
    const loaded = good.filter((it) => images.has(it)).map((it) => images.get(it)!);
    return {
      keys: good.map(keyOf),
      labels: good.map((it) => it.example.label),
      pixelValues: loaded.length ? this.source.toPixelValues(loaded) : undefined,
    };
  }
}
