/**
 * One image's explanation, as plain data: the predictions, the rollout map, the heaviest latents'
 * cross-attention maps, and the model-input image the maps line up with pixel for pixel.
 */
import { tf } from '../tf';
import type { PerceiverConfig } from '../config';
import type { RgbImage } from '../image/rgb-image';
import type { AttentionCallback } from '../model/attention-callback';
import { Prediction, topPredictions } from '../predictions';
import type { AttentionRolloutOptions, AttentionRolloutOutput } from './attention-rollout';

/** Values on the token grid, row-major (a probability distribution: they sum to 1). */
export interface AttentionMap {
  data: Float32Array;
  height: number;
  width: number;
}

export interface LatentMap {
  /** Latent index n. */
  index: number;
  /** Its rollout weight (ād · R)[n]. */
  weight: number;
  /** Row n of the head-averaged encoder cross-attention, on the token grid. */
  map: AttentionMap;
}

export interface Explanation {
  predictions: Prediction[];
  /** r = ād · R · Āc: where the prediction's information came from. */
  rollout: AttentionMap;
  /** The heaviest latents, heaviest first. */
  latents: LatentMap[];
  /** The centre-cropped, resized RGB image the model saw (224 x 224 for the real model). */
  image: RgbImage;
}

export interface ExplainOptions {
  /** Predictions per image, best first (default 5; at most the number of labels). */
  topK?: number;
  /** Latent maps per image (default 16; at most the number of latents; 0 for none). */
  latents?: number;
  /** Sees every attention of each forward pass as it is made (e.g. for a progress bar). */
  onAttention?: AttentionCallback;
}

/** What explaining needs of a model. */
export interface ExplainableModel {
  readonly config: PerceiverConfig;
  attentionRollout(pixelValues: tf.Tensor4D, options?: AttentionRolloutOptions): AttentionRolloutOutput;
}

/** The explanation of one image, from its pixel_values [1, 3, H, W] and the resized image they were made from. */
export function explainImage(model: ExplainableModel, pixelValues: tf.Tensor4D, image: RgbImage, options: { topK: number; latents: number; onAttention?: AttentionCallback }): Explanation {
  const out = model.attentionRollout(pixelValues, { latentMaps: options.latents, onAttention: options.onAttention });
  try {
    const [, height, width] = out.rollout.shape;
    const probabilities = tf.tidy(() => tf.softmax(out.logits).dataSync() as Float32Array);
    const weights = out.latentWeights.dataSync() as Float32Array;
    const indices = out.latentIndices ? (out.latentIndices.dataSync() as Int32Array) : new Int32Array(0);
    const maps = out.latentMaps ? (out.latentMaps.dataSync() as Float32Array) : new Float32Array(0);
    const M = height * width;
    return {
      predictions: topPredictions(probabilities, options.topK, model.config.id2label),
      rollout: { data: (out.rollout.dataSync() as Float32Array).slice(), height, width },
      latents: Array.from(indices, (index, i) => ({ index, weight: weights[index], map: { data: maps.slice(i * M, (i + 1) * M), height, width } })),
      image,
    };
  } finally {
    tf.dispose([out.logits, out.rollout, out.latentWeights, ...(out.latentIndices ? [out.latentIndices, out.latentMaps!] : [])]);
  }
}
