/** ImageClassifier on two worker threads gives the same predictions as on the main thread. */
import { ImageClassifier } from '../src/classifier';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { PerceiverWorkerPool } from '../src/parallel/worker-pool';
import { fixturePath } from './fixtures';

afterAll(() => stopDecoderWorker());

test('workers: 2 splits each chunk across two models; predictions equal the single-thread ones', async () => {
  const files = ['chelsea.jpg', 'coffee.jpg', 'rocket_portrait.png', 'camera_gray.png', 'astronaut_rgba.png'].map((f) => fixturePath('preprocess', f));
  const single = await ImageClassifier.fromPretrained(fixturePath('tiny'));
  const pooled = await ImageClassifier.fromPretrained(fixturePath('tiny'), { workers: 2 });
  try {
    expect(pooled.model).toBeInstanceOf(PerceiverWorkerPool);
    const a = await single.classify(files, { topK: 3, batchSize: 4 });
    const b = await pooled.classify(files, { topK: 3, batchSize: 4 });
    expect(b.map((r) => r.map((p) => p.index))).toEqual(a.map((r) => r.map((p) => p.index)));
    b.forEach((r, i) => r.forEach((p, k) => expect(p.score).toBeCloseTo(a[i][k].score, 5)));
  } finally {
    await single.dispose();
    await pooled.dispose();
  }
});
