/**
 * Attention rollout (Abnar & Zuidema 2020, with the residual), folded layer by layer as the forward
 * pass hands over its attentions (an AttentionCallback), for one batch of B images:
 *   Āc = mean over heads of the encoder cross-attention   [N, M]
 *   Rl = 0.5 Āl + 0.5 I   for self-attention application l  [N, N]
 *   R  = R_L ... R_2 R_1   (later layers on the left)
 *   ād = mean over heads of the decoder cross-attention   [1, N]
 *   latent weights w = ād R [1, N];  rollout map r = w Āc [1, M]
 * Only Āc and R (per image) are kept: about one [N, M] and one [N, N] buffer per image.
 * Products are loops of 2-D matmuls per image (batched matmul is a slow path on wasm).
 */
import { tf } from '../tf';
import type { AttentionCallback } from '../model/attention-callback';

export class RolloutAccumulator {
  /** Āc per image [N, M]. */
  private crossMean: tf.Tensor2D[] = [];
  /** R per image [N, N]; empty until the first self-attention. */
  private rollout: tf.Tensor2D[] = [];
  /** ād per image [1, N]. */
  private decoderMean: tf.Tensor2D[] = [];

  readonly onAttention: AttentionCallback = (probs, site) => {
    if (site.kind === 'self') this.foldSelfAttention(probs);
    else if (site.index === 0) this.replace(this.crossMean, headMeans(probs));
    else this.replace(this.decoderMean, headMeans(probs));
  };

  /** w = ād R per image: [B, N]. Call after the forward pass. */
  latentWeights(): tf.Tensor2D {
    if (this.decoderMean.length === 0) throw new Error('RolloutAccumulator: no decoder cross-attention was observed');
    return tf.tidy(() => {
      const rows = this.decoderMean.map((d, b) => (this.rollout[b] ? tf.matMul(d, this.rollout[b]) : d)); // B x [1, N]
      return tf.concat(rows, 0) as tf.Tensor2D; // [B, N]
    });
  }

  /** r = w Āc per image: weights [B, N] -> [B, M]. */
  rolloutMap(weights: tf.Tensor2D): tf.Tensor2D {
    const crossMean = this.checkedCrossMean(weights.shape[0]);
    return tf.tidy(() => tf.concat(crossMean.map((c, b) => tf.matMul(tf.slice(weights, [b, 0], [1, -1]), c)), 0) as tf.Tensor2D); // B x [1, M] -> [B, M]
  }

  /** Rows of Āc: indices [B, k] int32 -> [B, k, M]. */
  crossAttentionRows(indices: tf.Tensor2D): tf.Tensor3D {
    const crossMean = this.checkedCrossMean(indices.shape[0]);
    return tf.tidy(() => {
      const rows = crossMean.map((c, b) => tf.gather(c, tf.reshape(tf.slice(indices, [b, 0], [1, -1]), [-1]), 0)); // B x [k, M]
      return tf.stack(rows) as tf.Tensor3D; // [B, k, M]
    });
  }

  dispose(): void {
    tf.dispose([...this.crossMean, ...this.rollout, ...this.decoderMean]);
    this.crossMean = [];
    this.rollout = [];
    this.decoderMean = [];
  }

  /** R <- Rl R = 0.5 (Āl R + R); the first layer starts from R = I, i.e. R1 = 0.5 (Ā1 + I). */
  private foldSelfAttention(probs: tf.Tensor4D): void {
    const means = headMeans(probs); // B x [N, N]
    const next = tf.tidy(() =>
      means.map((a, b) => {
        const r = this.rollout[b];
        const sum = r ? tf.add(tf.matMul(a, r), r) : tf.add(a, tf.eye(a.shape[0]));
        return tf.keep(tf.mul(sum, 0.5) as tf.Tensor2D);
      }),
    );
    tf.dispose(means);
    this.replace(this.rollout, next);
  }

  private replace(slot: tf.Tensor2D[], values: tf.Tensor2D[]): void {
    tf.dispose(slot);
    slot.splice(0, slot.length, ...values);
  }

  private checkedCrossMean(batchSize: number): tf.Tensor2D[] {
    if (this.crossMean.length !== batchSize) {
      throw new Error(`RolloutAccumulator: ${this.crossMean.length} encoder cross-attention maps observed for a batch of ${batchSize}`);
    }
    return this.crossMean;
  }
}

/**
 * Mean over heads per image, kept out of any enclosing tidy: [B, H, Q, K] -> B x [Q, K]. One head is
 * only reshaped (no copy of the [N, M] cross-attention).
 */
function headMeans(probs: tf.Tensor4D): tf.Tensor2D[] {
  const [B, H, Q, K] = probs.shape;
  return tf.tidy(() =>
    Array.from({ length: B }, (_, b) => {
      const element = B === 1 ? probs : tf.slice(probs, [b, 0, 0, 0], [1, H, Q, K]);
      const perHead = tf.reshape(element, [H, Q * K]); // [1, H, Q, K] -> [H, Q*K]
      const mean = H === 1 ? perHead : tf.mean(perHead, 0);
      return tf.keep(tf.reshape(mean, [Q, K]) as tf.Tensor2D); // [Q*K] -> [Q, K]
    }),
  );
}
