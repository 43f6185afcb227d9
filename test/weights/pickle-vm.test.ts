/** Hostile and unusual pickles: refused with a CheckpointError naming the problem, never run, never hung. */
import { CheckpointError } from '../../src/errors';
import { unpickle } from '../../src/weights/torch/pickle-vm';
import { PyDict } from '../../src/weights/torch/pickle-values';
import { stateDictPolicy } from '../../src/weights/torch/torch-globals';
import { global, int, op, unicode } from '../support/torch-zip-writer';

const run = (bytes: number[]) => unpickle(Uint8Array.from(bytes), stateDictPolicy('test.pkl'), 'test.pkl');
const refused = (bytes: number[] | Uint8Array, message: RegExp) => {
  let error: unknown;
  try {
    unpickle(Uint8Array.from(bytes), stateDictPolicy('test.pkl'), 'test.pkl');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toMatch(message);
};

test('an OrderedDict with _metadata set by BUILD (as a real state dict has)', () => {
  const metadata = [...op.emptyDict, ...unicode('_metadata'), ...op.emptyDict, ...op.setitem];
  const result = run([...op.proto2, ...global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce, ...metadata, ...op.build, ...op.stop]);
  expect(result).toBeInstanceOf(PyDict);
  expect((result as PyDict).attributes?.entries.has('_metadata')).toBe(true);
});

test.each([
  ['os.system', global('os', 'system')],
  ['subprocess.Popen', global('subprocess', 'Popen')],
  ['builtins.getattr', global('__builtin__', 'getattr')],
  ['torch.load', global('torch', 'load')],
  ['builtins.exec', [...unicode('builtins'), ...unicode('exec'), 0x93]], // STACK_GLOBAL
])('refuses the global %s when it is named, before any call', (name, bytes) => {
  refused([...op.proto2, ...bytes, ...op.emptyTuple, ...op.reduce, ...op.stop], new RegExp(`refused to load the global ${name.replace('.', '\\.')}`));
});

test.each([
  ['INST', [0x69, ...Buffer.from('os\nsystem\n')]],
  ['OBJ', [...op.mark, 0x6f]],
  ['NEWOBJ', [0x81]],
  ['EXT1', [0x82, 1]],
  ['PERSID', [0x50, ...Buffer.from('x\n')]],
])('refuses the object-building opcode %s', (name, bytes) => {
  refused([...op.proto2, ...bytes, ...op.stop], new RegExp(`opcode ${name} builds arbitrary objects`));
});

test('malformed programs fail with a position and a reason', () => {
  refused([...op.proto2, 0xff], /pickle byte 2: unsupported opcode 0xff/);
  refused([...op.proto2, ...int(1)], /ends without STOP/);
  refused([...op.proto2, ...op.stop], /stack underflow/);
  refused([...op.proto2, 0x68, 7, ...op.stop], /memo entry 7 is not defined/);
  refused([...op.proto2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x41], /needs 2147483647 bytes, 1 left \(truncated\)/);
  refused([...op.proto2, 0x8a, 9, ...new Array(9).fill(0xff), ...op.stop], /integer of 9 bytes is too large/);
  refused([0x63, ...new Array(300).fill(0x41), 0x0a], /newline-terminated name of at most 256/);
  refused([...int(1), ...int(2), ...op.stop], /STOP with items left on the stack/);
  refused([...op.proto2, ...global('torch', 'FloatStorage'), ...op.emptyTuple, ...op.reduce, ...op.stop], /REDUCE calls torch\.FloatStorage, which is not an allowed callable/);
  refused([...op.proto2, ...int(1), ...op.emptyDict, ...op.build, ...op.stop], /BUILD of int 1 with dict of 0 is not allowed/);
  refused([...op.proto2, ...int(1), ...op.binpersid, ...op.stop], /persistent id int 1 is not a torch storage reference/);
});

test('stack and memo are bounded: a MARK bomb is refused quickly', () => {
  const started = Date.now();
  refused(new Uint8Array(1_100_000).fill(op.mark[0]), /stack deeper than 1048576 items/);
  const memoBomb = Buffer.alloc(3 + 5 * 1_100_000);
  memoBomb.set([...op.proto2, op.emptyTuple[0]]);
  for (let i = 0; i < 1_100_000; i++) {
    memoBomb[3 + 5 * i] = 0x72; // LONG_BINPUT i
    memoBomb.writeUInt32LE(i, 3 + 5 * i + 1);
  }
  refused(memoBomb, /memo larger than 1048576 entries/);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('_rebuild_tensor_v2 arguments are validated', () => {
  const storage = [...op.mark, ...unicode('storage'), ...global('torch', 'FloatStorage'), ...unicode('0'), ...unicode('cpu'), ...int(4), ...op.tuple, ...op.binpersid];
  const hooks = [...global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce];
  const rebuild = (size: number[], stride: number[]) => [...op.proto2, ...global('torch._utils', '_rebuild_tensor_v2'), ...op.mark, ...storage, ...int(0), ...size, ...stride, ...op.newfalse, ...hooks, ...op.tuple, ...op.reduce, ...op.stop];
  const tuple = (xs: number[]) => [...op.mark, ...xs.flatMap(int), ...op.tuple];
  expect(run(rebuild(tuple([2, 2]), tuple([2, 1])))).toMatchObject({ pythonType: 'torch tensor', shape: [2, 2], stride: [2, 1] });
  refused(rebuild(tuple([2, 2]), tuple([1])), /size has 2 dimensions, stride 1/);
  refused(rebuild(unicode('x'), tuple([1])), /size is str "x", not a tuple of non-negative integers/);
});
