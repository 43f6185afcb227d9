/**
 * Test-only writer of `torch.save` zip checkpoints (no torch here): a protocol-2 pickle of an
 * OrderedDict of `_rebuild_tensor_v2` calls on typed storages, as torch.save emits it, and a zip of
 * stored entries, written entry by entry so a full-size checkpoint never sits in memory.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

const STORAGE_CLASS = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage', I64: 'LongStorage' } as const;

export interface TorchTensorToWrite {
  name: string;
  dtype: keyof typeof STORAGE_CLASS;
  shape: number[];
  /** Little-endian bytes of the whole storage, made when the writer reaches it. */
  bytes: () => Uint8Array;
  /** Pickled through torch._utils._rebuild_parameter, as an nn.Parameter is. */
  parameter?: boolean;
}

/** Pickle opcodes, protocol 2. */
export const op = {
  proto2: [0x80, 0x02], stop: [0x2e], mark: [0x28], tuple: [0x74], emptyTuple: [0x29], reduce: [0x52],
  setitems: [0x75], binpersid: [0x51], newfalse: [0x89], build: [0x62], emptyDict: [0x7d], setitem: [0x73],
};

export function global(module: string, name: string): number[] {
  return [0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1')];
}

export function unicode(s: string): number[] {
  const b = Buffer.from(s, 'utf-8');
  const n = Buffer.alloc(4);
  n.writeUInt32LE(b.length);
  return [0x58, ...n, ...b];
}

export function int(v: number): number[] {
  if (v < 256) return [0x4b, v];
  if (v < 65536) return [0x4d, v & 0xff, v >> 8];
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return [0x4a, ...b];
}

const intTuple = (values: number[]): number[] => [...op.mark, ...values.flatMap(int), ...op.tuple];
const emptyOrderedDict = (): number[] => [...global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce];

/** `torch.save(state_dict)`'s data.pkl for contiguous tensors, storage i = tensor i. */
export function stateDictPickle(tensors: readonly TorchTensorToWrite[]): Uint8Array {
  const out: number[] = [...op.proto2, ...emptyOrderedDict(), ...op.mark];
  tensors.forEach((t, i) => {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const storage = [...op.mark, ...unicode('storage'), ...global('torch', STORAGE_CLASS[t.dtype]), ...unicode(String(i)), ...unicode('cpu'), ...int(numel), ...op.tuple, ...op.binpersid];
    const tensor = [...global('torch._utils', '_rebuild_tensor_v2'), ...op.mark, ...storage, ...int(0), ...intTuple(t.shape), ...intTuple(stride), ...op.newfalse, ...emptyOrderedDict(), ...op.tuple, ...op.reduce];
    const value = t.parameter ? [...global('torch._utils', '_rebuild_parameter'), ...op.mark, ...tensor, ...op.newfalse, ...emptyOrderedDict(), ...op.tuple, ...op.reduce] : tensor;
    out.push(...unicode(t.name), ...value);
  });
  out.push(...op.setitems, ...op.stop);
  return Uint8Array.from(out);
}

export interface ZipEntryToWrite {
  name: string;
  bytes: () => Uint8Array;
}

const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };

/**
 * A zip of stored entries. `zip64: true` writes sizes and offsets only in ZIP64 fields (as an
 * archive over 4 GB must), so the ZIP64 path is exercised without writing 4 GB.
 */
export function writeZip(file: string, entries: readonly ZipEntryToWrite[], options: { zip64?: boolean } = {}): void {
  const fd = fs.openSync(file, 'w');
  let position = 0;
  const write = (...parts: Uint8Array[]) => parts.forEach((p) => { fs.writeSync(fd, p); position += p.length; });
  const central: Buffer[] = [];
  try {
    for (const entry of entries) {
      const data = entry.bytes();
      const name = Buffer.from(entry.name, 'utf-8');
      const crc = zlib.crc32(data);
      const offset = position;
      const small = (v: number) => (options.zip64 ? 0xffffffff : v);
      const extra = options.zip64 ? Buffer.concat([u16(1), u16(24), u64(data.length), u64(data.length), u64(offset)]) : Buffer.alloc(0);
      const localExtra = options.zip64 ? Buffer.concat([u16(1), u16(16), u64(data.length), u64(data.length)]) : Buffer.alloc(0);
      const common = [u16(options.zip64 ? 45 : 20), u16(0), u16(0), u16(0), u16(0x21), u32(crc), u32(small(data.length)), u32(small(data.length)), u16(name.length)];
      write(Buffer.concat([u32(0x04034b50), ...common, u16(localExtra.length), name, localExtra]), data);
      central.push(Buffer.concat([u32(0x02014b50), u16(45), ...common, u16(extra.length), u16(0), u16(0), u16(0), u32(0), u32(small(offset)), name, extra]));
    }
    const cdOffset = position;
    const cd = Buffer.concat(central);
    write(cd);
    const zip64EocdOffset = position;
    if (options.zip64) {
      write(Buffer.concat([u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0), u64(entries.length), u64(entries.length), u64(cd.length), u64(cdOffset)]));
      write(Buffer.concat([u32(0x07064b50), u32(0), u64(zip64EocdOffset), u32(1)]));
    }
    const count = options.zip64 ? 0xffff : entries.length;
    write(Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(cd.length), u32(options.zip64 ? 0xffffffff : cdOffset), u16(0)]));
  } finally {
    fs.closeSync(fd);
  }
}

/** A checkpoint as torch.save writes it: `<archive>/data.pkl`, `<archive>/data/<i>`, `<archive>/version`. */
export function writeTorchCheckpoint(file: string, tensors: readonly TorchTensorToWrite[], options: { archive?: string; zip64?: boolean; pickle?: Uint8Array } = {}): void {
  const archive = options.archive ?? 'archive';
  const pickle = options.pickle ?? stateDictPickle(tensors);
  writeZip(file, [
    { name: `${archive}/data.pkl`, bytes: () => pickle },
    ...tensors.map((t, i) => ({ name: `${archive}/data/${i}`, bytes: t.bytes })),
    { name: `${archive}/version`, bytes: () => Buffer.from('3\n') },
  ], options);
}

