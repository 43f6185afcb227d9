/** The loss of a forward pass and its gradients by tape autograd (tfjs-core's engine). */
import { tf } from '../tf';
import { NamedParameter, toHuggingFace } from '../weights/parameters';
import type { ForwardOptions } from '../model/perceiver-model';
import { registerTrainingGradients } from './gradients';
import { checkLabels, crossEntropy, LabelsInput } from './loss';

export interface LossAndGradients {
  loss: number;
  /** [B, numLabels] */
  logits: tf.Tensor2D;
  /** d loss / d parameter, by Hugging Face name, in Hugging Face's shape (Linear weights [out, in]). */
  grads: Record<string, tf.Tensor>;
}

/**
 * Each encoder layer is recomputed in the backward pass (gradient checkpointing), so the tape holds
 * one layer's intermediates at a time: without it the full model's 48 layer applications keep
 * several GB per image. Under a tape every intermediate of a layer is kept anyway, so the online
 * softmax's chunks would save no memory: one softmax over all tokens (exact, and its gradient is the
 * plain softmax gradient).
 */
export const TRAINING_FORWARD: ForwardOptions = { tokenChunkSize: Number.MAX_SAFE_INTEGER, recomputeLayers: true };

/** Batch-norm statistics are buffers, not parameters: Hugging Face neither differentiates nor trains them. */
export function isBuffer(name: string): boolean {
  return /\.(running_mean|running_var|num_batches_tracked)$/.test(name);
}

export interface TapeResult {
  loss: number;
  logits: tf.Tensor2D;
  /** One per tensor of `xs`, in its own layout. */
  grads: tf.Tensor[];
}

/**
 * Runs `forward` (logits [B, K]) under the tape and differentiates the cross-entropy with respect to
 * `xs`. `labels` must be checked first (`checkLabels`): a throw after the forward would strand the
 * tape's saved tensors. A tensor the loss does not depend on gets zeros: e.g. the key bias of a folded cross-attention,
 * whose true gradient is 0 (softmax ignores a shift shared by all keys).
 */
export function tapeGradients(forward: () => tf.Tensor2D, labels: readonly number[], xs: tf.Tensor[]): TapeResult {
  registerTrainingGradients();
  let logits: tf.Tensor2D | undefined;
  const { value, grads } = tf.engine().gradients(
    () => {
      logits = tf.keep(forward());
      return crossEntropy(logits, labels);
    },
    xs,
    undefined,
    true,
  );
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, logits: logits!, grads: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
}

/**
 * tapeGradients of `forward` (pixel_values [n, 3, H, W] -> logits [n, K]) over the batch in passes
 * of at most `imagesPerPass` images, their results summed weighted by size: the mean over B images
 * is the sum over passes of (n / B) x the pass's mean. Memory is one pass's.
 */
export function tapeGradientsByPasses(forward: (x: tf.Tensor4D) => tf.Tensor2D, pixelValues: tf.Tensor4D, labels: readonly number[], xs: tf.Tensor[], imagesPerPass: number): TapeResult {
  const B = labels.length;
  if (B <= imagesPerPass) return tapeGradients(() => forward(pixelValues), labels, xs);
  let loss = 0;
  let grads: tf.Tensor[] | undefined;
  const logits: tf.Tensor2D[] = [];
  for (let start = 0; start < B; start += imagesPerPass) {
    const n = Math.min(imagesPerPass, B - start);
    const part = tf.slice(pixelValues, [start, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D; // [B, 3, H, W] -> [n, 3, H, W]
    const r = tapeGradients(() => forward(part), labels.slice(start, start + n), xs);
    part.dispose();
    const weight = n / B;
    const summed = r.grads.map((g, i) => tf.tidy(() => (grads ? tf.add(grads[i], tf.mul(g, weight)) : tf.mul(g, weight))));
    tf.dispose([...r.grads, ...(grads ?? [])]);
    grads = summed;
    loss += weight * r.loss;
    logits.push(r.logits);
  }
  const all = tf.concat(logits, 0) as tf.Tensor2D; // passes x [n, K] -> [B, K]
  tf.dispose(logits);
  return { loss, logits: all, grads: grads! };
}

interface DifferentiableModel {
  readonly config: { numLabels: number };
  readonly parameters: ReadonlyMap<string, NamedParameter>;
  forward(pixelValues: tf.Tensor4D, options?: ForwardOptions): { logits: tf.Tensor2D };
}

/** `model.lossAndGradients`: every parameter's gradient, keyed and shaped as the Hugging Face state dict. */
export function lossAndGradients(model: DifferentiableModel, pixelValues: tf.Tensor4D, labels: LabelsInput): LossAndGradients {
  const checked = checkLabels(labels, pixelValues.shape[0], model.config.numLabels);
  const named = [...model.parameters].filter(([name]) => !isBuffer(name));
  const r = tapeGradients(() => model.forward(pixelValues, TRAINING_FORWARD).logits, checked, named.map(([, p]) => p.tensor));
  const grads: Record<string, tf.Tensor> = {};
  named.forEach(([name, p], i) => {
    grads[name] = toHuggingFace(p, r.grads[i]);
    if (grads[name] !== r.grads[i]) r.grads[i].dispose();
  });
  return { loss: r.loss, logits: r.logits, grads };
}
