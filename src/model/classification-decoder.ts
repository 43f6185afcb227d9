/**
 * PerceiverClassificationDecoder: one trainable query [1, D] cross-attends to the final latents,
 * then `final_layer` maps it to the class logits.
 */
import { tf } from '../tf';
import { AttentionOptions } from '../layers/attention';
import { repeatBatch } from '../layers/batch';
import { Linear } from '../layers/linear';
import { PerceiverLayer } from '../layers/perceiver-layer';
import { applyObserved, AttentionObserver } from './attention-callback';

export interface DecoderOutput {
  logits: tf.Tensor2D;
  /** Decoder cross-attention probabilities [B, 1, 1, N]. */
  crossAttention?: tf.Tensor4D;
}

export class PerceiverClassificationDecoder {
  constructor(
    /** output_position_encodings.position_embeddings: [1, D] */
    readonly query: tf.Tensor2D,
    readonly crossAttention: PerceiverLayer,
    readonly finalLayer: Linear,
  ) {}

  /** The query repeated for each batch element: [1, D] -> [B, 1, D]. */
  queries(batchSize: number): tf.Tensor3D {
    return repeatBatch(this.query, batchSize);
  }

  /** latents: [B, N, D] -> logits [B, numLabels]. */
  apply(latents: tf.Tensor3D, options: AttentionOptions & AttentionObserver = {}): DecoderOutput {
    const B = latents.shape[0];
    const query = this.queries(B);
    const r = applyObserved(this.crossAttention, query, latents, options, { kind: 'cross', index: 1 });
    const logits = tf.tidy(() => {
      const D = r.output.shape[2];
      return this.finalLayer.apply(tf.reshape(r.output, [B, D])); // [B, 1, D] -> [B, D] -> [B, numLabels]
    });
    tf.dispose([query, r.context, r.attentionOutput, r.output]);
    return { logits, crossAttention: r.probs };
  }

  dispose(): void {
    this.query.dispose();
    this.crossAttention.dispose();
    this.finalLayer.dispose();
  }
}
