/**
 * `model.attentionRollout(pixelValues)`: one forward pass with the attention rollout folded in as
 * the layers run (see RolloutAccumulator for the formulas), reshaped to the grid of input tokens.
 */
import { tf, tidy } from '../tf';
import { InputError } from '../errors';
import type { AttentionCallback, AttentionObserver } from '../model/attention-callback';
import { RolloutAccumulator } from './rollout-accumulator';

/** Rows x columns of the input tokens for an input of height x width pixels. */
export interface TokenGrid {
  height: number;
  width: number;
}

/** What the rollout needs of a classifier: a forward pass that reports its attentions, and its token grid. */
export interface RolloutModel {
  readonly preprocessor: { tokenGrid(height: number, width: number): TokenGrid };
  forward(pixelValues: tf.Tensor4D, options: AttentionObserver): { logits: tf.Tensor2D };
}

export interface AttentionRolloutOptions {
  /** Also return the encoder cross-attention maps of the k latents with the largest weights (default 0: none). */
  latentMaps?: number;
  /** Also sees every attention as the forward pass makes it (e.g. for progress), after the rollout has folded it in. */
  onAttention?: AttentionCallback;
}

export interface AttentionRolloutOutput {
  /** [B, numLabels] */
  logits: tf.Tensor2D;
  /** r = ād · R · Āc on the token grid [B, H', W']; each map sums to 1. */
  rollout: tf.Tensor3D;
  /** ād · R [B, N]: how much of the prediction each latent carries; sums to 1. */
  latentWeights: tf.Tensor2D;
  /** With `latentMaps: k`: the min(k, N) heaviest latents, heaviest first [B, k] (int32). */
  latentIndices?: tf.Tensor2D;
  /** With `latentMaps: k`: their rows of Āc on the token grid [B, k, H', W']; each sums to 1. */
  latentMaps?: tf.Tensor4D;
}

/** The caller owns (and disposes) every returned tensor; on an error none is left behind. */
export function attentionRollout(model: RolloutModel, pixelValues: tf.Tensor4D, options: AttentionRolloutOptions = {}): AttentionRolloutOutput {
  const k = options.latentMaps ?? 0;
  if (!Number.isSafeInteger(k) || k < 0) throw new InputError(`latentMaps must be a non-negative integer, got ${k}`);
  const acc = new RolloutAccumulator();
  try {
    return tidy(() => {
      const observe = options.onAttention;
      const onAttention: AttentionCallback = !observe
        ? acc.onAttention
        : (probs, site) => {
            acc.onAttention(probs, site);
            observe(probs, site);
          };
      const { logits } = model.forward(pixelValues, { onAttention });
      const [, , height, width] = pixelValues.shape;
      const grid = model.preprocessor.tokenGrid(height, width);
      const latentWeights = acc.latentWeights();
      const out: AttentionRolloutOutput = { logits, latentWeights, rollout: onGrid(acc.rolloutMap(latentWeights), grid) as tf.Tensor3D };
      if (k > 0) {
        out.latentIndices = tf.topk(latentWeights, Math.min(k, latentWeights.shape[1])).indices as tf.Tensor2D; // [B, k]
        out.latentMaps = onGrid(acc.crossAttentionRows(out.latentIndices), grid) as tf.Tensor4D;
      }
      return out;
    });
  } finally {
    acc.dispose();
  }
}

/** [..., M] -> [..., H', W'], checking that the grid covers the M tokens exactly. */
function onGrid(maps: tf.Tensor, grid: TokenGrid): tf.Tensor {
  const M = maps.shape[maps.rank - 1];
  if (grid.height * grid.width !== M) throw new Error(`attentionRollout: the token grid ${grid.height}x${grid.width} does not hold the ${M} input tokens`);
  return tf.reshape(maps, [...maps.shape.slice(0, -1), grid.height, grid.width]); // [..., M] -> [..., H', W']
}
