/**
 * Multi-head (cross- or self-) attention of PerceiverSelfAttention + PerceiverSelfOutput:
 * LayerNorm the queries (and the key/value inputs for cross-attention), project, split heads,
 * softmax(q k^T / sqrt(d_head)) v per head, merge heads, project out.
 *
 * Formulation chosen by measurement on wasm: only 2-D, non-transposed matMul runs on XNNPACK
 * (~25 GFLOP/s here); batched and transposed matmuls fall to a ~1 GFLOP/s loop. So batches and
 * heads are loops of 2-D matmuls, and K is transposed explicitly once per batch element.
 */
import { tf, tidy } from '../tf';
import { AttentionChannels } from './attention-channels';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';

export interface AttentionWeights {
  layernorm1: LayerNorm;
  /** Only cross-attention normalises its key/value inputs (self-attention: Identity). */
  layernorm2: LayerNorm | null;
  query: Linear;
  key: Linear;
  value: Linear;
  /** attention.output.dense */
  output: Linear;
}

export interface AttentionResult {
  /** Heads merged, before the output projection: [B, N, v] */
  context: tf.Tensor3D;
  /** After the output projection: [B, N, out] */
  output: tf.Tensor3D;
  /** Softmax probabilities [B, heads, N, M], when asked. */
  probs?: tf.Tensor4D;
}

export interface AttentionOptions {
  outputAttentions?: boolean;
  /**
   * Key/value tokens per step of the softmax. Fewer tokens than M are combined with an online
   * softmax (exact up to rounding), which bounds memory by N x chunk instead of N x M.
   */
  tokenChunkSize?: number;
}

export const DEFAULT_TOKEN_CHUNK = 8192;

export class MultiHeadAttention {
  constructor(
    readonly channels: AttentionChannels,
    readonly weights: AttentionWeights,
  ) {}

  /**
   * hidden: queries' input [B, N, qDim]; inputs: keys'/values' input [B, M, kvDim] for
   * cross-attention, omitted for self-attention (keys and values come from `hidden`).
   */
  apply(hidden: tf.Tensor3D, inputs: tf.Tensor3D | undefined, options: AttentionOptions = {}): AttentionResult {
    const B = hidden.shape[0];
    const contexts: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    const probs: tf.Tensor3D[] = [];
    for (let b = 0; b < B; b++) {
      const r = tidy(() => this.attendOne(hidden, inputs, b, options));
      contexts.push(r.context);
      outputs.push(r.output);
      if (r.probs) probs.push(r.probs);
    }
    return tidy(() => {
      const result: AttentionResult = {
        context: tf.stack(contexts) as tf.Tensor3D, // B x [N, v] -> [B, N, v]
        output: tf.stack(outputs) as tf.Tensor3D, // B x [N, out] -> [B, N, out]
      };
      if (probs.length) result.probs = tf.stack(probs) as tf.Tensor4D; // B x [H, N, M] -> [B, H, N, M]
      tf.dispose([...contexts, ...outputs, ...probs]);
      return result;
    });
  }

  private attendOne(hidden: tf.Tensor3D, inputs: tf.Tensor3D | undefined, b: number, options: AttentionOptions) {
    const { numHeads, qkChannels, vChannels } = this.channels;
    const w = this.weights;
    const x = batchElement(hidden, b); // [N, qDim]
    const qIn = w.layernorm1.apply(x);
    const kvIn = inputs && w.layernorm2 ? w.layernorm2.apply(batchElement(inputs, b)) : qIn; // [M, kvDim]
    const dQk = qkChannels / numHeads;
    const dV = vChannels / numHeads;
    // Scaling q (N x qk) instead of the scores (N x M) is the same math with fewer multiplies.
    const q = tf.mul(w.query.apply(qIn), 1 / Math.sqrt(dQk)) as tf.Tensor2D; // [N, qk]
    const kT = tf.transpose(w.key.apply(kvIn)) as tf.Tensor2D; // [M, qk] -> [qk, M]
    const v = w.value.apply(kvIn); // [M, v]
    const heads: tf.Tensor2D[] = [];
    const headProbs: tf.Tensor2D[] = [];
    for (let h = 0; h < numHeads; h++) {
      const qH = sliceColumns(q, h * dQk, dQk); // [N, dQk]
      const kTH = tf.slice(kT, [h * dQk, 0], [dQk, -1]) as tf.Tensor2D; // rows of head h: [dQk, M]
      const vH = sliceColumns(v, h * dV, dV); // [M, dV]
      const r = softmaxAttention(qH, kTH, vH, options);
      heads.push(r.context);
      if (r.probs) headProbs.push(r.probs);
    }
    const context = (numHeads === 1 ? heads[0] : tf.concat(heads, 1)) as tf.Tensor2D; // head-major: [N, v]
    return {
      context,
      output: w.output.apply(context),
      probs: headProbs.length ? (tf.stack(headProbs) as tf.Tensor3D) : undefined, // H x [N, M] -> [H, N, M]
    };
  }

  dispose(): void {
    const w = this.weights;
    for (const layer of [w.layernorm1, w.layernorm2, w.query, w.key, w.value, w.output]) layer?.dispose();
  }
}

/** x[b]: [B, R, C] -> [R, C] */
function batchElement(x: tf.Tensor3D, b: number): tf.Tensor2D {
  const [, R, C] = x.shape;
  return tf.reshape(tf.slice(x, [b, 0, 0], [1, R, C]), [R, C]);
}

function sliceColumns(x: tf.Tensor2D, start: number, width: number): tf.Tensor2D {
  return width === x.shape[1] ? x : tf.slice(x, [0, start], [-1, width]);
}

/**
 * softmax(q kT) v for one head. q: [N, d] (already scaled), kT: [d, M], v: [M, dV] -> [N, dV].
 * Over more than `tokenChunkSize` tokens, the softmax runs online: per chunk, rescale the running
 * sums by exp(oldMax - newMax) so no N x M tensor is ever held.
 */
export function softmaxAttention(
  q: tf.Tensor2D,
  kT: tf.Tensor2D,
  v: tf.Tensor2D,
  options: AttentionOptions = {},
): { context: tf.Tensor2D; probs?: tf.Tensor2D } {
  const M = kT.shape[1];
  const chunk = options.tokenChunkSize ?? DEFAULT_TOKEN_CHUNK;
  if (options.outputAttentions || M <= chunk) {
    return tidy(() => {
      const probs = tf.softmax(tf.matMul(q, kT)) as tf.Tensor2D; // [N, M]
      const context = tf.matMul(probs, v) as tf.Tensor2D; // [N, dV]
      return options.outputAttentions ? { context, probs } : { context };
    });
  }
  let runningMax: tf.Tensor2D | undefined; // [N, 1]
  let runningSum: tf.Tensor2D | undefined; // [N, 1]
  let acc: tf.Tensor2D | undefined; // [N, dV]
  for (let start = 0; start < M; start += chunk) {
    const size = Math.min(chunk, M - start);
    const next = tidy(() => {
      const scores = tf.matMul(q, tf.slice(kT, [0, start], [-1, size])); // [N, size]
      const chunkMax = tf.max(scores, 1, true); // [N, 1]
      const newMax = runningMax ? tf.maximum(runningMax, chunkMax) : chunkMax;
      const p = tf.exp(tf.sub(scores, newMax)); // [N, size]
      const pv = tf.matMul(p, tf.slice(v, [start, 0], [size, -1])); // [N, dV]
      const pSum = tf.sum(p, 1, true); // [N, 1]
      if (!runningMax || !runningSum || !acc) return { max: newMax as tf.Tensor2D, sum: pSum as tf.Tensor2D, acc: pv as tf.Tensor2D };
      const rescale = tf.exp(tf.sub(runningMax, newMax)); // [N, 1]
      return {
        max: newMax as tf.Tensor2D,
        sum: tf.add(tf.mul(runningSum, rescale), pSum) as tf.Tensor2D,
        acc: tf.add(tf.mul(acc, rescale), pv) as tf.Tensor2D,
      };
    });
    tf.dispose([runningMax, runningSum, acc].filter((t): t is tf.Tensor2D => t !== undefined));
    runningMax = next.max;
    runningSum = next.sum;
    acc = next.acc;
  }
  const context = tf.div(acc!, runningSum!) as tf.Tensor2D;
  tf.dispose([runningMax!, runningSum!, acc!]);
  return { context };
}
