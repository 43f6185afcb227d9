/** Checks a weights file against a config: names, shapes, dtype, parameter count, finite values. */
import { PerceiverConfig } from '../config';
import { WeightsError } from '../errors';
import { FloatDtype, numElements } from './dtypes';
import { resolveArchitecture } from '../architectures';
import { countParameters, flattenSpec, perceiverSpec } from './state-dict';
import type { TensorSource } from './tensor-source';
import { checkWeights } from './weight-source';

export interface WeightsSummary {
  tensors: number;
  parameters: number;
}

/** Reads every tensor once (one at a time; float32 refuses NaN or Inf); throws naming the first bad tensor. */
export function verifyWeights(weights: TensorSource, config: PerceiverConfig, dtype?: FloatDtype): WeightsSummary {
  const expected = flattenSpec(perceiverSpec(config, resolveArchitecture(config.architecture, weights.names)));
  checkWeights(weights, expected);
  const integers = new Set(expected.filter((t) => t.dtype === 'int64').map((t) => t.name));
  let parameters = 0;
  for (const name of weights.names) {
    if (integers.has(name)) {
      // BatchNorm's num_batches_tracked: an int64 counter, unused at inference, not a parameter.
      if (weights.dtypeOf(name) !== 'I64') throw new WeightsError(`${weights.source}: tensor '${name}' is ${weights.dtypeOf(name)}, expected I64 (int64)`);
      continue;
    }
    if (dtype && weights.dtypeOf(name) !== dtype) throw new WeightsError(`${weights.source}: tensor '${name}' is ${weights.dtypeOf(name)}, expected ${dtype}`);
    weights.float32(name); // refuses NaN and ±Inf, naming the tensor and element
    parameters += numElements(weights.shapeOf(name));
  }
  const want = countParameters(expected);
  if (parameters !== want) throw new WeightsError(`${weights.source}: ${parameters} parameters, the config needs ${want}`);
  return { tensors: weights.names.length, parameters };
}
