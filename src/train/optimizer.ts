/**
 * Adam, and AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's `torch.optim.AdamW`,
 * the Hugging Face Trainer's default): p <- p (1 - lr wd), then the Adam step, which tfjs's
 * AdamOptimizer does. Hugging Face decays neither biases nor LayerNorm weights; neither do we.
 */
import { tf } from '../tf';

export interface OptimizerOptions {
  learningRate: number;
  /** Decoupled weight decay (0: plain Adam). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  /** PyTorch's default 1e-8 (tfjs would pick 1e-7). */
  epsilon?: number;
}

export interface TrainedParameter {
  /** Hugging Face name. */
  name: string;
  variable: tf.Variable;
}

/** Whether Hugging Face's Trainer applies weight decay to a parameter (not to biases or LayerNorm weights). */
export function isDecayed(name: string): boolean {
  return !name.endsWith('.bias') && !/(^|\.)layernorm\d*\./.test(name);
}

/** The optimizer's state by Hugging Face name, for checkpoints: `<name>/m`, `<name>/v` and the step count. */
export interface OptimizerState {
  iterations: number;
  tensors: Record<string, tf.Tensor>;
}

export class AdamW {
  private readonly adam: tf.AdamOptimizer;

  constructor(
    private readonly options: OptimizerOptions,
    /** Always the same order: tfjs keys its moments by position. */
    private readonly parameters: readonly TrainedParameter[],
  ) {
    this.adam = tf.train.adam(options.learningRate, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.epsilon ?? 1e-8);
  }

  /** One step; `grads[i]` is the gradient of `parameters[i]` in its variable's layout. */
  step(grads: readonly tf.Tensor[]): void {
    const decay = this.options.learningRate * (this.options.weightDecay ?? 0);
    if (decay > 0) {
      for (const p of this.parameters) if (isDecayed(p.name)) tf.tidy(() => p.variable.assign(tf.mul(p.variable, 1 - decay)));
    }
    this.adam.applyGradients(this.parameters.map((p, i) => ({ name: p.variable.name, tensor: grads[i] })));
  }

  /** The live moments (owned by the optimizer: read them, don't dispose them); empty before the first step. */
  async state(): Promise<OptimizerState> {
    const weights = await this.adam.getWeights(); // [iterations, m..., v...], in parameter order
    const n = this.parameters.length;
    const tensors: Record<string, tf.Tensor> = {};
    if (weights.length === 1 + 2 * n) {
      this.parameters.forEach((p, i) => {
        tensors[`${p.name}/m`] = weights[1 + i].tensor;
        tensors[`${p.name}/v`] = weights[1 + n + i].tensor;
      });
    }
    const iterations = weights[0].tensor.dataSync()[0];
    weights[0].tensor.dispose();
    return { iterations, tensors };
  }

  /** Restores `state()` on a fresh optimizer. The moments share the given tensors' data: the caller may dispose its handles. */
  async setState(state: OptimizerState): Promise<void> {
    if (Object.keys(state.tensors).length === 0) return;
    const moments = (suffix: string) => this.parameters.map((p) => ({ name: `${p.name}/${suffix}`, tensor: state.tensors[`${p.name}/${suffix}`] }));
    const iterations = tf.scalar(state.iterations, 'int32');
    await this.adam.setWeights([{ name: 'iter', tensor: iterations }, ...moments('m'), ...moments('v')]);
    iterations.dispose();
  }

  dispose(): void {
    this.adam.dispose();
  }
}
