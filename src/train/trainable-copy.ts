/** A copy of a model whose parameters are tf.Variables (shared with the original until trained): e.g. a loaded checkpoint to continue training. */
import type { PerceiverModel, PerceiverModelClass } from '../model/perceiver-model';
import { sharingSource } from './new-head';

export function trainableCopy<T extends PerceiverModel>(model: T): T {
  return (model.constructor as PerceiverModelClass<T>).fromWeights(model.config, sharingSource(model), { trainable: true });
}
