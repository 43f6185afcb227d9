/**
 * PerceiverForImageClassificationFourier (Hub: deepmind/vision-perceiver-fourier): raw pixels ++
 * 2D Fourier position features, one token per pixel: [B, M=H*W, C=261]. Any input size.
 */
import { PerceiverModel } from './perceiver-model';

export class PerceiverForImageClassificationFourier extends PerceiverModel {
  static readonly architecture = 'PerceiverForImageClassificationFourier';
}

// The model's types were first exported from here; kept for imports that name this module.
export type { ForwardOptions, PerceiverClassifierOutput } from './perceiver-model';
export type { FromPretrainedOptions } from './pretrained-loader';
