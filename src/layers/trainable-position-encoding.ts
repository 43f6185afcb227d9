/**
 * PerceiverTrainablePositionEncoding followed by the preprocessor's positions_projection: a learned
 * 1D table, one row per token in row-major order (t = row*W + col), projected by a Linear (W^T: the
 * matrix is square, so only the values catch a transposed read).
 */
import { tf } from '../tf';
import { Linear } from './linear';

export class TrainablePositionEncoding {
  private projected?: tf.Tensor2D;

  constructor(
    /** position_embeddings [M, C] */
    readonly table: tf.Tensor2D,
    readonly projection: Linear,
  ) {}

  get numPositions(): number {
    return this.table.shape[0];
  }

  /** table @ W^T + b: [M, C'] (HF's pos_enc). The same for every input, so computed once and kept. */
  positions(): tf.Tensor2D {
    this.projected ??= tf.keep(this.projection.apply(this.table));
    return this.projected;
  }

  dispose(): void {
    this.projected?.dispose();
    this.table.dispose();
    this.projection.dispose();
  }
}
