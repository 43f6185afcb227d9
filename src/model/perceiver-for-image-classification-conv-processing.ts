/**
 * PerceiverForImageClassificationConvProcessing (Hub: deepmind/vision-perceiver-conv): conv + BatchNorm
 * + ReLU + max-pool ++ Fourier features of the pooled grid: [B, M=H'*W', C=322], 3,025 tokens at
 * 224 x 224 (16x fewer than the Fourier model). Any input of at least 5 x 5.
 */
import { PerceiverModel } from './perceiver-model';

export class PerceiverForImageClassificationConvProcessing extends PerceiverModel {
  static readonly architecture = 'PerceiverForImageClassificationConvProcessing';
}
