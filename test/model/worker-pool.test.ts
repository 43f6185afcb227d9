/** PerceiverWorkerPool: the batch split across worker threads gives the reference logits. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverWorkerPool, threadsPerWorker } from '../../src/parallel/worker-pool';
import { InputError } from '../../src/errors';
import { fixturePath, readFixture } from '../fixtures';
import { expectMatches, LOGITS_ABS_TOL } from '../parity';

test('each worker gets its share of the BLAS threads, at least one', () => {
  expect(threadsPerWorker(8, 2)).toBe(4);
  expect(threadsPerWorker(2, 2)).toBe(1);
  expect(threadsPerWorker(3, 2)).toBe(1);
  expect(threadsPerWorker(1, 4)).toBe(1);
});

test('two workers on the blas backend, batch 2 split 1 + 1: logits equal the tiny fixture', async () => {
  await initBackend();
  const pool = await PerceiverWorkerPool.fromPretrained(fixturePath('tiny'), { workers: 2, threads: 2 });
  try {
    expect(pool.size).toBe(2);
    expect(pool.backend).toBe('blas');
    expect(pool.threadsPerWorker).toBe(1);
    const inputs = await readFixture('tiny', 'inputs.safetensors');
    const expected = await readFixture('tiny', 'expected.safetensors');
    for (const [input, prefix] of [['pixel_values', ''], ['pixel_values_nonsquare', 'nonsquare.']]) {
      const x = tf.tensor4d(inputs.float32(input), inputs.info(input).shape as [number, number, number, number]);
      const logits = await pool.forward(x);
      expectMatches(`worker pool ${prefix}logits`, logits, expected, `${prefix}logits`, { abs: LOGITS_ABS_TOL });
      tf.dispose([x, logits]);
    }
    const bad = tf.zeros([2, 4, 8, 8]) as tf.Tensor4D;
    await expect(pool.forward(bad)).rejects.toThrow(InputError);
    bad.dispose();
  } finally {
    await pool.dispose();
  }
});

test('a bad model directory rejects and leaves no worker running', async () => {
  await expect(PerceiverWorkerPool.fromPretrained(fixturePath('preprocess'), { workers: 2 })).rejects.toThrow(/config\.json/);
});
