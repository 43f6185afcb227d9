/**
 * AutoModelForImageClassification (the transformers.js name): the right Perceiver image classifier
 * for a config.json, by its `architectures`, else by the weight names (a checkpoint whose config
 * omits the field).
 */
import { ArchitectureName, resolveArchitecture } from '../architectures';
import type { PerceiverConfig } from '../config';
import type { WeightSource } from '../weights/weight-source';
import { PerceiverForImageClassificationConvProcessing } from './perceiver-for-image-classification-conv-processing';
import { PerceiverForImageClassificationFourier } from './perceiver-for-image-classification-fourier';
import { PerceiverForImageClassificationLearned } from './perceiver-for-image-classification-learned';
import type { PerceiverModel, PerceiverModelClass } from './perceiver-model';
import { FromPretrainedOptions, loadPretrained } from './pretrained-loader';

export type PerceiverImageClassifier =
  | PerceiverForImageClassificationFourier
  | PerceiverForImageClassificationLearned
  | PerceiverForImageClassificationConvProcessing;

/** The class of each architecture. */
export const MODEL_CLASSES: Record<ArchitectureName, typeof PerceiverModel & PerceiverModelClass<PerceiverImageClassifier>> = {
  PerceiverForImageClassificationFourier,
  PerceiverForImageClassificationLearned,
  PerceiverForImageClassificationConvProcessing,
};

export class AutoModelForImageClassification {
  /** A model directory or Hub id, through the registered loader (as every class's fromPretrained). */
  static async fromPretrained(idOrDir: string, options: FromPretrainedOptions = {}): Promise<PerceiverImageClassifier> {
    const { config, weights } = await loadPretrained(idOrDir, options);
    return AutoModelForImageClassification.fromWeights(config, weights);
  }

  static fromWeights(config: PerceiverConfig, weights: WeightSource): PerceiverImageClassifier {
    return MODEL_CLASSES[resolveArchitecture(config.architecture, weights.names)].fromWeights(config, weights);
  }
}
