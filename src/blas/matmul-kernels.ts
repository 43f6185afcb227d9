/**
 * BatchMatMul and _FusedMatMul of the blas backend: cblas_sgemm on the wasm heap in place (the
 * operands' and the output's heap views are passed as pointers, nothing is copied). Semantics are
 * tfjs's: rank >= 2, transposed operands, broadcast batch dimensions, float32 only (as the wasm
 * kernels), the fused bias broadcast to the output and the fused activations tfjs defines.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { CBLAS_NO_TRANS, CBLAS_ROW_MAJOR, CBLAS_TRANS, SgemmFunction } from './library';
import { heapF32, heapOffset } from '../wasm-heap/heap';

type TensorInfo = tf.TensorInfo;

export const BLAS_BACKEND_NAME = 'blas';

/**
 * For each output batch element (row-major over the broadcast batch shape), the index of the
 * operand's matrix: dimensions of size 1 repeat. tfjs's own kernels take the index modulo the
 * operand's batch size, which is the same when one side has a single matrix or both agree.
 */
function batchIndices(outBatch: number[], batch: number[]): Int32Array {
  const rank = outBatch.length;
  const padded = [...Array<number>(rank - batch.length).fill(1), ...batch];
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    strides[d] = padded[d] === 1 ? 0 : s;
    s *= padded[d];
  }
  const total = tf.util.sizeFromShape(outBatch);
  const indices = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    let rest = i;
    let index = 0;
    for (let d = rank - 1; d >= 0; d--) {
      index += (rest % outBatch[d]) * strides[d];
      rest = Math.floor(rest / outBatch[d]);
    }
    indices[i] = index;
  }
  return indices;
}

export function checkFloat32(kernel: string, a: TensorInfo, b: TensorInfo): void {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    // As the wasm backend: tfjs has already cast mixed inputs to one dtype (makeTypesMatch).
    throw new Error(`${kernel} on the blas backend supports float32 tensors only; got ${a.dtype} x ${b.dtype} (cast with tf.cast(x, 'float32'))`);
  }
}

export interface MatMulShape {
  outShape: number[];
  m: number;
  n: number;
  k: number;
}

export function matMulShape(kernel: string, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShape {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(`${kernel}: both operands need rank >= 2; got [${a.shape}] and [${b.shape}]`);
  }
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const [m, kA] = transposeA ? [a1, a0] : [a0, a1];
  const [kB, n] = transposeB ? [b1, b0] : [b0, b1];
  if (kA !== kB) {
    throw new Error(`${kernel}: inner dimensions ${kA} and ${kB} of [${a.shape}] and [${b.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) must match`);
  }
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { outShape: [...outBatch, m, n], m, n, k: kA };
}

/** A matrix on the heap: its first element's offset and its row stride (sgemm's leading dimension). */
export interface HeapMatrix {
  offset: number;
  ld: number;
}

/** C = op(A) op(B) + beta C, row-major, on heap matrices given by offset and leading dimension. */
export function sgemmAt(
  sgemm: SgemmFunction, heap: Float32Array, transposeA: boolean, transposeB: boolean, m: number, n: number, k: number,
  a: HeapMatrix, b: HeapMatrix, c: HeapMatrix, beta: number,
): void {
  // Views from each offset to the heap's end: sgemm reads only what m, n, k and ld address.
  sgemm(
    CBLAS_ROW_MAJOR, transposeA ? CBLAS_TRANS : CBLAS_NO_TRANS, transposeB ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k,
    1, heap.subarray(a.offset), a.ld, heap.subarray(b.offset), b.ld, beta, heap.subarray(c.offset), c.ld,
  );
}

/**
 * C = op(A) op(B) [+ bias row], one sgemm per output matrix. `rowBias` (length n) is written into
 * C first and accumulated with beta = 1, so the fused bias costs no extra pass.
 */
export function sgemmOnHeap(
  backend: BackendWasm,
  sgemm: SgemmFunction,
  kernel: string,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  rowBias?: TensorInfo,
): TensorInfo {
  checkFloat32(kernel, a, b);
  const { outShape, m, n, k } = matMulShape(kernel, a, b, transposeA, transposeB);
  const out = backend.makeOutput(outShape, 'float32');
  const heap = heapF32(backend); // after makeOutput: allocating may have grown the heap
  const size = m * n;
  const batch = tf.util.sizeFromShape(outShape.slice(0, -2));
  const c0 = heapOffset(backend, out);
  if (size * batch === 0) return out;
  if (rowBias) {
    const bias = heapOffset(backend, rowBias);
    if (tf.util.sizeFromShape(rowBias.shape) === n) heap.copyWithin(c0, bias, bias + n);
    else heap.fill(heap[bias], c0, c0 + n);
    // Doubling copies fill the remaining rows of every matrix at memcpy speed.
    for (let filled = n; filled < size * batch; filled *= 2) heap.copyWithin(c0 + filled, c0, c0 + Math.min(filled, size * batch - filled));
  } else if (k === 0) {
    heap.fill(0, c0, c0 + size * batch);
  }
  if (k === 0) return out;
  const outBatch = outShape.slice(0, -2);
  const aIndex = batchIndices(outBatch, a.shape.slice(0, -2));
  const bIndex = batchIndices(outBatch, b.shape.slice(0, -2));
  const aBase = heapOffset(backend, a);
  const bBase = heapOffset(backend, b);
  for (let i = 0; i < batch; i++) {
    sgemmAt(
      sgemm, heap, transposeA, transposeB, m, n, k,
      { offset: aBase + aIndex[i] * m * k, ld: transposeA ? m : k },
      { offset: bBase + bIndex[i] * k * n, ld: transposeB ? k : n },
      { offset: c0 + i * size, ld: n }, rowBias ? 1 : 0,
    );
  }
  return out;
}

/** Runs another kernel of this backend (the wasm ones) on intermediate results. */
function runKernel(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
  const kernel = tf.getKernel(name, BLAS_BACKEND_NAME);
  if (!kernel) throw new Error(`the blas backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** tfjs's fused activations (fused_util.applyActivation), each the backend's own kernel. */
const ACTIVATIONS: Record<string, (x: TensorInfo, backend: BackendWasm, attrs: tf.NamedAttrMap, prelu?: TensorInfo) => TensorInfo> = {
  relu: (x, backend) => runKernel('Relu', backend, { x }),
  relu6: (x, backend) => runKernel('Relu6', backend, { x }),
  elu: (x, backend) => runKernel('Elu', backend, { x }),
  sigmoid: (x, backend) => runKernel('Sigmoid', backend, { x }),
  leakyrelu: (x, backend, attrs) => runKernel('LeakyRelu', backend, { x }, { alpha: (attrs.leakyreluAlpha as number | undefined) ?? 0.2 }),
  prelu: (x, backend, _attrs, alpha) => {
    if (!alpha) throw new Error("_FusedMatMul: activation 'prelu' needs preluActivationWeights");
    return runKernel('Prelu', backend, { x, alpha });
  },
};

export const FUSED_ACTIVATIONS = ['linear', ...Object.keys(ACTIVATIONS)];

/** A bias that is one row of the output (shape [n], [1], [1, n], ...): added inside sgemm. */
function isRowBias(bias: TensorInfo, n: number): boolean {
  const size = tf.util.sizeFromShape(bias.shape);
  return (size === n || size === 1) && bias.shape.slice(0, -1).every((d) => d === 1);
}

export function fusedMatMul(backend: BackendWasm, sgemm: SgemmFunction, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const apply = ACTIVATIONS[activation];
  if (activation !== 'linear' && !apply) {
    throw new Error(`_FusedMatMul on the blas backend: unknown activation '${activation}'; tfjs fuses ${FUSED_ACTIVATIONS.join(', ')}`);
  }
  if (bias && bias.dtype !== 'float32') throw new Error(`_FusedMatMul on the blas backend: bias must be float32, got ${bias.dtype}`);
  const { n } = matMulShape('_FusedMatMul', a, b, transposeA, transposeB);
  const rowBias = bias && isRowBias(bias, n) ? bias : undefined;
  let out = sgemmOnHeap(backend, sgemm, '_FusedMatMul', a, b, transposeA, transposeB, rowBias);
  const replace = (next: TensorInfo) => {
    backend.disposeData(out.dataId);
    out = next;
  };
  if (bias && !rowBias) replace(runKernel('Add', backend, { a: out, b: bias }));
  if (apply) replace(apply(out, backend, attrs, preluActivationWeights));
  return out;
}

export function matMulKernels(sgemm: SgemmFunction): tf.KernelConfig[] {
  return [
    {
      kernelName: tf.BatchMatMul,
      backendName: BLAS_BACKEND_NAME,
      kernelFunc: ({ inputs, backend, attrs }) =>
        sgemmOnHeap(backend as BackendWasm, sgemm, 'BatchMatMul', inputs.a!, inputs.b!, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB)),
    },
    {
      kernelName: tf._FusedMatMul,
      backendName: BLAS_BACKEND_NAME,
      kernelFunc: ({ inputs, backend, attrs }) => fusedMatMul(backend as BackendWasm, sgemm, inputs, attrs ?? {}),
    },
  ];
}
