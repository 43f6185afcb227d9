/** Turning class probabilities into ranked, labelled predictions. */
import { NonFiniteError } from './errors';
import { firstNonFinite } from './finite';

export interface Prediction {
  /** The class name from config.json's id2label (`LABEL_<index>` when it has none). */
  label: string;
  /** Softmax probability. */
  score: number;
  /** Class index into the logits. */
  index: number;
}

/**
 * The k most probable classes, best first; ties keep the lower index first. A NaN or Inf (from
 * overflowing or non-finite logits) is a NonFiniteError naming `source`: NaN sorts arbitrarily,
 * so a ranking of it would look like a result.
 */
export function topPredictions(probabilities: ArrayLike<number>, k: number, id2label: Record<number, string>, source = 'image'): Prediction[] {
  const bad = firstNonFinite(probabilities);
  if (bad >= 0) {
    throw new NonFiniteError(`${source}: the model's output is not finite (${probabilities[bad]} for class ${bad}); no ranking can be made (the weights or the input hold NaN/Inf, or the logits overflowed)`);
  }
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, k).map((index) => ({ label: id2label[index] ?? `LABEL_${index}`, score: probabilities[index], index }));
}
