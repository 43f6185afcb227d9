/** The model on the blas backend: no tensor leak and no wasm-heap growth over 20 forward passes. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend';
import { PerceiverForImageClassificationFourier } from '../../src/model/perceiver-for-image-classification-fourier';
import { fixturePath, readFixture } from '../fixtures';

test('20 forwards of tiny-b on blas: tf.memory().numTensors and the wasm heap size unchanged', async () => {
  expect((await initBackend('blas')).name).toBe('blas');
  const model = await PerceiverForImageClassificationFourier.fromPretrained(fixturePath('tiny-b'));
  const inputs = await readFixture('tiny-b', 'inputs.safetensors');
  const x = tf.tensor4d(inputs.float32('pixel_values'), inputs.info('pixel_values').shape as [number, number, number, number]);
  const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const run = () => {
    const { logits } = model.forward(x, { tokenChunkSize: 7 }); // the online-softmax path too
    logits.dataSync();
    logits.dispose();
  };
  run();
  run();
  const tensors = tf.memory().numTensors;
  const heap = heapBytes();
  for (let i = 0; i < 20; i++) run();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(heapBytes()).toBe(heap);
  model.dispose();
  x.dispose();
});
