import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { perceiverSpec, PerceiverLayerSpec } from '../../src/weights/state-dict';
import { PerceiverLayer } from '../../src/layers/perceiver-layer';
import { Linear } from '../../src/layers/linear';
import { LayerNorm } from '../../src/layers/layer-norm';
import { registerTrainingGradients } from '../../src/train/gradients';
import { fixturePath, readFixture } from '../fixtures';

type P = { name: string; t: tf.Tensor; transposed: boolean };
function layerParams(spec: PerceiverLayerSpec, l: PerceiverLayer, out: P[]) {
  const lin = (s: { weight: { name: string }; bias: { name: string } }, x: Linear) => { out.push({ name: s.weight.name, t: x.weight, transposed: true }, { name: s.bias.name, t: x.bias, transposed: false }); };
  const ln = (s: { weight: { name: string }; bias: { name: string } }, x: LayerNorm) => { out.push({ name: s.weight.name, t: x.weight, transposed: false }, { name: s.bias.name, t: x.bias, transposed: false }); };
  const a = spec.attention, w = l.attention.weights;
  ln(a.layernorm1, w.layernorm1); if (a.layernorm2) ln(a.layernorm2, w.layernorm2!);
  lin(a.query, w.query); lin(a.key, w.key); lin(a.value, w.value); lin(a.output, w.output);
  ln(spec.layernorm, l.layernorm); lin(spec.dense1, l.mlp.dense1); lin(spec.dense2, l.mlp.dense2);
}

test('scratch', async () => {
  await initBackend(process.env.B as any); registerTrainingGradients();
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const spec = perceiverSpec(model.config);
  const ps: P[] = [{ name: spec.latents.name, t: model.latents, transposed: false }];
  layerParams(spec.crossAttention, model.encoder.crossAttention, ps);
  spec.selfAttends.forEach((s, i) => layerParams(s, model.encoder.selfAttends[i], ps));
  ps.push({ name: spec.decoderQuery.name, t: model.decoder.query, transposed: false });
  layerParams(spec.decoderCrossAttention, model.decoder.crossAttention, ps);
  ps.push({ name: spec.finalLayer.weight.name, t: model.decoder.finalLayer.weight, transposed: true }, { name: spec.finalLayer.bias.name, t: model.decoder.finalLayer.bias, transposed: false });
  const inputs = await readFixture('train-tiny', 'inputs.safetensors');
  const g = await readFixture('train-tiny', 'grads.safetensors');
  const f64 = (n: string) => { const b = g.rawBytes(n); return new Float64Array(new Uint8Array(b).buffer); };
  const x = tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as any);
  const labels = Array.from(new BigInt64Array(new Uint8Array(g.rawBytes("labels")).buffer)).map(Number);
  console.log('labels', labels, 'loss', f64('loss'));
  const before = tf.memory().numTensors;
  const fn = () => {
    const logits = model.forward(x).logits;
    const K = logits.shape[1];
    const lse = tf.logSumExp(logits, 1);
    const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(labels, 'int32'), K)), 1);
    return tf.mean(tf.sub(lse, picked)) as tf.Scalar;
  };
  const prof = await tf.profile(() => { const l = fn(); l.dispose(); });
  console.log([...new Set(prof.kernels.map((k) => k.name))].sort().join(' '));
  const { value, grads: gmap } = (tf.engine() as any).gradients(fn, ps.map((p) => p.t), null, true); const grads = gmap as tf.Tensor[];
  console.log('loss ours', value.dataSync()[0]);
  const lines: string[] = [];
  ps.forEach((p, i) => {
    const gr = grads[i]; if (!gr) { lines.push(p.name + ' NO GRADIENT'); return; }
    const ours = (p.transposed ? tf.transpose(gr) : gr).dataSync();
    const want = f64('grad.' + p.name);
    let md = 0, mx = 0; for (let j = 0; j < want.length; j++) { md = Math.max(md, Math.abs(ours[j] - want[j])); mx = Math.max(mx, Math.abs(want[j])); }
    lines.push(`${p.name.padEnd(90)} diff ${md.toExponential(2)} max ${mx.toExponential(2)} rel ${(md / mx).toExponential(2)}`);
  });
  console.log(lines.join('\n'));
  tf.dispose([value, ...grads.filter(Boolean)]);
  console.log('tensors', before, tf.memory().numTensors);
});
