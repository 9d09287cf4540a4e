/**
 * A restricted pickle machine: it reads the opcodes of protocols 2-5 that hold data (numbers,
 * strings, bytes, tuples, lists, dicts, sets, the memo, marks) and hands every opcode that would
 * reach outside the data (GLOBAL / STACK_GLOBAL, REDUCE, NEWOBJ, BUILD, BINPERSID) to a policy,
 * which decides from an allow-list. Opcodes that import or instantiate by other routes (INST,
 * OBJ, EXT*, PERSID) are refused outright. Nothing is ever looked up by name or executed.
 *
 * The machine is iterative (no recursion on nesting) and bounded: memo entries, container nesting
 * and the pickle's own size are capped, so a crafted file cannot exhaust memory or the stack.
 */
import { CheckpointFormatError, UnsafeCheckpointError } from './errors.js';

/** A Python tuple (kept apart from lists so arguments can be checked). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {
    Object.freeze(this);
  }
}

/** A Python `dict` (or `collections.OrderedDict`, `ordered: true`): string/number keys only. */
export class PickleDict {
  readonly entries = new Map<string | number | bigint | boolean | null, PickleValue>();
  /** Attributes set by BUILD (an OrderedDict's `_metadata`); never interpreted. */
  attributes: PickleValue = null;
  constructor(readonly ordered: boolean) {}
}

/** Anything a policy returns for a global, a call or a persistent id. */
export interface PickleOpaque {
  readonly kind: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleTuple
  | PickleValue[]
  | PickleDict
  | Set<PickleValue>
  | PickleOpaque;

/** What the file may reach outside plain data. Each hook throws to refuse. */
export interface PicklePolicy {
  /** GLOBAL / STACK_GLOBAL `module name`. */
  global(module: string, name: string): PickleValue;
  /** REDUCE: `callable(*args)`. */
  reduce(callable: PickleValue, args: PickleTuple): PickleValue;
  /** NEWOBJ: `cls.__new__(cls, *args)`. */
  newObject(cls: PickleValue, args: PickleTuple): PickleValue;
  /** BUILD: `instance.__setstate__(state)`; returns the (possibly new) instance. */
  build(instance: PickleValue, state: PickleValue): PickleValue;
  /** BINPERSID. */
  persistentLoad(pid: PickleValue): PickleValue;
}

/** Bounds on what one pickle may build. */
export interface PickleLimits {
  /** Largest pickle accepted, bytes. Default 64 MiB (a V2-L state dict pickle is ~0.1 MB). */
  maxPickleBytes: number;
  /** Most memo entries. Default 1,000,000. */
  maxMemoEntries: number;
  /** Deepest container nesting (and MARK nesting). Default 100. */
  maxDepth: number;
}

export const DEFAULT_PICKLE_LIMITS: Readonly<PickleLimits> = Object.freeze({
  maxPickleBytes: 64 * 1024 * 1024,
  maxMemoEntries: 1_000_000,
  maxDepth: 100,
});

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Opcodes that import or build objects by routes the policy cannot see. */
const REFUSED = new Set([
  0x69 /* INST */, 0x6f /* OBJ */, 0x82, 0x83, 0x84 /* EXT */, 0x50 /* PERSID */, 0x92 /* NEWOBJ_EX */, 0x97, 0x98,
]);

const depthOf = (value: PickleValue, depths: WeakMap<object, number>): number =>
  value !== null && typeof value === 'object' ? (depths.get(value) ?? 1) : 0;

const hashable = (value: PickleValue, source: string): string | number | bigint | boolean | null => {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean'
  )
    return value;
  throw new CheckpointFormatError(
    'pickle',
    `${source}: dict key of type ${value instanceof PickleTuple ? 'tuple' : typeof value} is not supported in a checkpoint`,
  );
};

/**
 * Runs a pickle under a policy and returns the object it describes.
 *
 * @example
 * const root = unpickle(bytes, torchPolicy, { source: 'model.pth' });
 */
export function unpickle(
  bytes: Uint8Array,
  policy: PicklePolicy,
  options: { source: string; limits?: Partial<PickleLimits> },
): PickleValue {
  const { source } = options;
  const limits = { ...DEFAULT_PICKLE_LIMITS, ...options.limits };
  const bad = (message: string): never => {
    throw new CheckpointFormatError('pickle', `${source}: ${message}`);
  };
  const overLimit = (message: string): never => {
    throw new CheckpointFormatError('limit', `${source}: ${message}`);
  };
  if (bytes.byteLength > limits.maxPickleBytes)
    overLimit(`pickle of ${bytes.byteLength} bytes exceeds the ${limits.maxPickleBytes}-byte limit`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const depths = new WeakMap<object, number>();
  const memo = new Map<number, PickleValue>();
  let stack: PickleValue[] = [];
  const marks: PickleValue[][] = [];
  let at = 0;

  const need = (count: number, what: string): number => {
    if (count < 0 || at + count > bytes.byteLength)
      bad(`truncated pickle: ${what} needs ${count} bytes at offset ${at}, ${bytes.byteLength - at} left`);
    const start = at;
    at += count;
    return start;
  };
  const u8 = (): number => bytes[need(1, 'an argument')]!;
  const u16 = (): number => view.getUint16(need(2, 'an argument'), true);
  const u32 = (): number => view.getUint32(need(4, 'an argument'), true);
  const u64 = (what: string): number => {
    const value = view.getBigUint64(need(8, what), true);
    if (value > BigInt(bytes.byteLength)) bad(`${what} of ${value} bytes is longer than the pickle`);
    return Number(value);
  };
  const text = (length: number): string => {
    const start = need(length, 'a string');
    try {
      return utf8.decode(bytes.subarray(start, start + length));
    } catch {
      return bad(`string at offset ${start} is not UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) bad('truncated pickle: GLOBAL without its newline');
    const value = new TextDecoder('latin1').decode(bytes.subarray(at, end));
    at = end + 1;
    return value;
  };
  // A function, not `stack.push(...)`: the argument may pop a MARK and replace `stack`.
  const push = (value: PickleValue): void => {
    stack.push(value);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) bad(`stack underflow at offset ${at - 1}`);
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) bad(`stack underflow at offset ${at - 1}`);
    return stack[stack.length - 1]!;
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) bad(`MARK expected before offset ${at - 1}`);
    stack = previous!;
    return items;
  };
  // A container's depth is one more than its deepest child; checked whenever it grows.
  const nest = <T extends object>(container: T, children: Iterable<PickleValue>): T => {
    let depth = depths.get(container) ?? 1;
    for (const child of children) depth = Math.max(depth, depthOf(child, depths) + 1);
    if (depth > limits.maxDepth)
      overLimit(`containers nested deeper than ${limits.maxDepth} levels (a recursion bomb?)`);
    depths.set(container, depth);
    return container;
  };
  const remember = (index: number): void => {
    if (!memo.has(index) && memo.size >= limits.maxMemoEntries)
      overLimit(`more than ${limits.maxMemoEntries} memo entries (a memo bomb?)`);
    memo.set(index, top());
  };
  const recall = (index: number): PickleValue => {
    if (!memo.has(index)) bad(`memo entry ${index} read before it was written`);
    return memo.get(index)!;
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof PickleDict))
      throw new UnsafeCheckpointError(
        'SETITEMS',
        `${source}: SETITEM(S) on a ${describe(target)}; only dicts can take items`,
      );
    if (items.length % 2 !== 0) bad('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.entries.set(hashable(items[i]!, source), items[i + 1]!);
    nest(target, items);
  };
  const appendItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target))
      throw new UnsafeCheckpointError(
        'APPENDS',
        `${source}: APPEND(S) on a ${describe(target)}; only lists can be extended`,
      );
    for (const item of items) target.push(item);
    nest(target, items);
  };
  const tuple = (items: PickleValue[]): PickleTuple => nest(new PickleTuple(items), items);
  const integer = (value: bigint): number | bigint =>
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  const long = (length: number): number | bigint => {
    if (length > 64) overLimit(`integer of ${length} bytes (over 64)`);
    const start = need(length, 'a LONG');
    let value = 0n;
    for (let i = length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(bytes[start + i]!);
    if (length > 0 && bytes[start + length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
    return integer(value);
  };

  for (;;) {
    if (at >= bytes.byteLength) bad('truncated pickle: no STOP opcode');
    const opcode = bytes[at]!;
    at += 1;
    if (REFUSED.has(opcode))
      throw new UnsafeCheckpointError(
        OPCODE_NAMES[opcode]!,
        `${source}: refused pickle opcode ${OPCODE_NAMES[opcode]} (it builds objects outside the allow-list)`,
      );
    switch (opcode) {
      case 0x80: {
        // PROTO
        const protocol = u8();
        if (protocol > 5) bad(`pickle protocol ${protocol} is newer than 5`);
        break;
      }
      case 0x95:
        need(8, 'FRAME');
        break; // framing is only a read-ahead hint
      case 0x2e: {
        // STOP
        const result = pop();
        return result;
      }
      case 0x28: // MARK
        if (marks.length >= limits.maxDepth)
          overLimit(`MARKs nested deeper than ${limits.maxDepth} levels (a recursion bomb?)`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        push(top());
        break; // DUP
      case 0x4e:
        push(null);
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4a:
        push(view.getInt32(need(4, 'BININT'), true));
        break;
      case 0x4b:
        push(u8());
        break;
      case 0x4d:
        push(u16());
        break;
      case 0x8a:
        push(long(u8()));
        break; // LONG1
      case 0x8b:
        push(long(u32()));
        break; // LONG4
      case 0x47:
        push(view.getFloat64(need(8, 'BINFLOAT'), false));
        break;
      case 0x58:
        push(text(u32()));
        break; // BINUNICODE
      case 0x8c:
        push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        push(text(u64('BINUNICODE8')));
        break;
      case 0x55:
      case 0x43: {
        // SHORT_BINSTRING, SHORT_BINBYTES
        const length = u8();
        const start = need(length, 'bytes');
        push(bytes.slice(start, start + length));
        break;
      }
      case 0x54:
      case 0x42: {
        // BINSTRING, BINBYTES
        const length = u32();
        const start = need(length, 'bytes');
        push(bytes.slice(start, start + length));
        break;
      }
      case 0x8e:
      case 0x96: {
        // BINBYTES8, BYTEARRAY8
        const length = u64('BINBYTES8');
        const start = need(length, 'bytes');
        push(bytes.slice(start, start + length));
        break;
      }
      case 0x29:
        push(tuple([]));
        break;
      case 0x74:
        push(tuple(popMark()));
        break;
      case 0x85:
        push(tuple([pop()]));
        break;
      case 0x86: {
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      }
      case 0x5d:
        push([]);
        break;
      case 0x6c:
        push(nest(popMark(), []));
        break; // LIST
      case 0x61: {
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d:
        push(new PickleDict(false));
        break;
      case 0x64: {
        const items = popMark();
        const dict = new PickleDict(false);
        setItems(dict, items);
        push(dict);
        break;
      }
      case 0x73: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f:
        push(new Set());
        break; // EMPTY_SET
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const target = top();
        if (!(target instanceof Set))
          throw new UnsafeCheckpointError('ADDITEMS', `${source}: ADDITEMS on a ${describe(target)}`);
        for (const item of items) target.add(item);
        nest(target, items);
        break;
      }
      case 0x91: {
        const items = popMark();
        push(nest(new Set(items), items));
        break;
      } // FROZENSET
      case 0x71:
        remember(u8());
        break; // BINPUT
      case 0x72:
        remember(u32());
        break; // LONG_BINPUT
      case 0x94:
        remember(memo.size);
        break; // MEMOIZE
      case 0x68:
        push(recall(u8()));
        break; // BINGET
      case 0x6a:
        push(recall(u32()));
        break; // LONG_BINGET
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(policy.global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('STACK_GLOBAL needs two strings');
        push(policy.global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(args instanceof PickleTuple)) bad('REDUCE arguments must be a tuple');
        push(policy.reduce(callable, args as PickleTuple));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PickleTuple)) bad('NEWOBJ arguments must be a tuple');
        push(policy.newObject(cls, args as PickleTuple));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const instance = pop();
        push(policy.build(instance, state));
        break;
      }
      case 0x51:
        push(policy.persistentLoad(pop()));
        break; // BINPERSID
      default:
        throw new UnsafeCheckpointError(
          OPCODE_NAMES[opcode] ?? `0x${opcode.toString(16)}`,
          `${source}: unsupported pickle opcode ${OPCODE_NAMES[opcode] ?? `0x${opcode.toString(16).padStart(2, '0')}`} ` +
            `at offset ${at - 1} (torch.save writes protocol 2)`,
        );
    }
  }
}

/** A short Python-like type name for messages. */
export function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PickleTuple) return 'tuple';
  if (value instanceof PickleDict) return value.ordered ? 'OrderedDict' : 'dict';
  if (value instanceof Set) return 'set';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return value.kind;
  return typeof value === 'number'
    ? Number.isInteger(value)
      ? 'int'
      : 'float'
    : typeof value === 'bigint'
      ? 'int'
      : typeof value === 'boolean'
        ? 'bool'
        : 'str';
}
