/** The loss of a forward pass and its gradients by tape autograd (tfjs-core's engine). */
import { tf } from '../tf';
import type { NamedParameter } from '../weights/parameters';
import { registerTrainingGradients } from './gradients';
import { checkLabels, crossEntropy, LabelsInput } from './loss';

export interface LossAndGradients {
  loss: number;
  /** [B, numLabels] */
  logits: tf.Tensor2D;
  /** d loss / d parameter, by Hugging Face name, in Hugging Face's shape (Linear weights [out, in]). */
  grads: Record<string, tf.Tensor>;
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
 * `model.lossAndGradients`: every parameter's gradient, keyed and shaped as the Hugging Face state
 * dict. `forward` maps the batch of `batchSize` to logits [B, numLabels].
 */
export function lossAndGradients(
  forward: () => tf.Tensor2D,
  labels: LabelsInput,
  shape: { batchSize: number; numLabels: number },
  parameters: ReadonlyMap<string, NamedParameter>,
): LossAndGradients {
  const checked = checkLabels(labels, shape.batchSize, shape.numLabels);
  const named = [...parameters];
  const r = tapeGradients(forward, checked, named.map(([, p]) => p.tensor));
  const grads: Record<string, tf.Tensor> = {};
  named.forEach(([name, p], i) => {
    grads[name] = p.layout === 'transposed' ? tf.transpose(r.grads[i]) : r.grads[i]; // [in, out] -> HF's [out, in]
    if (grads[name] !== r.grads[i]) r.grads[i].dispose();
  });
  return { loss: r.loss, logits: r.logits, grads };
}
