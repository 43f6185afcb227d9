/** Turns checked weights into the layers' tensors (Linear weights transposed once, to [in, out]). */
import { tf } from '../tf';
import { MultiHeadAttention } from '../layers/attention';
import { LayerNorm } from '../layers/layer-norm';
import { Linear } from '../layers/linear';
import { Mlp } from '../layers/mlp';
import { PerceiverLayer } from '../layers/perceiver-layer';
import { weightTensor } from './weight-tensor';
import type { LayerNormSpec, LinearSpec, PerceiverLayerSpec, TensorSpec } from './state-dict';
import type { WeightSource } from './weight-source';

/**
 * How a layer's tensor relates to the Hugging Face tensor of the same name: equal; transposed
 * (Linear weights [in, out], also a 1x1 conv's [out, in, 1, 1]); or a conv filter in tfjs's
 * [kh, kw, in, out] (PyTorch: [out, in, kh, kw]).
 */
export type ParameterLayout = 'same' | 'transposed' | 'hwio';

/** A model parameter as the layers hold it, listed under its Hugging Face name. */
export interface NamedParameter {
  tensor: tf.Tensor;
  layout: ParameterLayout;
  /** The Hugging Face tensor's shape. */
  hfShape: number[];
}

/**
 * `t` (the parameter itself by default, or its gradient: same layout) in Hugging Face's layout and
 * shape. For layout 'same' this is `t` itself.
 */
export function toHuggingFace(p: NamedParameter, t: tf.Tensor = p.tensor): tf.Tensor {
  if (p.layout === 'same') return t;
  return tf.tidy(() =>
    p.layout === 'transposed'
      ? tf.reshape(tf.transpose(t), p.hfShape) // [in, out] -> [out, in] (-> [out, in, 1, 1] for a 1x1 conv)
      : tf.transpose(t, [3, 2, 0, 1]), // [kh, kw, in, out] -> [out, in, kh, kw]
  );
}

/** A weight source that can also hand over tensors already laid out for the layers: they are shared (cloned handles), not copied. */
export interface SharingWeightSource extends WeightSource {
  laidOut(name: string): tf.Tensor | undefined;
}

export interface ParameterOptions {
  /** Make every parameter a trainable tf.Variable, so that an optimizer updates it in place. */
  trainable?: boolean;
}

/** Variable names are global in tfjs: each trainable model gets its own prefix. */
let trainableModels = 0;

export class ParameterFactory {
  /** Every parameter made so far, by Hugging Face name. */
  readonly parameters = new Map<string, NamedParameter>();
  private readonly variablePrefix: string;

  constructor(
    private readonly source: WeightSource | SharingWeightSource,
    private readonly options: ParameterOptions = {},
  ) {
    this.variablePrefix = `perceiver${trainableModels++}/`;
  }

  tensor(spec: TensorSpec): tf.Tensor {
    return this.parameter(spec.name, 'same', spec.shape, () => weightTensor(this.values(spec.name), spec.shape));
  }

  /** A conv filter [out, in, kh, kw] as tfjs's conv2d takes it: [kh, kw, in, out]. */
  convFilter(spec: TensorSpec): tf.Tensor4D {
    return this.parameter(spec.name, 'hwio', spec.shape, () =>
      tf.tidy(() => tf.transpose(weightTensor(this.values(spec.name), spec.shape), [2, 3, 1, 0])), // [O, I, kh, kw] -> [kh, kw, I, O]
    ) as tf.Tensor4D;
  }

  /** A Linear, or a 1x1 conv [out, in, 1, 1] as the per-pixel Linear it is. */
  linear(spec: LinearSpec): Linear {
    const [out, inp] = spec.weight.shape;
    const weight = this.parameter(spec.weight.name, 'transposed', spec.weight.shape, () =>
      weightTensor(this.values(spec.weight.name), [inp, out], [out, inp]), // [out, in] -> [in, out]
    );
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

  /** Borrowed where the source lends (weightTensor copies them). */
  private values(name: string): Float32Array {
    return this.source.borrowFloat32 ? this.source.borrowFloat32(name) : this.source.float32(name);
  }

  private parameter(name: string, layout: ParameterLayout, hfShape: number[], load: () => tf.Tensor): tf.Tensor {
    const shared = 'laidOut' in this.source ? this.source.laidOut(name) : undefined;
    let tensor: tf.Tensor;
    if (this.options.trainable) {
      // The variable shares the data; assigning to it later leaves the source's tensor untouched.
      const made = shared ?? load();
      tensor = tf.variable(made, true, this.variablePrefix + name);
      if (!shared) made.dispose();
    } else {
      // A new handle on the same data: Identity shares it on cpu, wasm and blas (src/wasm-heap), webgl and webgpu.
      tensor = shared ? tf.clone(shared) : load();
    }
    this.parameters.set(name, { tensor, layout, hfShape: [...hfShape] });
    return tensor;
  }
}
