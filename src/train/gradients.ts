/**
 * Gradient functions for the kernels on the training path. tfjs-core's Node bundle registers none
 * (`@tensorflow/tfjs` does it with an ES-module import that CommonJS code cannot load), so tape
 * autograd (`tf.variableGrads`) fails with "gradient function not found". These follow tfjs-core's
 * own definitions (src/gradients/*_grad.ts, Apache-2.0), one per kernel; a kernel that already has
 * a gradient (e.g. the @tensorflow/tfjs bundle is loaded too) keeps it.
 */
import { tf } from '../tf';

type Grads = Record<string, () => tf.Tensor> | (() => tf.Tensor)[];
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, unknown>) => Grads;
interface GradSpec {
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
  gradFunc: GradFunc;
}

const { getReductionAxes, assertAndGetBroadcastShape, getUndoAxesPermutation } = tf.backend_util;

/** Sums a broadcast result's gradient back to the input's shape. */
function unbroadcast(grad: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

/** dy of a reduction over `axes`, reshaped to keep the reduced axes as size 1. */
function expandReduced(dy: tf.Tensor, xShape: number[], axes: number[]): tf.Tensor {
  const shape = xShape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
}

function binary(derA: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor, derB: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor): GradSpec {
  return {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(derA(dy, a, b), a.shape, out), b: () => unbroadcast(derB(dy, a, b), b.shape, out) };
    },
  };
}

const unary = (d: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor): GradSpec => ({ inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => d(dy, x) }) });

const SPECS: Record<string, GradSpec> = {
  Add: binary((dy) => dy, (dy) => dy),
  Sub: binary((dy) => dy, (dy) => tf.neg(dy)),
  Multiply: binary((dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  RealDiv: binary((dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  Maximum: binary((dy, a, b) => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), (dy, a, b) => tf.mul(dy, tf.cast(tf.less(a, b), 'float32'))),
  BatchMatMul: {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const tA = attrs.transposeA as boolean;
      const tB = attrs.transposeB as boolean;
      if (!tA && !tB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
      if (!tA && tB) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
      if (tA && !tB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
      return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
    },
  },
  Cast: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  Identity: { gradFunc: (dy) => ({ x: () => tf.cast(dy, 'float32') }) },
  Concat: {
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      return tf.split(dy, saved.map((t) => t.shape[axis]), axis).map((t) => () => t);
    },
  },
  Pack: { saveAllInputs: true, gradFunc: (dy, _saved, attrs) => tf.unstack(dy, attrs.axis as number).map((t) => () => t) },
  Reshape: unary((dy, x) => tf.reshape(dy, x.shape)),
  ExpandDims: { inputsToSave: ['input'], gradFunc: (dy, [input]) => ({ input: () => tf.reshape(dy, input.shape) }) },
  Transpose: { gradFunc: (dy, _s, attrs) => ({ x: () => tf.transpose(dy, getUndoAxesPermutation(attrs.perm as number[])) }) },
  Slice: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      const paddings = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy, paddings) };
    },
  },
  Sum: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      return { x: () => tf.mul(expandReduced(dy, x.shape, axes), tf.ones(x.shape)) };
    },
  },
  Mean: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.div(tf.mul(expandReduced(dy, x.shape, axes), tf.ones(x.shape)), count) };
    },
  },
  Max: {
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.reductionIndices as number | number[], x.shape);
      // The gradient goes to every position equal to the maximum, as tfjs does.
      return { x: () => tf.mul(expandReduced(dy, x.shape, axes), tf.cast(tf.equal(expandReduced(y, x.shape, axes), x), 'float32')) };
    },
  },
  Softmax: {
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dyTimesY = tf.mul(dy, y);
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [attrs.dim as number], true), y)) };
    },
  },
  Erf: unary((dy, x) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI)))),
  Exp: { outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }) },
  Log: unary((dy, x) => tf.div(dy, x)),
  Rsqrt: unary((dy, x) => tf.neg(tf.div(dy, tf.mul(tf.pow(x, 1.5), 2)))),
  Square: unary((dy, x) => tf.mul(dy, tf.mul(x, 2))),
  Reciprocal: unary((dy, x) => tf.div(dy, tf.neg(tf.square(x)))),
  Neg: { gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
};

/**
 * Kernels run inside a tf.customGrad op, which carries its own gradient (tf.fused.matMul), and the
 * profile's name of that op itself.
 */
const CUSTOM_GRADIENT = new Set(['_FusedMatMul', 'fusedMatMul__op']);

/** The kernels among `names` (e.g. from tf.profile) that autograd could not differentiate. */
export function getGradientlessKernels(names: readonly string[]): string[] {
  registerTrainingGradients();
  return [...new Set(names)].filter((n) => !CUSTOM_GRADIENT.has(n) && !tf.getGradient(n)).sort();
}

let registered = false;

/** Registers the gradients above once per process (kernels that already have one are left alone). */
export function registerTrainingGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, spec] of Object.entries(SPECS)) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({ kernelName, ...spec } as unknown as tf.GradConfig);
  }
}
