/**
 * Trainer and optimizer: AdamW against PyTorch's update rule computed here in float64; head-mode
 * training on generated patterns learns (validation accuracy far above chance), deterministically,
 * encodes each image once, and leaks no tensors between epochs.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { AutoModelForImageClassification } from '../../src/model/auto-model';
import { AdamW, isDecayed } from '../../src/train/optimizer';
import { SeededRandom } from '../../src/train/random';
import { BatchResult, Trainer, TrainerOptions } from '../../src/train/trainer';
import { fixturePath, maxAbsDiff } from '../fixtures';
import { PATTERNS, patternPixels } from './synthetic-patterns';

beforeAll(async () => {
  await initBackend('wasm');
});

/** PyTorch AdamW (torch.optim.AdamW, amsgrad off) in float64. */
function torchAdamW(p0: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mHat = m[i] / (1 - b1 ** (t + 1));
      const vHat = v[i] / (1 - b2 ** (t + 1));
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return p;
}

describe('AdamW', () => {
  const p0 = [0.5, -1.25, 2, 0.01];
  const grads = [
    [0.1, -0.2, 0.3, 1e-3],
    [-0.05, -0.1, 0.6, 2e-3],
    [0.2, 0.05, -0.4, -1e-3],
  ];

  function run(wd: number, steps = grads.length) {
    // (tidy frees the initial values' handles; variables survive it)
    const w = tf.tidy(() => tf.variable(tf.tensor1d(p0), true, `adamw-test-w-${wd}-${steps}`));
    const b = tf.tidy(() => tf.variable(tf.tensor1d(p0), true, `adamw-test-b-${wd}-${steps}`));
    const opt = new AdamW({ learningRate: 0.01, weightDecay: wd }, [
      { name: 'layer.dense.weight', variable: w },
      { name: 'layer.dense.bias', variable: b },
    ]);
    for (const g of grads.slice(0, steps)) tf.tidy(() => opt.step([tf.tensor1d(g), tf.tensor1d(g)]));
    return { w, b, opt };
  }

  test('decoupled weight decay on weights, none on biases, as PyTorch + the HF Trainer', () => {
    const before = tf.memory().numTensors;
    const { w, b, opt } = run(0.1);
    // float32 parameters and moments against float64: a few ulps of values ~2.
    expect(maxAbsDiff(w.dataSync(), torchAdamW(p0, grads, 0.01, 0.1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(b.dataSync(), torchAdamW(p0, grads, 0.01, 0))).toBeLessThan(1e-6);
    // Decay changes the result by ~1e-3 here, far above the tolerance: the test can fail.
    expect(maxAbsDiff(torchAdamW(p0, grads, 0.01, 0.1), torchAdamW(p0, grads, 0.01, 0))).toBeGreaterThan(1e-4);
    opt.dispose();
    tf.dispose([w, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  // tfjs's setWeights recomputes Adam's running beta^t with pow() instead of restoring the running
  // product, so the bias correction may differ in its last float32 bit: equal to ~1e-7, not bitwise.
  test('state round trip: a restored optimizer continues where it stopped', async () => {
    const full = run(0.1);
    const part = run(0.1, 2);
    const state = await part.opt.state();
    expect(state.iterations).toBe(2);
    expect(Object.keys(state.tensors).sort()).toEqual(['layer.dense.bias/m', 'layer.dense.bias/v', 'layer.dense.weight/m', 'layer.dense.weight/v']);
    const w = tf.variable(part.w.clone(), true, 'adamw-test-resumed-w');
    const b = tf.variable(part.b.clone(), true, 'adamw-test-resumed-b');
    const resumed = new AdamW({ learningRate: 0.01, weightDecay: 0.1 }, [
      { name: 'layer.dense.weight', variable: w },
      { name: 'layer.dense.bias', variable: b },
    ]);
    await resumed.setState(state);
    tf.tidy(() => resumed.step([tf.tensor1d(grads[2]), tf.tensor1d(grads[2])]));
    expect(maxAbsDiff(w.dataSync(), full.w.dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(b.dataSync(), full.b.dataSync())).toBeLessThan(1e-6);
    // Without the moments, the third step would differ by ~1e-2: the state is what makes the match.
    expect(maxAbsDiff(torchAdamW(torchAdamW(p0, grads.slice(0, 2), 0.01, 0), [grads[2]], 0.01, 0), torchAdamW(p0, grads, 0.01, 0))).toBeGreaterThan(1e-3);
    for (const o of [full, part]) {
      o.opt.dispose();
      tf.dispose([o.w, o.b]);
    }
    resumed.dispose();
    tf.dispose([w, b]);
  });

  test('HF decays neither biases nor LayerNorm weights', () => {
    expect(isDecayed('perceiver.decoder.decoder.final_layer.weight')).toBe(true);
    expect(isDecayed('perceiver.embeddings.latents')).toBe(true);
    expect(isDecayed('perceiver.decoder.decoder.final_layer.bias')).toBe(false);
    expect(isDecayed('perceiver.encoder.cross_attention.attention.self.layernorm1.weight')).toBe(false);
    expect(isDecayed('perceiver.encoder.self_attends.0.layernorm.weight')).toBe(false);
  });
});

const SIZE = 16;
const EPOCHS = 20;

/** n images per pattern, shuffled: pixel values [3, SIZE, SIZE] with their label and key. */
function patternSet(n: number, seed: number) {
  const random = new SeededRandom(seed);
  const items = PATTERNS.flatMap((_, kind) => Array.from({ length: n }, (__, i) => ({ key: `${seed}-${kind}-${i}`, label: kind, pixels: patternPixels(kind, SIZE, random) })));
  return random.shuffled(items);
}

type Item = ReturnType<typeof patternSet>[number];

function batchOf(items: Item[], withPixels: boolean) {
  const pixels = new Float32Array(items.length * 3 * SIZE * SIZE);
  items.forEach((it, i) => pixels.set(it.pixels, i * 3 * SIZE * SIZE));
  return {
    keys: items.map((it) => it.key),
    labels: items.map((it) => it.label),
    pixelValues: withPixels ? tf.tensor4d(pixels, [items.length, 3, SIZE, SIZE]) : undefined,
  };
}

function total(results: BatchResult[]) {
  const n = results.reduce((a, r) => a + r.size, 0);
  return { loss: results.reduce((a, r) => a + r.loss * r.size, 0) / n, accuracy: results.reduce((a, r) => a + r.correct, 0) / n };
}

/** Trains `epochs` epochs with batches of 6 (shuffled by `seed`); returns per-epoch train and final validation stats. */
async function train(options: TrainerOptions, epochs: number, seed: number) {
  const base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const model = base.withNewHead({ id2label: [...PATTERNS], seed });
  base.dispose();
  const trainer = new Trainer(model, options);
  const encode = jest.spyOn(model, 'extractFeatures');
  const trainSet = patternSet(12, 1);
  const valSet = patternSet(6, 2);
  const epochStats = [];
  const tensorsPerEpoch: number[] = [];
  const random = new SeededRandom(seed);
  for (let e = 0; e < epochs; e++) {
    const order = random.shuffled(trainSet);
    const results = [];
    for (let i = 0; i < order.length; i += 6) {
      const items = order.slice(i, i + 6);
      const batch = batchOf(items, trainer.missingFeatures(items.map((it) => it.key)).length > 0);
      results.push(trainer.trainStep(batch));
      batch.pixelValues?.dispose();
    }
    epochStats.push(total(results));
    tensorsPerEpoch.push(tf.memory().numTensors);
  }
  const val = batchOf(valSet, true);
  const validation = trainer.evaluate(val);
  val.pixelValues!.dispose();
  const encodeCalls = encode.mock.calls.length;
  trainer.dispose();
  model.dispose();
  return { epochStats, validation, encodeCalls, tensorsPerEpoch };
}

test('head mode learns the patterns: loss falls, validation accuracy far above chance, deterministic', async () => {
  const before = tf.memory().numTensors;
  const run = await train({ train: 'head', learningRate: 3e-3 }, EPOCHS, 5);
  // 36 training images in 6 batches: each encoded once (6 calls in epoch 1), then only cached latents.
  // (The validation batch goes through the cache too: 1 more call.)
  expect(run.encodeCalls).toBe(6 + 1);
  const first = run.epochStats[0];
  const last = run.epochStats[run.epochStats.length - 1];
  expect(last.loss).toBeLessThan(first.loss * 0.6);
  // 18 held-out images, 3 classes (chance 1/3); this seed reaches 14/18.
  expect(run.validation.correct / run.validation.size).toBeGreaterThanOrEqual(0.7);
  // No tensor growth between epochs.
  expect(new Set(run.tensorsPerEpoch.slice(1)).size).toBe(1);
  expect(tf.memory().numTensors).toBe(before);
  const again = await train({ train: 'head', learningRate: 3e-3 }, EPOCHS, 5);
  expect(again.epochStats).toEqual(run.epochStats);
  expect(again.validation).toEqual(run.validation);
  process.stdout.write(`head mode: epoch 1 loss ${first.loss.toFixed(4)} -> epoch ${EPOCHS} ${last.loss.toFixed(4)}; validation ${run.validation.correct}/${run.validation.size}\n`);
});

test("'all' mode trains every parameter; a step lowers the loss of its batch", async () => {
  const base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const model = base.withNewHead({ id2label: [...PATTERNS], seed: 3 });
  const trainer = new Trainer(model, { train: 'all', learningRate: 1e-3, weightDecay: 0.01 });
  expect(trainer.trained.length).toBe(model.parameters.size);
  const batch = batchOf(patternSet(2, 9), true);
  const latents = model.parameters.get('perceiver.embeddings.latents')!.tensor;
  const latentsBefore = latents.dataSync().slice();
  const losses = [0, 1, 2].map(() => trainer.trainStep(batch).loss);
  expect(losses[2]).toBeLessThan(losses[0]);
  expect(maxAbsDiff(latents.dataSync(), latentsBefore)).toBeGreaterThan(0);
  // The base model is untouched.
  expect(maxAbsDiff(base.parameters.get('perceiver.embeddings.latents')!.tensor.dataSync(), latentsBefore)).toBe(0);
  batch.pixelValues!.dispose();
  trainer.dispose();
  model.dispose();
  base.dispose();
});

// That the passes' summed gradients are the batch's is checked against HF in loss-and-gradients.test.ts;
// here: the trainer makes the passes, and reports the batch's loss. (Parameters after one Adam step
// are not compared: its first step is lr * g / (|g| + eps), which turns the float32 noise of
// zero-gradient entries, such as the folded key biases, into updates of any size up to lr.)
test("'all' mode: a batch is split into passes of imagesPerPass images, with the whole batch's loss", async () => {
  const base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  const batch = batchOf(patternSet(1, 11), true); // 3 images
  const stepWith = (imagesPerPass: number) => {
    const model = base.withNewHead({ id2label: [...PATTERNS], seed: 3 });
    const forward = jest.spyOn(model, 'forward');
    const trainer = new Trainer(model, { train: 'all', learningRate: 1e-3, imagesPerPass });
    const result = trainer.trainStep(batch);
    const passes = forward.mock.calls.map(([x]) => x.shape[0]);
    trainer.dispose();
    model.dispose();
    return { result, passes };
  };
  const before = tf.memory().numTensors;
  const whole = stepWith(3);
  expect(whole.passes).toEqual([3]);
  for (const [imagesPerPass, passes] of [[1, [1, 1, 1]], [2, [2, 1]]] as const) {
    const split = stepWith(imagesPerPass);
    expect(split.passes).toEqual(passes);
    expect(split.result.correct).toBe(whole.result.correct);
    expect(Math.abs(split.result.loss - whole.result.loss)).toBeLessThanOrEqual(1e-6);
  }
  expect(tf.memory().numTensors).toBe(before);
  const model = base.withNewHead({ numLabels: 2 });
  expect(() => new Trainer(model, { train: 'all', imagesPerPass: 0 })).toThrow('imagesPerPass must be an integer >= 1, got 0');
  model.dispose();
  batch.pixelValues!.dispose();
  base.dispose();
});

test('the trainer refuses a model without trainable parameters, and bad settings', async () => {
  const base = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('train-tiny'));
  expect(() => new Trainer(base)).toThrow('is not trainable; train a copy made by model.withNewHead');
  const model = base.withNewHead({ numLabels: 2 });
  expect(() => new Trainer(model, { learningRate: -1 })).toThrow('learningRate must be > 0');
  expect(() => new Trainer(model, { train: 'encoder' as never })).toThrow("train must be 'head' or 'all'");
  model.dispose();
  base.dispose();
});

test("train: 'all' is refused up front for the conv-stem model (no Conv2D gradient), head mode is not", async () => {
  const base = await AutoModelForImageClassification.fromPretrained(fixturePath('conv-tiny'));
  const model = base.withNewHead({ numLabels: 2 });
  const before = tf.memory().numTensors;
  expect(() => new Trainer(model, { train: 'all' })).toThrow(
    "Trainer: train: 'all' is not available for PerceiverForImageClassificationConvProcessing: its conv stem uses Conv2D, MaxPool and Relu, which have no gradient here yet; use train: 'head'",
  );
  expect(tf.memory().numTensors).toBe(before);
  new Trainer(model, { train: 'head' }).dispose();
  model.dispose();
  base.dispose();
});
