/**
 * Node only: torch.save checkpoints by path, read entry by entry from disk (the file is never held
 * whole). The reader itself (zip, restricted unpickler, views) is torch-checkpoint-reader.ts,
 * shared with the browser.
 */
import { fileSource } from '../file-range';
import { TorchCheckpointReader } from './torch-checkpoint-reader';

export { TorchCheckpointReader } from './torch-checkpoint-reader';

export class TorchCheckpoint extends TorchCheckpointReader {
  static async open(file: string): Promise<TorchCheckpoint> {
    return new TorchCheckpoint(fileSource(file));
  }
}
