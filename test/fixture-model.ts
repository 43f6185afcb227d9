/**
 * Jest set-up shared by the suites that run a tiny fixture's model on the fixture's own stored
 * inputs: loads the model, inputs.safetensors and expected.safetensors once per folder (beforeAll)
 * and disposes the model afterwards.
 */
import { tf } from '../src/tf';
import { initBackend } from '../src/backend';
import type { PerceiverModel } from '../src/model/perceiver-model';
import { SafetensorsFile } from '../src/weights/safetensors';
import { fixturePath, readFixture } from './fixtures';

export interface FixtureModel<T extends PerceiverModel> {
  model: T;
  inputs: SafetensorsFile;
  expected: SafetensorsFile;
  /** The stored input `name` (e.g. 'pixel_values') as a (B, C, H, W) tensor. */
  pixels(name: string): tf.Tensor4D;
}

export function useFixtureModel<T extends PerceiverModel>(folder: string, load: (dir: string) => Promise<T>): FixtureModel<T> {
  const fixture = {
    pixels(name: string): tf.Tensor4D {
      return tf.tensor4d(fixture.inputs.float32(name), fixture.inputs.info(name).shape as [number, number, number, number]);
    },
  } as FixtureModel<T>;
  beforeAll(async () => {
    await initBackend();
    fixture.model = await load(fixturePath(folder));
    fixture.inputs = await readFixture(folder, 'inputs.safetensors');
    fixture.expected = await readFixture(folder, 'expected.safetensors');
  });
  afterAll(() => fixture.model?.dispose());
  return fixture;
}
