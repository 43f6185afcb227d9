/**
 * What a `torch.save` state dict may ask of the unpickler: collections.OrderedDict, the tensor and
 * parameter rebuild functions, and the storage types (as persistent-id tags). Each is implemented
 * here as a pure data constructor; any other global is refused by the pickle machine.
 */
import { CheckpointError } from '../../errors';
import { Dtype } from '../dtypes';
import { describe, HostValue, PyDict, PyGlobal, PyTuple, PyValue } from './pickle-values';
import type { UnpicklePolicy } from './pickle-vm';

/** torch's legacy typed-storage classes, which torch.save still names, and their element types. */
const STORAGE_DTYPES: Readonly<Record<string, Dtype>> = {
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.DoubleStorage': 'F64',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

export interface TorchStorage extends HostValue {
  readonly pythonType: 'torch storage';
  /** Names the zip entry `data/<key>` holding the bytes. */
  readonly key: string;
  readonly dtype: Dtype;
  readonly numel: number;
}

export interface TorchTensor extends HostValue {
  readonly pythonType: 'torch tensor';
  readonly storage: TorchStorage;
  /** In elements of the storage. */
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

export function isTorchTensor(v: PyValue): v is TorchTensor {
  return typeof v === 'object' && v !== null && (v as HostValue).pythonType === 'torch tensor';
}

function isStorage(v: PyValue): v is TorchStorage {
  return typeof v === 'object' && v !== null && (v as HostValue).pythonType === 'torch storage';
}

const isCount = (v: PyValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The policy for one checkpoint; `where` names the file in messages. */
export function stateDictPolicy(where: string): UnpicklePolicy {
  const fail = (why: string): never => {
    throw new CheckpointError(`${where}: ${why}`);
  };
  const storages = new Map<string, TorchStorage>();

  const counts = (what: string, v: PyValue): number[] => {
    if (!(v instanceof PyTuple) || !v.items.every(isCount)) return fail(`${what} is ${describe(v)}, not a tuple of non-negative integers`);
    return v.items as number[];
  };

  const rebuildTensor = (args: readonly PyValue[]): TorchTensor => {
    const [storage, offset, size, stride, , hooks] = args;
    if (args.length < 6 || args.length > 7) fail(`_rebuild_tensor_v2 called with ${args.length} arguments, expected 6 or 7`);
    if (!isStorage(storage)) return fail(`_rebuild_tensor_v2: the storage is ${describe(storage)}`);
    if (!isCount(offset)) return fail(`_rebuild_tensor_v2: storage offset ${describe(offset)}`);
    const shape = counts('_rebuild_tensor_v2: size', size);
    const strides = counts('_rebuild_tensor_v2: stride', stride);
    if (shape.length !== strides.length) fail(`_rebuild_tensor_v2: size has ${shape.length} dimensions, stride ${strides.length}`);
    if (!(hooks instanceof PyDict) || hooks.entries.size) fail('_rebuild_tensor_v2: backward hooks are not supported');
    return { pythonType: 'torch tensor', storage, offset, shape, stride: strides };
  };

  const rebuildParameter = (args: readonly PyValue[]): TorchTensor => {
    if (args.length !== 3 || !isTorchTensor(args[0])) return fail(`_rebuild_parameter needs (tensor, requires_grad, hooks), got ${args.length} arguments`);
    return args[0];
  };

  const orderedDict = (args: readonly PyValue[]): PyDict => {
    if (args.length) fail(`collections.OrderedDict called with ${args.length} arguments; torch.save passes none`);
    return new PyDict();
  };

  const callables: Record<string, (args: readonly PyValue[]) => PyValue> = {
    'collections.OrderedDict': orderedDict,
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_parameter': rebuildParameter,
  };

  return {
    allowed: `${Object.keys(callables).join(', ')} and the torch.*Storage types`,
    findGlobal(qualname) {
      if (callables[qualname]) return new PyGlobal(qualname, callables[qualname]);
      if (STORAGE_DTYPES[qualname]) return new PyGlobal(qualname);
      return undefined;
    },
    persistentLoad(pid) {
      // torch.save: ('storage', storage type, key, location, numel)
      const items = pid instanceof PyTuple ? pid.items : [];
      const [tag, type, key, , numel] = items;
      if (items.length !== 5 || tag !== 'storage') return fail(`persistent id ${describe(pid)} is not a torch storage reference`);
      if (!(type instanceof PyGlobal) || !STORAGE_DTYPES[type.qualname]) return fail(`storage type ${describe(type)} is not a torch storage type`);
      if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) return fail(`storage key ${describe(key)} is not a plain name`);
      if (!isCount(numel)) return fail(`storage '${key}' has element count ${describe(numel)}`);
      const storage: TorchStorage = { pythonType: 'torch storage', key, dtype: STORAGE_DTYPES[type.qualname], numel };
      const seen = storages.get(key);
      if (seen && (seen.dtype !== storage.dtype || seen.numel !== storage.numel)) {
        fail(`storage '${key}' is declared twice with different types or sizes`);
      }
      storages.set(key, seen ?? storage);
      return seen ?? storage;
    },
  };
}
