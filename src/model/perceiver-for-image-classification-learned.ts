/**
 * PerceiverForImageClassificationLearned (Hub: deepmind/vision-perceiver-learned): a 1x1 conv ++
 * projected learned positions, one token per pixel: [B, M=H*W, C=512]. The input must be
 * config.image_size x image_size (224 x 224 for the Hub model).
 */
import { PerceiverModel } from './perceiver-model';

export class PerceiverForImageClassificationLearned extends PerceiverModel {
  static readonly architecture = 'PerceiverForImageClassificationLearned';
}
