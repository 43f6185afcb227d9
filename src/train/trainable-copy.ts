/** A copy of a model whose parameters are tf.Variables (shared with the original until trained): e.g. a loaded checkpoint to continue training. */
import { PerceiverForImageClassificationFourier } from '../model/perceiver-for-image-classification-fourier';
import { sharingSource } from './new-head';

export function trainableCopy(model: PerceiverForImageClassificationFourier): PerceiverForImageClassificationFourier {
  return PerceiverForImageClassificationFourier.fromWeights(model.config, sharingSource(model.parameters), { trainable: true });
}
