/**
 * Gradient checkpointing (recomputedInBackward, the training forward's recomputeLayers): the same
 * gradients as plain tape autograd, fewer tensors held by the tape, nothing leaked. That the
 * checkpointed model's gradients are Hugging Face's is test/train/loss-and-gradients.test.ts.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { Linear } from '../../src/layers/linear';
import { Mlp } from '../../src/layers/mlp';
import { recomputedInBackward } from '../../src/layers/recompute';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { registerTrainingGradients } from '../../src/train/gradients';
import { crossEntropy } from '../../src/train/loss';
import { TRAINING_FORWARD } from '../../src/train/loss-and-gradients';
import { fixturePath, maxAbs, maxAbsDiff } from '../fixtures';
import { readTrainFixture } from '../train/train-fixture';

/**
 * Both paths run the same kernels on the same values; only the order in which a shared weight's
 * gradients are summed differs (per layer application, then across them): measured 1.1e-7 on train-tiny.
 */
const REL_TOL = 1e-6;

beforeAll(async () => {
  await initBackend('wasm');
  registerTrainingGradients();
});

const relDiff = (a: tf.Tensor, b: tf.Tensor) => maxAbsDiff(a.dataSync(), b.dataSync()) / maxAbs(b.dataSync());

/** Six residual MLP blocks sharing one Mlp, as the encoder's blocks share their layers. */
function residualChain(mlp: Mlp, x: tf.Tensor2D, params: tf.Tensor[], scale: tf.Tensor, recompute: boolean, calls: { n: number }): { y: tf.Tensor; tapeTensors: number } {
  let h = x;
  for (let i = 0; i < 6; i++) {
    const block = (t: tf.Tensor, s: tf.Tensor) => {
      calls.n++;
      return tf.add(t, tf.mul(mlp.apply(t as tf.Tensor2D), s));
    };
    h = (recompute ? recomputedInBackward(block, [h], params, [scale]) : block(h, scale)) as tf.Tensor2D;
  }
  const y = tf.sum(tf.square(h));
  return { y, tapeTensors: tf.memory().numTensors };
}

test('recomputedInBackward: the gradients of plain autograd, each block run twice, fewer tensors kept, no leak', () => {
  const mlp = new Mlp(
    new Linear(tf.randomNormal([16, 32], 0, 0.3, 'float32', 1) as tf.Tensor2D, tf.randomNormal([32], 0, 0.1, 'float32', 2) as tf.Tensor1D),
    new Linear(tf.randomNormal([32, 16], 0, 0.3, 'float32', 3) as tf.Tensor2D, tf.randomNormal([16], 0, 0.1, 'float32', 4) as tf.Tensor1D),
  );
  const x = tf.randomNormal([8, 16], 0, 1, 'float32', 5) as tf.Tensor2D;
  const unused = tf.ones([3]); // a parameter the output does not depend on: a zero gradient, not null
  const scale = tf.scalar(0.7); // a constant of the blocks: with recomputation it gets no gradient
  const xs = [x, ...mlp.parameters(), unused, scale];
  const before = tf.memory().numTensors;

  const run = (recompute: boolean) => {
    const calls = { n: 0 };
    let tapeTensors = 0;
    const { value, grads } = tf.engine().gradients(
      () => {
        const r = residualChain(mlp, x, xs.slice(1, -1), scale, recompute, calls);
        tapeTensors = r.tapeTensors;
        return r.y;
      },
      xs,
      undefined,
      true,
    );
    return { value, grads, calls: calls.n, tapeTensors };
  };
  const plain = run(false);
  const checkpointed = run(true);

  expect(plain.calls).toBe(6);
  expect(checkpointed.calls).toBe(12);
  expect(checkpointed.tapeTensors).toBeLessThan(plain.tapeTensors);
  expect(Math.abs(checkpointed.value.dataSync()[0] - plain.value.dataSync()[0])).toBeLessThanOrEqual(REL_TOL * plain.value.dataSync()[0]);
  const [unusedAt, scaleAt] = [xs.length - 2, xs.length - 1];
  expect(plain.grads[unusedAt]).toBeUndefined(); // tfjs: no path to the output
  expect(Array.from(checkpointed.grads[unusedAt]!.dataSync())).toEqual([0, 0, 0]);
  expect(Math.abs(plain.grads[scaleAt]!.dataSync()[0])).toBeGreaterThan(0);
  expect(checkpointed.grads[scaleAt]!.dataSync()[0]).toBe(0); // a constant
  for (let i = 0; i < unusedAt; i++) {
    expect(checkpointed.grads[i]!.shape).toEqual(xs[i].shape);
    expect(relDiff(checkpointed.grads[i]!, plain.grads[i]!)).toBeLessThanOrEqual(REL_TOL);
  }
  tf.dispose([plain.value, checkpointed.value, ...(plain.grads.filter(Boolean) as tf.Tensor[]), ...(checkpointed.grads as tf.Tensor[])]);
  expect(tf.memory().numTensors).toBe(before);

  // Without a tape it is the plain call.
  const calls = { n: 0 };
  const y = tf.tidy(() => residualChain(mlp, x, xs.slice(1, -1), scale, true, calls).y);
  expect(calls.n).toBe(6);
  y.dispose();
  tf.dispose([x, unused, scale]);
  mlp.dispose();
});

// train-tiny: Fourier (no preprocessor parameters); learned-tiny: trainable position embeddings and
// a 1x1 conv before the encoder, so gradients flow back through the recomputed preprocessor.
test.each(['train-tiny', 'learned-tiny'])('%s with recomputeLayers: the gradients of the plain tape, a smaller tape, nothing leaked', async (folder) => {
  const model = await AutoModelForImageClassification.fromPretrained(fixturePath(folder));
  const size = model.config.imageSize;
  const pixelValues = tf.randomUniform([2, 3, size, size], -1, 1, 'float32', 7) as tf.Tensor4D;
  const labels = [1, 0];
  const params = [...model.parameters.values()].map((p) => p.tensor);
  tf.dispose(model.forward(pixelValues).logits); // makes the preprocessor's cached position features
  const before = tf.memory().numTensors;

  const run = (recomputeLayers: boolean) => {
    let tapeBytes = 0;
    const { value, grads } = tf.engine().gradients(
      () => {
        const loss = crossEntropy(model.forward(pixelValues, { ...TRAINING_FORWARD, recomputeLayers }).logits, labels);
        tapeBytes = tf.memory().numBytes;
        return loss;
      },
      params,
      undefined,
      true,
    );
    return { value, grads, tapeBytes };
  };
  const plain = run(false);
  const checkpointed = run(true);

  expect(checkpointed.tapeBytes).toBeLessThan(plain.tapeBytes);
  expect(Math.abs(checkpointed.value.dataSync()[0] - plain.value.dataSync()[0])).toBeLessThanOrEqual(1e-6);
  let worst = 0;
  const names = [...model.parameters.keys()];
  params.forEach((_, i) => {
    const a = checkpointed.grads[i];
    const b = plain.grads[i];
    if (!b) return expect([names[i], a == null || maxAbs(a.dataSync()) === 0]).toEqual([names[i], true]); // no path to the loss (folded key biases)
    expect([names[i], maxAbs(b.dataSync()) > 0]).toEqual([names[i], true]);
    worst = Math.max(worst, relDiff(a!, b));
  });
  expect(worst).toBeLessThanOrEqual(REL_TOL);
  tf.dispose([plain.value, checkpointed.value, ...([...plain.grads, ...checkpointed.grads].filter(Boolean) as tf.Tensor[])]);
  expect(tf.memory().numTensors).toBe(before);
  pixelValues.dispose();
  model.dispose();
});

test('recomputeLayers refuses attention and hidden-state outputs, which it does not keep', async () => {
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const fx = await readTrainFixture();
  tf.dispose(model.forward(fx.pixelValues).logits); // makes the preprocessor's cached position features
  const before = tf.memory().numTensors;
  for (const asked of [{ outputAttentions: true }, { outputHiddenStates: true }, { onAttention: () => undefined }]) {
    expect(() => model.forward(fx.pixelValues, { recomputeLayers: true, ...asked })).toThrow('recomputeLayers (a training option) returns neither attentions nor hidden states');
  }
  expect(tf.memory().numTensors).toBe(before);
  fx.pixelValues.dispose();
  model.dispose();
});
