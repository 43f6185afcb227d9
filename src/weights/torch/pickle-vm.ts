/**
 * A restricted pickle machine: the opcodes `torch.save` emits (protocol 2, plus the framing and
 * memo opcodes of protocols 3-5), nothing that builds arbitrary objects (INST, OBJ, NEWOBJ, EXT).
 * A global is resolved only through the policy, which knows a short allow-list; anything else is
 * refused when the GLOBAL opcode names it, before a REDUCE could call it. Every loop consumes input
 * and the stack and memo are bounded, so hostile bytes can neither hang nor exhaust memory.
 */
import { CheckpointError } from '../../errors';
import { describe, DictKey, PyDict, PyGlobal, PyList, PyTuple, PyValue } from './pickle-values';

export interface UnpicklePolicy {
  /** The allowed global `module.name`, or undefined to refuse it. */
  findGlobal(qualname: string): PyGlobal | undefined;
  /** What the policy allows, for the refusal message. */
  readonly allowed: string;
  /** Resolves a BINPERSID reference (torch: a storage). */
  persistentLoad(pid: PyValue): PyValue;
}

const MAX_STACK = 1 << 20;
const MAX_MEMO = 1 << 20;
const MAX_GLOBAL_NAME = 256;

/** Python 2 module names that protocol-2 pickles written by Python 3 still use. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Opcodes that construct arbitrary objects: named in the refusal so the reason is clear. */
const OBJECT_BUILDERS: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
};

/** Bytes as ISO-8859-1 text, one character per byte (what Python 2 strings and pickle names are); no Node Buffer. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

class PickleReader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, private readonly fail: (why: string) => never) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.bytes.length - this.pos) this.fail(`needs ${n} bytes, ${this.bytes.length - this.pos} left (truncated)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number { return this.take(1)[0]; }
  u16(): number { const p = this.skip(2); return this.view.getUint16(p, true); }
  u32(): number { const p = this.skip(4); return this.view.getUint32(p, true); }
  i32(): number { const p = this.skip(4); return this.view.getInt32(p, true); }
  u64(): number {
    const p = this.skip(8);
    const v = this.view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${v} is too large`);
    return Number(v);
  }
  f64(): number { const p = this.skip(8); return this.view.getFloat64(p, false); }
  /** A newline-terminated ASCII line of at most MAX_GLOBAL_NAME characters. */
  line(): string {
    const end = this.bytes.subarray(this.pos, this.pos + MAX_GLOBAL_NAME + 1).indexOf(0x0a);
    if (end < 0) this.fail(`expected a newline-terminated name of at most ${MAX_GLOBAL_NAME} characters`);
    const s = latin1(this.take(end));
    this.pos++;
    return s;
  }
  /** Little-endian two's complement integer of n bytes (LONG1/LONG4), which must fit a double exactly. */
  long(n: number): number {
    if (n > 8) this.fail(`integer of ${n} bytes is too large`);
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`integer ${v} is too large`);
    return Number(v);
  }
  private skip(n: number): number {
    const p = this.pos;
    this.take(n);
    return p;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Runs the pickle program `bytes` under `policy` and returns the object STOP leaves on the stack. */
export function unpickle(bytes: Uint8Array, policy: UnpicklePolicy, source: string): PyValue {
  let opStart = 0;
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: pickle byte ${opStart}: ${why}`);
  };
  const r = new PickleReader(bytes, fail);
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  let depth = 0;

  const push = (v: PyValue): void => {
    if (++depth > MAX_STACK) fail(`stack deeper than ${MAX_STACK} items`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    depth--;
    return stack.pop()!;
  };
  const top = (): PyValue => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): PyValue[] => {
    const items = stack;
    stack = marks.pop() ?? fail('no MARK to pop to');
    depth -= items.length + 1; // the items and the mark itself
    return items;
  };
  const put = (index: number): void => {
    if (!memo.has(index) && memo.size >= MAX_MEMO) fail(`memo larger than ${MAX_MEMO} entries`);
    memo.set(index, top());
  };
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} is not defined`);
    push(memo.get(index)!);
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const key = (k: PyValue): DictKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') return k;
    return fail(`dict key ${describe(k)} is not supported (only str, int, bool, None)`);
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) fail(`SETITEM(S) on ${describe(dict)}, not a dict`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).entries.set(key(items[i]), items[i + 1]);
  };
  const appendItems = (list: PyValue, items: PyValue[]): void => {
    if (!(list instanceof PyList)) fail(`APPEND(S) on ${describe(list)}, not a list`);
    for (const v of items) (list as PyList).items.push(v); // no spread: items may be too many for call arguments
  };
  const global = (module: string, name: string): void => {
    const qualname = `${PY2_MODULES[module] ?? module}.${name}`;
    const found = policy.findGlobal(qualname);
    if (!found) fail(`refused to load the global ${qualname}: a checkpoint may only use ${policy.allowed}. Nothing in the file was executed.`);
    push(found!);
  };

  while (r.pos < bytes.length) {
    opStart = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: { const v = r.u8(); if (v > 5) fail(`unknown pickle protocol ${v}`); break; } // PROTO
      case 0x95: r.u64(); break; // FRAME: only a buffering hint
      case 0x2e: { // STOP
        const result = pop();
        if (stack.length || marks.length) fail('STOP with items left on the stack');
        return result;
      }
      case 0x28: // MARK
        if (++depth > MAX_STACK) fail(`stack deeper than ${MAX_STACK} items`);
        marks.push(stack);
        stack = [];
        break;
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); push(new PyTuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push(new PyTuple([pop(), b, c])); break; } // TUPLE3
      case 0x5d: push(new PyList()); break; // EMPTY_LIST
      case 0x6c: { const l = new PyList(); appendItems(l, popMark()); push(l); break; } // LIST
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); const items = popMark(); setItems(d, items); push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(r.i32()); break; // BININT
      case 0x4b: push(r.u8()); break; // BININT1
      case 0x4d: push(r.u16()); break; // BININT2
      case 0x8a: push(r.long(r.u8())); break; // LONG1
      case 0x8b: push(r.long(r.u32())); break; // LONG4
      case 0x47: push(r.f64()); break; // BINFLOAT
      case 0x58: push(text(r.take(r.u32()))); break; // BINUNICODE
      case 0x8c: push(text(r.take(r.u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(text(r.take(r.u64()))); break; // BINUNICODE8
      case 0x54: push(latin1(r.take(r.i32()))); break; // BINSTRING
      case 0x55: push(latin1(r.take(r.u8()))); break; // SHORT_BINSTRING
      case 0x42: push(r.take(r.u32()).slice()); break; // BINBYTES
      case 0x43: push(r.take(r.u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(r.take(r.u64()).slice()); break; // BINBYTES8
      case 0x63: { const module = r.line(); global(module, r.line()); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        global(module as string, name as string);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PyGlobal) || !callable.call) fail(`REDUCE calls ${describe(callable)}, which is not an allowed callable`);
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments are ${describe(args)}, not a tuple`);
        push((callable as PyGlobal).call!((args as PyTuple).items));
        break;
      }
      case 0x62: { // BUILD: only a dict's instance attributes (OrderedDict._metadata)
        const state = pop();
        const target = top();
        if (!(target instanceof PyDict) || !(state instanceof PyDict)) fail(`BUILD of ${describe(target)} with ${describe(state)} is not allowed`);
        (target as PyDict).attributes = state as PyDict;
        break;
      }
      case 0x51: push(policy.persistentLoad(pop())); break; // BINPERSID
      case 0x71: put(r.u8()); break; // BINPUT
      case 0x72: put(r.u32()); break; // LONG_BINPUT
      case 0x94: put(memo.size); break; // MEMOIZE
      case 0x68: get(r.u8()); break; // BINGET
      case 0x6a: get(r.u32()); break; // LONG_BINGET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      default:
        fail(OBJECT_BUILDERS[op]
          ? `opcode ${OBJECT_BUILDERS[op]} builds arbitrary objects and is refused`
          : `unsupported opcode 0x${op.toString(16).padStart(2, '0')} (not used by torch.save)`);
    }
  }
  return fail('the pickle ends without STOP (truncated)');
}
