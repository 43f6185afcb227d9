/**
 * Multi-head (cross- or self-) attention of PerceiverSelfAttention + PerceiverSelfOutput:
 * LayerNorm the queries (and the key/value inputs for cross-attention), project, split heads,
 * softmax(q k^T / sqrt(d_head)) v per head, merge heads, project out.
 *
 * Formulation chosen by measurement on wasm: only 2-D, non-transposed matMul runs on XNNPACK
 * (~25 GFLOP/s here); batched and transposed matmuls fall to a ~1 GFLOP/s loop. So batches and
 * heads are loops of 2-D matmuls, and K is transposed explicitly once per chunk on wasm; where the
 * kernel takes a transposed operand at full speed (blas, tensorflow) K is passed as is.
 */
import { tf, tidy } from '../tf';
import { AttentionChannels } from './attention-channels';
import { batchElement, stackBatch } from './batch';
import { LayerNorm } from './layer-norm';
import { columnBlock, MatMulOperand, matMulBlocks } from './column-blocks';
import { addChunk, disposeState, SoftmaxState } from './online-softmax';
import { Linear } from './linear';
import { transposedOperandIsFast } from './matmul-layout';

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
  /** Overrides the cost-based choice of folding the key/value projections (tests, benchmarks). */
  foldKeysValues?: boolean;
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
        context: stackBatch(contexts) as tf.Tensor3D, // B x [N, v] -> [B, N, v]
        output: stackBatch(outputs) as tf.Tensor3D, // B x [N, out] -> [B, N, out]
      };
      if (probs.length) result.probs = stackBatch(probs) as tf.Tensor4D; // B x [H, N, M] -> [B, H, N, M]
      tf.dispose([...contexts, ...outputs, ...probs]);
      return result;
    });
  }

  /**
   * Folding the key/value projections into the queries skips projecting every input token:
   *   scores_h = q_h (LN(x) Wk_h + bk_h)^T = (q_h Wk_h^T) LN(x)^T + const per row (cancels in softmax)
   *   context_h = softmax(scores_h) (LN(x) Wv_h + bv_h) = (softmax(scores_h) LN(x)) Wv_h + bv_h
   * It costs 2*H*N*C multiply-adds per input token instead of (C + N)(qk + v): far cheaper for the
   * image cross-attention (N=512 latents, C=261) and the 1-query decoder, dearer for self-attention.
   */
  foldsKeysValues(numQueries: number, options: AttentionOptions): boolean {
    if (options.foldKeysValues !== undefined) return options.foldKeysValues;
    const { numHeads, kvDim, qkChannels, vChannels } = this.channels;
    return 2 * numHeads * numQueries * kvDim < (kvDim + numQueries) * (qkChannels + vChannels);
  }

  private attendOne(hidden: tf.Tensor3D, inputs: tf.Tensor3D | undefined, b: number, options: AttentionOptions) {
    const { numHeads, qkChannels, vChannels } = this.channels;
    const w = this.weights;
    const dQk = qkChannels / numHeads;
    const dV = vChannels / numHeads;
    const qIn = w.layernorm1.apply(batchElement(hidden, b)); // [N, qDim]
    const N = qIn.shape[0];
    // Scaling q (N x qk) instead of the scores (N x M) is the same math with fewer multiplies.
    const q = tf.mul(w.query.apply(qIn), 1 / Math.sqrt(dQk)) as tf.Tensor2D; // [N, qk]
    const fold = this.foldsKeysValues(N, options);
    const fast = transposedOperandIsFast();
    // Per head, what multiplies the (transposed) keys: q_h, or q_h Wk_h^T when folded.
    const queries = Array.from({ length: numHeads }, (_, h): MatMulOperand => {
      const qH = columnBlock(q, h * dQk, dQk); // [N, dQk]
      if (!fold) return qH;
      return fast
        ? matMulBlocks(qH, columnBlock(w.key.weight, h * dQk, dQk), true) // Wk_h [kvDim, dQk], transposed by the kernel
        : matMulBlocks(qH, sliceRows(w.key.transposedWeight(), h * dQk, dQk)); // [N, kvDim]
    });
    const kvTokens = inputs ? batchElement(inputs, b) : qIn; // [M, kvDim]
    const M = kvTokens.shape[0];
    const chunk = options.outputAttentions ? M : Math.min(M, options.tokenChunkSize ?? DEFAULT_TOKEN_CHUNK);
    let states: (SoftmaxState | undefined)[] = queries.map(() => undefined);
    for (let start = 0; start < M; start += chunk) {
      const size = Math.min(chunk, M - start);
      const next = tidy(() => {
        const rows = size === M ? kvTokens : sliceRows(kvTokens, start, size);
        const kvIn = inputs && w.layernorm2 ? w.layernorm2.apply(rows) : rows; // [m, kvDim]
        // Folded: keys are LN(x) and values LN(x); else the projections, split per head.
        const keys = fold ? kvIn : w.key.apply(kvIn); // [m, kvDim|qk]
        const keysT = fast ? undefined : (tf.transpose(keys) as tf.Tensor2D); // [m, kvDim|qk] -> [kvDim|qk, m]
        const keysOfHead = (h: number) =>
          fold ? (keysT ?? keys) : keysT ? sliceRows(keysT, h * dQk, dQk) : columnBlock(keys, h * dQk, dQk); // [dQk, m] or [m, dQk]
        const values = fold ? kvIn : w.value.apply(kvIn); // [m, kvDim|v]
        return queries.map((qH, h) => {
          const scores = matMulBlocks(qH, keysOfHead(h), fast); // [N, m]
          return addChunk(states[h], scores, fold ? values : columnBlock(values, h * dV, dV), start + size < M);
        });
      });
      states.forEach(disposeState);
      states = next;
    }
    const perHead = states.map((s) => s!.context); // H x [N, kvDim] (folded) or [N, dV]
    // Folded heads still need their value projection: (p LN(x)) Wv_h + bv_h.
    const contexts = fold ? perHead.map((c, h) => sliceColumns(w.value.apply(c), h * dV, dV)) : perHead; // H x [N, dV]
    const context = (numHeads === 1 ? contexts[0] : tf.concat(contexts, 1)) as tf.Tensor2D; // head-major: [N, v]
    // With outputAttentions there is one chunk, so each head's last softmax covers all M tokens.
    const probs = options.outputAttentions ? (tf.stack(states.map((s) => s!.probs)) as tf.Tensor3D) : undefined; // H x [N, M] -> [H, N, M]
    return { context, output: w.output.apply(context), probs };
  }

  parameters(): tf.Tensor[] {
    return this.sublayers().flatMap((l) => l.parameters());
  }

  dispose(): void {
    for (const l of this.sublayers()) l.dispose();
  }

  private sublayers(): (LayerNorm | Linear)[] {
    const w = this.weights;
    return [w.layernorm1, ...(w.layernorm2 ? [w.layernorm2] : []), w.query, w.key, w.value, w.output];
  }
}

function sliceColumns(x: tf.Tensor2D, start: number, width: number): tf.Tensor2D {
  return width === x.shape[1] ? x : tf.slice(x, [0, start], [-1, width]);
}

function sliceRows(x: tf.Tensor2D, start: number, height: number): tf.Tensor2D {
  return height === x.shape[0] ? x : tf.slice(x, [start, 0], [height, -1]);
}
