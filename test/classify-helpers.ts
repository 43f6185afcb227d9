/** Reference predictions for the classify tests: the model run on the fixture's expected pixel_values. */
import { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';
import { tf } from '../src/tf';
import { readFixture } from './fixtures';

export interface Reference {
  /** Class indices, most probable first. */
  order: number[];
  probabilities: Float32Array;
}

/** Softmax of the logits for `<case>.safetensors`'s pixel_values, and the class ranking. */
export async function referencePrediction(model: PerceiverForImageClassificationFourier, expectedFile: string): Promise<Reference> {
  const file = await readFixture('preprocess', expectedFile);
  const pixelValues = tf.tensor4d(file.float32('pixel_values'), [1, 3, 224, 224]);
  const out = model.forward(pixelValues);
  const probs = tf.softmax(out.logits);
  const probabilities = (await probs.data()) as Float32Array;
  tf.dispose([pixelValues, out.logits, probs]);
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
  return { order, probabilities };
}
