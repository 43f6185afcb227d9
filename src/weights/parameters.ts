/** Turns checked weights into the layers' tensors (Linear weights transposed once, to [in, out]). */
import { tf } from '../tf';
import { MultiHeadAttention } from '../layers/attention';
import { LayerNorm } from '../layers/layer-norm';
import { Linear } from '../layers/linear';
import { Mlp } from '../layers/mlp';
import { PerceiverLayer } from '../layers/perceiver-layer';
import type { LayerNormSpec, LinearSpec, PerceiverLayerSpec, TensorSpec } from './state-dict';
import type { WeightSource } from './weight-source';

/** How a parameter tensor relates to its Hugging Face tensor: the same, or transposed (Linear weights). */
export type ParameterLayout = 'same' | 'transposed';

export interface ParameterOptions {
  /** Make every parameter a trainable tf.Variable (for optimizers), named `<prefix>/<Hugging Face name>`. */
  variablePrefix?: string;
  /** Told about every parameter as it is created, with its Hugging Face name. */
  onParameter?: (name: string, tensor: tf.Tensor, layout: ParameterLayout) => void;
}

export class ParameterFactory {
  constructor(
    private readonly source: WeightSource,
    private readonly options: ParameterOptions = {},
  ) {}

  tensor(spec: TensorSpec): tf.Tensor {
    return this.parameter(spec.name, tf.tensor(this.source.float32(spec.name), spec.shape, 'float32'), 'same');
  }

  linear(spec: LinearSpec): Linear {
    const [out, inp] = spec.weight.shape;
    const weight = tf.tidy(() => tf.transpose(tf.tensor2d(this.source.float32(spec.weight.name), [out, inp]))); // [out, in] -> [in, out]
    return new Linear(this.parameter(spec.weight.name, weight, 'transposed') as tf.Tensor2D, this.tensor(spec.bias) as tf.Tensor1D);
  }

  private parameter(name: string, t: tf.Tensor, layout: ParameterLayout): tf.Tensor {
    let p = t;
    if (this.options.variablePrefix !== undefined) {
      p = tf.variable(t, true, `${this.options.variablePrefix}/${name}`);
      t.dispose();
    }
    this.options.onParameter?.(name, p, layout);
    return p;
  }

  layerNorm(spec: LayerNormSpec): LayerNorm {
    return new LayerNorm(this.tensor(spec.weight) as tf.Tensor1D, this.tensor(spec.bias) as tf.Tensor1D);
  }

  perceiverLayer(spec: PerceiverLayerSpec): PerceiverLayer {
    const a = spec.attention;
    const attention = new MultiHeadAttention(a.channels, {
      layernorm1: this.layerNorm(a.layernorm1),
      layernorm2: a.layernorm2 ? this.layerNorm(a.layernorm2) : null,
      query: this.linear(a.query),
      key: this.linear(a.key),
      value: this.linear(a.value),
      output: this.linear(a.output),
    });
    const mlp = new Mlp(this.linear(spec.dense1), this.linear(spec.dense2));
    return new PerceiverLayer(attention, this.layerNorm(spec.layernorm), mlp, spec.useQueryResidual);
  }
}
