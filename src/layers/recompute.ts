/**
 * Gradient checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost"): a
 * layer run under a gradient tape keeps only its inputs; its intermediates are made again, under a
 * tape of their own, when the backward pass reaches it. One extra forward per layer buys activation
 * memory bounded by one layer instead of all 48 applications of the full model.
 */
import { tf } from '../tf';

/**
 * `fn(...inputs, ...constants)`, differentiable with respect to `inputs` and `params` (the weights
 * `fn` reads), without recording `fn`'s intermediates; `constants` get a zero gradient and cost no
 * backward work. With no tape recording it is a plain call.
 * The output's gradient is freed once the backward pass has used it (tfjs would keep every such
 * gradient to the end of the pass): don't differentiate with respect to the output itself.
 */
export function recomputedInBackward<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, inputs: tf.Tensor[], params: tf.Tensor[], constants: tf.Tensor[] = []): T {
  if (!tf.engine().isTapeOn()) return fn(...inputs, ...constants);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const fixed = args.slice(inputs.length + params.length, -1) as tf.Tensor[];
    save([...xs, ...fixed]);
    return {
      value: fn(...xs, ...fixed),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const differentiable = saved.slice(0, xs.length);
        const grads = recompute((...t) => fn(...t, ...saved.slice(xs.length)), differentiable, params, dy);
        return [...grads, ...fixed.map((c) => tf.zerosLike(c))];
      },
    };
  });
  return op(...inputs, ...params, ...constants) as T;
}

/**
 * tfjs's backward pass sums a tensor's gradients as they arrive (tape.js: the first is stored, each
 * later one added to the sum) but frees the added ones only when the whole pass ends: for the six
 * self-attention layers shared by 8 blocks that is 7 dead copies of their weights (~1.2 GB for the
 * full model). From a parameter's second gradient on, what we returned last time has been added and
 * is dead, so it is freed here. Per backward pass (its tape) and parameter id.
 */
const returnedGradients = new WeakMap<object, Map<number, { count: number; last: tf.Tensor }>>();

function freeDeadGradients(pass: object, params: tf.Tensor[], grads: tf.Tensor[]): void {
  let seen = returnedGradients.get(pass);
  if (!seen) returnedGradients.set(pass, (seen = new Map()));
  params.forEach((p, i) => {
    const entry = seen!.get(p.id);
    if (!entry) return seen!.set(p.id, { count: 1, last: grads[i] });
    if (entry.count >= 2) entry.last.dispose(); // the first may be the stored sum itself: kept
    entry.count++;
    entry.last = grads[i];
  });
}

/** d(fn)/d[saved inputs, params] given dy: one gradient per customGrad input, in order. */
function recompute(fn: (...inputs: tf.Tensor[]) => tf.Tensor, saved: tf.Tensor[], params: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine();
  // The outer backward pass runs with its tape closed; a nested gradients() opens a new one and, on
  // finishing, clears the engine's tape slot, which the outer pass still needs for its own cleanup.
  const outerTape = engine.state.activeTape;
  let grads: tf.Tensor[];
  try {
    const xs = [...saved, ...params];
    const r = engine.gradients(() => fn(...saved), xs, dy, true);
    r.value.dispose();
    // null: the output does not depend on it (e.g. a folded key bias: softmax ignores the shift).
    grads = r.grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
  } finally {
    engine.state.activeTape = outerTape;
  }
  freeDeadGradients(outerTape, params, grads.slice(saved.length));
  dy.dispose();
  return grads;
}
