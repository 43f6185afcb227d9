/** Turns checked weights into the layers' tensors (Linear weights transposed once, to [in, out]). */
import { tf } from '../tf';
import { MultiHeadAttention } from '../layers/attention';
import { LayerNorm } from '../layers/layer-norm';
import { Linear } from '../layers/linear';
import { Mlp } from '../layers/mlp';
import { PerceiverLayer } from '../layers/perceiver-layer';
import type { LayerNormSpec, LinearSpec, PerceiverLayerSpec, TensorSpec } from './state-dict';
import type { WeightSource } from './weight-source';

export class ParameterFactory {
  constructor(private readonly source: WeightSource) {}

  tensor(spec: TensorSpec): tf.Tensor {
    return tf.tensor(this.source.float32(spec.name), spec.shape, 'float32');
  }

  /** A Linear, or a 1x1 conv [out, in, 1, 1] as the per-pixel Linear it is. */
  linear(spec: LinearSpec): Linear {
    const [out, inp] = spec.weight.shape;
    const weight = tf.tidy(() => tf.transpose(tf.tensor2d(this.source.float32(spec.weight.name), [out, inp]))); // [out, in] -> [in, out]
    return new Linear(weight as tf.Tensor2D, this.tensor(spec.bias) as tf.Tensor1D);
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
