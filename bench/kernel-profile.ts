/** Per-kernel milliseconds of one forward pass (tf.profile), summed by kernel name, largest first. */
import { tf } from '../src/tf';
import type { PerceiverForImageClassificationFourier } from '../src/model/perceiver-for-image-classification-fourier';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export async function kernelTimes(model: PerceiverForImageClassificationFourier, x: tf.Tensor4D): Promise<KernelTime[]> {
  const info = await tf.profile(() => {
    const { logits } = model.forward(x);
    logits.dataSync();
    return logits;
  });
  const byName = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue; // an op wrapping a kernel (fusedMatMul__op): its time is the kernel's
    const entry = byName.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += Number(k.kernelTimeMs) || 0;
    byName.set(k.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}
