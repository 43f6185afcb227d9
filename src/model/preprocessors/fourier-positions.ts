/**
 * PerceiverFourierPositionEncoding as a tensor: the fixed position features [M, 258] of a token
 * grid, computed once per grid size and kept until dispose().
 */
import { tf } from '../../tf';
import { fourierPositionFeatures, MaxResolution, NUM_POSITION_FEATURES } from '../../fourier/position-encoding';

/** A few sizes cover real use without unbounded growth. */
const MAX_CACHED_SIZES = 4;

export class FourierPositions {
  private readonly cache = new Map<string, tf.Tensor2D>();

  constructor(readonly maxResolution: MaxResolution) {}

  /** [M = rows * columns, 258], least recently used size evicted first. */
  features(rows: number, columns: number): tf.Tensor2D {
    const key = `${rows}x${columns}`;
    let pos = this.cache.get(key);
    if (pos) {
      this.cache.delete(key); // re-insert: most recently used last
    } else {
      pos = tf.keep(tf.tensor2d(fourierPositionFeatures(rows, columns, this.maxResolution), [rows * columns, NUM_POSITION_FEATURES]));
      if (this.cache.size >= MAX_CACHED_SIZES) {
        const [oldest, tensor] = this.cache.entries().next().value as [string, tf.Tensor2D];
        this.cache.delete(oldest);
        tensor.dispose();
      }
    }
    this.cache.set(key, pos);
    return pos;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}
