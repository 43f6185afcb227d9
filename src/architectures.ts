/**
 * The image classifiers of the Perceiver IO family, by their Hugging Face architecture name
 * (config.json `architectures`), and the `prep_type` of the PerceiverImagePreprocessor each builds.
 * Pure data: config parsing, the state-dict table, the Hub check and the auto-loader share it.
 */
import { ConfigError } from './errors';

export const ARCHITECTURES = {
  /** deepmind/vision-perceiver-fourier: raw pixels ++ 2D Fourier features, 224 x 224 = 50,176 tokens. */
  PerceiverForImageClassificationFourier: 'pixels',
  /** deepmind/vision-perceiver-learned: 1x1 conv ++ projected learned position table. */
  PerceiverForImageClassificationLearned: 'conv1x1',
  /** deepmind/vision-perceiver-conv: conv + BatchNorm + ReLU + max-pool ++ Fourier features of the pooled grid. */
  PerceiverForImageClassificationConvProcessing: 'conv',
} as const;

export type ArchitectureName = keyof typeof ARCHITECTURES;
export type PrepType = (typeof ARCHITECTURES)[ArchitectureName];

export const ARCHITECTURE_NAMES = Object.keys(ARCHITECTURES) as ArchitectureName[];

export function isArchitectureName(name: unknown): name is ArchitectureName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ARCHITECTURES, name);
}

/** The one weight name that tells each preprocessor apart (the Fourier one has no weights). */
const MARKER_WEIGHTS: [string, ArchitectureName][] = [
  ['perceiver.input_preprocessor.convnet_1x1.weight', 'PerceiverForImageClassificationLearned'],
  ['perceiver.input_preprocessor.convnet.conv.weight', 'PerceiverForImageClassificationConvProcessing'],
];

/** The architecture a state dict belongs to, from its input-preprocessor weights. */
export function architectureFromWeightNames(names: readonly string[]): ArchitectureName {
  const have = new Set(names);
  return MARKER_WEIGHTS.find(([name]) => have.has(name))?.[1] ?? 'PerceiverForImageClassificationFourier';
}

/** config.json's architecture if it names one, else the one the weight names show. */
export function resolveArchitecture(declared: ArchitectureName | null, weightNames: readonly string[]): ArchitectureName {
  return declared ?? architectureFromWeightNames(weightNames);
}

export function unsupportedArchitectureError(source: string, got: unknown): ConfigError {
  return new ConfigError(`${source}: field 'architectures' ${JSON.stringify(got)} names no supported architecture; supported: ${ARCHITECTURE_NAMES.join(', ')}`);
}
