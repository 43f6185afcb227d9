/**
 * A `torch.save` zip checkpoint (what the Hub's pytorch_model.bin files are) read without Python:
 * the pickle `<archive>/data.pkl` runs under the restricted state-dict policy, and each tensor's
 * bytes are read from its `<archive>/data/<key>` entry only when asked for, one at a time. Pure
 * (no Node built-in): the archive is a ByteSource, bytes in memory (the browser) or a file
 * (Node: torch-checkpoint.ts). A contiguous tensor of an in-memory archive is a view, not a copy.
 */
import { CheckpointError, WeightsError } from '../../errors';
import { bytesSource, ByteSource } from '../byte-source';
import { DTYPE_BYTES, Dtype, numElements } from '../dtypes';
import { float32Of, TensorSource } from '../tensor-source';
import { describe, PyDict, PyValue } from './pickle-values';
import { latin1, unpickle } from './pickle-vm';
import { isTorchTensor, stateDictPolicy, TorchTensor } from './torch-globals';
import { gatherStridedView } from './strided-view';
import { ZipArchive } from './zip-archive';

/** A state dict's pickle is a few kB per hundred tensors; this bounds what a hostile one makes us parse. */
const MAX_PICKLE_BYTES = 64 << 20;

/** Pickle protocol 2 + the long integer torch's pre-1.6 (legacy) format starts with. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** A byteorder entry holds `little` or `big`. */
const MAX_BYTEORDER_BYTES = 16;

function refuseLegacyFormat(source: ByteSource): void {
  if (source.size < LEGACY_MAGIC.length) return; // too short to be legacy: let the zip reader explain
  const head = source.read(0, LEGACY_MAGIC.length);
  if (LEGACY_MAGIC.every((b, i) => head[i] === b)) {
    throw new CheckpointError(
      `${source.name}: this is the legacy (pre-1.6, non-zip) torch.save format, which is not supported. ` +
        'Re-save it with torch >= 1.6: torch.save(torch.load(path), new_path), or save it as safetensors.',
    );
  }
}

export class TorchCheckpointReader implements TensorSource {
  readonly format = 'torch.save zip';
  readonly metadata: Record<string, string> = {};
  readonly source: string;
  private readonly zip: ZipArchive;
  private readonly dataDir: string;
  private readonly tensors: Map<string, TorchTensor>;

  /** Reads the archive's directory and runs its pickle (restricted); tensor bytes are read later. */
  constructor(bytes: ByteSource) {
    const file = bytes.name;
    this.source = file;
    refuseLegacyFormat(bytes);
    const zip = ZipArchive.open(bytes);
    const pickles = zip.names.filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
    if (pickles.length !== 1) {
      throw new CheckpointError(`${file}: expected one <archive>/data.pkl entry in the zip, found ${pickles.length}; not a torch.save checkpoint`);
    }
    const pickleName = pickles[0];
    const prefix = pickleName.slice(0, -'data.pkl'.length);
    const byteorderName = `${prefix}byteorder`;
    if (zip.names.includes(byteorderName) && zip.entry(byteorderName).size > MAX_BYTEORDER_BYTES) {
      throw new CheckpointError(`${file}: zip entry '${byteorderName}' is ${zip.entry(byteorderName).size} bytes; it holds 'little' or 'big'`);
    }
    const byteorder = zip.names.includes(byteorderName) ? latin1(zip.read(byteorderName)) : 'little';
    if (byteorder !== 'little') throw new CheckpointError(`${file}: storages are ${byteorder}-endian; only little-endian checkpoints are supported`);
    if (zip.entry(pickleName).size > MAX_PICKLE_BYTES) {
      throw new CheckpointError(`${file}: ${pickleName} is ${zip.entry(pickleName).size} bytes, more than the ${MAX_PICKLE_BYTES} a state dict needs`);
    }
    const where = `${file} (${pickleName})`;
    const root = unpickle(zip.read(pickleName), stateDictPolicy(where), where);
    this.zip = zip;
    this.dataDir = `${prefix}data/`;
    this.tensors = stateDictTensors(root, where);
    this.checkStorages();
  }

  /** An archive in memory (a fetched ArrayBuffer); `source` names it in messages. */
  static fromBytes(bytes: Uint8Array, source = '<buffer>'): TorchCheckpointReader {
    return new TorchCheckpointReader(bytesSource(bytes, source));
  }

  get names(): string[] {
    return [...this.tensors.keys()];
  }

  private tensor(name: string): TorchTensor {
    const t = this.tensors.get(name);
    if (!t) throw new WeightsError(`${this.source}: no tensor named '${name}'`);
    return t;
  }

  shapeOf(name: string): number[] {
    return this.tensor(name).shape;
  }

  dtypeOf(name: string): Dtype {
    return this.tensor(name).storage.dtype;
  }

  rawBytes(name: string): Uint8Array {
    const t = this.tensor(name);
    const storage = this.zip.read(this.dataDir + t.storage.key);
    return gatherStridedView(storage, DTYPE_BYTES[t.storage.dtype], t.offset, t.shape, t.stride);
  }

  float32(name: string): Float32Array {
    return float32Of(this, name);
  }


  /** Every storage entry exists with the declared size, and every view lies inside its storage. */
  private checkStorages(): void {
    for (const [name, t] of this.tensors) {
      const fail = (why: string): never => {
        throw new CheckpointError(`${this.source}: tensor '${name}': ${why}`);
      };
      const { key, dtype, numel } = t.storage;
      const entry = this.zip.entry(this.dataDir + key);
      if (entry.size !== numel * DTYPE_BYTES[dtype]) fail(`storage '${key}' holds ${entry.size} bytes, ${numel} x ${dtype} needs ${numel * DTYPE_BYTES[dtype]}`);
      const count = numElements(t.shape);
      // Expanded (stride-0) views could ask for far more memory than the file holds.
      if (count > numel) fail(`${count} elements from a storage of ${numel} (expanded views are not supported)`);
      const last = t.offset + t.shape.reduce((sum, n, d) => sum + (n - 1) * t.stride[d], 0);
      if (count > 0 && last >= numel) fail(`the view (offset ${t.offset}, shape ${JSON.stringify(t.shape)}, stride ${JSON.stringify(t.stride)}) runs past its storage of ${numel} elements`);
    }
  }
}

function stateDictTensors(root: PyValue, where: string): Map<string, TorchTensor> {
  if (!(root instanceof PyDict)) throw new CheckpointError(`${where}: holds ${describe(root)}, not a state dict`);
  const tensors = new Map<string, TorchTensor>();
  for (const [key, value] of root.entries) {
    if (typeof key !== 'string') throw new CheckpointError(`${where}: state dict key ${JSON.stringify(key)} is not a string`);
    if (!isTorchTensor(value)) throw new CheckpointError(`${where}: state dict entry '${key}' is ${describe(value)}, not a tensor (is this a full training checkpoint? save model.state_dict() instead)`);
    tensors.set(key, value);
  }
  return tensors;
}
