/** Per-stage seconds of one forward pass, each stage synchronised before the next starts. */
import { tf } from '../src/tf';
import type { PerceiverModel } from '../src/model/perceiver-model';

function timed<T extends tf.Tensor>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  r.dataSync();
  return [r, (performance.now() - t) / 1000];
}

export function stageTimes(model: PerceiverModel, x: tf.Tensor4D): Record<string, number> {
  const times: Record<string, number> = {};
  const [tokens, tInput] = timed(() => model.preprocessor.apply(x));
  times['input features'] = tInput;
  const latents = model.batchLatents(x.shape[0]);
  const [crossOut, tCross] = timed(() => {
    const r = model.encoder.crossAttention.apply(latents, tokens);
    tf.dispose([r.context, r.attentionOutput]);
    return r.output;
  });
  times['encoder cross-attention'] = tCross;
  tf.dispose([tokens, latents]);
  let h = crossOut;
  for (let b = 0; b < model.config.numBlocks; b++) {
    const [out, t] = timed(() => model.encoder.applyBlock(h)); // disposes h
    times[`latent block ${b}`] = t;
    h = out;
  }
  const [logits, tDec] = timed(() => model.decoder.apply(h).logits);
  times['decoder'] = tDec;
  tf.dispose([h, logits]);
  return times;
}
