/** The Python values a restricted unpickle can produce: plain data plus explicitly allowed globals. */

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export class PyList {
  readonly items: PyValue[] = [];
}

export type DictKey = string | number | boolean | null;

export class PyDict {
  readonly entries = new Map<DictKey, PyValue>();
  /** Instance attributes set by BUILD (a state dict's `_metadata`); kept, never interpreted. */
  attributes: PyDict | null = null;
}

/** A global the policy allowed, with its (TypeScript) implementation if it may be called. */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly call: ((args: readonly PyValue[]) => PyValue) | null = null,
  ) {}
}

/** Values made by the policy's own callables (storages, tensors). */
export interface HostValue {
  readonly pythonType: string;
}

export type PyValue = null | boolean | number | string | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | HostValue;

/** A short description for messages (never recursive: hostile pickles can build cycles). */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return `int ${v}`;
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (v instanceof PyTuple) return `tuple of ${v.items.length}`;
  if (v instanceof PyList) return `list of ${v.items.length}`;
  if (v instanceof PyDict) return `dict of ${v.entries.size}`;
  if (v instanceof PyGlobal) return v.qualname;
  return v.pythonType;
}
