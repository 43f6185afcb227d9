/** The train-tiny fixture (HF's float64 loss and gradients) for the training tests. */
import { tf } from '../../src/tf';
import { SafetensorsFile } from '../../src/weights/safetensors';
import { readFixture } from '../fixtures';

export interface TrainFixture {
  pixelValues: tf.Tensor4D;
  labels: number[];
  loss: number;
  logits: Float64Array;
  /** Parameter names (without the `grad.` prefix). */
  names: string[];
  grad(name: string): { shape: number[]; values: Float64Array };
}

function float64(file: SafetensorsFile, name: string): Float64Array {
  if (file.dtypeOf(name) !== 'F64') throw new Error(`${name}: expected F64, is ${file.dtypeOf(name)}`);
  const bytes = file.rawBytes(name);
  return new Float64Array(new Uint8Array(bytes).buffer); // a copy: the view may be unaligned or pooled
}

export async function readTrainFixture(): Promise<TrainFixture> {
  const inputs = await readFixture('train-tiny', 'inputs.safetensors');
  const g = await readFixture('train-tiny', 'grads.safetensors');
  const labelBytes = new Uint8Array(g.rawBytes('labels'));
  return {
    pixelValues: tf.tensor4d(inputs.float32('pixel_values'), inputs.shapeOf('pixel_values') as [number, number, number, number]),
    labels: Array.from(new BigInt64Array(labelBytes.buffer), Number),
    loss: float64(g, 'loss')[0],
    logits: float64(g, 'logits'),
    names: g.names.filter((n) => n.startsWith('grad.')).map((n) => n.slice('grad.'.length)),
    grad: (name) => ({ shape: g.shapeOf(`grad.${name}`), values: float64(g, `grad.${name}`) }),
  };
}
