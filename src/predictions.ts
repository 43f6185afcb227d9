/** Turning class probabilities into ranked, labelled predictions. */

export interface Prediction {
  /** The class name from config.json's id2label (`LABEL_<index>` when it has none). */
  label: string;
  /** Softmax probability. */
  score: number;
  /** Class index into the logits. */
  index: number;
}

/** The k most probable classes, best first; ties keep the lower index first. */
export function topPredictions(probabilities: ArrayLike<number>, k: number, id2label: Record<number, string>): Prediction[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, k).map((index) => ({ label: id2label[index] ?? `LABEL_${index}`, score: probabilities[index], index }));
}
