/** Backend choice: explicit requests never fall back silently; bad PERCEIVER_BACKEND values are named. */
import { BackendError } from '../src/errors';
import { initBackend, parseBackendEnv } from '../src/backend';

test('PERCEIVER_BACKEND accepts the four names and refuses others by name', () => {
  expect(parseBackendEnv(undefined)).toBeUndefined();
  expect(parseBackendEnv('wasm')).toBe('wasm');
  expect(parseBackendEnv('cpu')).toBe('cpu');
  expect(parseBackendEnv('tensorflow')).toBe('tensorflow');
  expect(parseBackendEnv('blas')).toBe('blas');
  expect(() => parseBackendEnv('webgl')).toThrow(BackendError);
  expect(() => parseBackendEnv('webgl')).toThrow("PERCEIVER_BACKEND='webgl' is not a backend; expected one of tensorflow, blas, wasm, cpu");
});

test('an explicitly requested backend that cannot load is an error, not a fall-back', async () => {
  let native = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    native = false;
  }
  if (native) {
    // With tfjs-node installed the request succeeds; the refusal is checked where it is absent.
    await expect(initBackend('tensorflow')).resolves.toMatchObject({ name: 'tensorflow' });
  } else {
    await expect(initBackend('tensorflow')).rejects.toThrow(/Requested backend 'tensorflow' is unavailable: @tensorflow\/tfjs-node is not available/);
  }
  await expect(initBackend('wasm')).resolves.toMatchObject({ name: 'wasm', reason: 'requested explicitly' });
});
