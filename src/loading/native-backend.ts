/** Makes tfjs-node (an optional dependency: it cannot install everywhere) available to initBackend. Node-only. */
import { registerNativeBackendLoader } from '../backend';

registerNativeBackendLoader(() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('@tensorflow/tfjs-node');
    return undefined;
  } catch (e) {
    return `@tensorflow/tfjs-node is not available (${(e as Error).message.split('\n')[0]})`;
  }
});
