import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointFormatError,
  UnsafeCheckpointError,
  WeightLoadError,
  buildEfficientNet,
  efficientNetB0,
  exportTorchvisionWeights,
  loadTorchvisionWeights,
  readPth,
  readSafetensors,
  readWeights,
  timmToTorchvisionKeys,
  type EfficientNetConfig,
  type SafeTensor,
  type WeightLoadReport,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';
import { PTH_FIXTURES, checkpointWithPickle, concat, op, storedZip } from './pth-helpers.js';

const read = (name: string) => new Uint8Array(readFileSync(resolve(PTH_FIXTURES, name)));
const hostile = (name: string) => read(`hostile/${name}`);

const sameTensor = (mine: SafeTensor | undefined, reference: SafeTensor, key: string) => {
  expect(mine, key).toBeDefined();
  expect(mine!.dtype, key).toBe(reference.dtype);
  expect(mine!.shape, key).toEqual(reference.shape);
  expect(Array.from(mine!.data as ArrayLike<number>), key).toEqual(Array.from(reference.data as ArrayLike<number>));
};

/** The tiny torchvision model of make-pth-fixtures.py: every block type once. */
const TINY: EfficientNetConfig = {
  name: 'tiny',
  stages: [
    {
      block: 'FusedMBConv',
      expandRatio: 1,
      kernelSize: 3,
      stride: 1,
      inputChannels: 8,
      outputChannels: 8,
      numLayers: 1,
    },
    {
      block: 'FusedMBConv',
      expandRatio: 2,
      kernelSize: 3,
      stride: 2,
      inputChannels: 8,
      outputChannels: 16,
      numLayers: 1,
    },
    { block: 'MBConv', expandRatio: 1, kernelSize: 3, stride: 1, inputChannels: 16, outputChannels: 16, numLayers: 1 },
    { block: 'MBConv', expandRatio: 2, kernelSize: 3, stride: 2, inputChannels: 16, outputChannels: 24, numLayers: 1 },
  ],
  widthMultiplier: 1,
  depthMultiplier: 1,
  lastChannels: 32,
  batchNorm: { epsilon: 1e-5, momentum: 0.1 },
  dropout: 0.2,
  stochasticDepthProb: 0.2,
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Loads fixture `file` and fixture `reference` into two fresh TINY models: the report of `file`,
 * and whether both models then export the same bytes (the models are disposed, no tensor left).
 */
function loadBeside(file: string, reference: string): { report: WeightLoadReport; sameWeights: boolean } {
  const before = tf.memory().numTensors;
  const model = buildEfficientNet(TINY, { numClasses: 3, initializer: 'zeros' });
  const referenceModel = buildEfficientNet(TINY, { numClasses: 3, initializer: 'zeros' });
  const report = loadTorchvisionWeights(model, read(file), { source: file });
  loadTorchvisionWeights(referenceModel, read(reference));
  const sameWeights = Buffer.from(exportTorchvisionWeights(model)).equals(
    Buffer.from(exportTorchvisionWeights(referenceModel)),
  );
  model.dispose();
  referenceModel.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { report, sameWeights };
}

describe('readPth: files written by torch.save', () => {
  it('a torchvision state dict gives exactly the tensors of the same weights as .safetensors', () => {
    const pth = readPth(read('tiny.pth'), { source: 'tiny.pth' });
    const reference = readSafetensors(read('tiny.safetensors')).tensors;
    expect([...pth.tensors.keys()]).toEqual([...reference.keys()]); // state dict order kept
    for (const [key, tensor] of reference) sameTensor(pth.tensors.get(key), tensor, key);
    expect(pth.metadata).toMatchObject({ format: 'pth', version: '3', byteorder: 'little' });
    expect(pth.checkpointKey).toBeNull();
    expect(pth.tensors.get('features.0.1.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
  });

  it('F16, BF16, F64, I64, I32, U8, BOOL, transposed, strided, offset, stride-0, empty views and a Parameter', () => {
    const pth = readPth(read('dtypes.pth')).tensors;
    const reference = readSafetensors(read('dtypes.safetensors')).tensors;
    expect(pth.size).toBe(14);
    for (const [key, tensor] of reference) sameTensor(pth.get(key), tensor, key);
    expect(pth.get('i64_scalar')!.data).toEqual(new BigInt64Array([123456789012345n]));
    expect(Array.from(pth.get('offset_long')!.data as BigInt64Array)).toEqual(
      [5n, 6n, 7n, 8n].map((v) => v * 1_000_000_007n),
    );
    expect(pth.get('transposed')!.shape).toEqual([6, 4]);
  });

  it('a big-endian file (byteorder "big") reads the same values', () => {
    expect(Array.from(readPth(read('big-endian.pth')).tensors.get('w')!.data as Float32Array)).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
  });

  it('checkpoint dicts: the state dict is found under "state_dict" / "model", module. is stripped, both reported', () => {
    const expected = readSafetensors(read('checkpoint-expected.safetensors')).tensors;
    const raw = readPth(read('checkpoint-state-dict.pth'));
    expect(raw.checkpointKey).toBe('state_dict');
    expect([...raw.tensors.keys()].every((key) => key.startsWith('module.'))).toBe(true);
    for (const [name, expectedKey] of [
      ['checkpoint-state-dict.pth', 'state_dict'],
      ['checkpoint-model.pth', 'model'],
    ] as const) {
      const contents = readWeights(read(name), { source: name });
      expect(contents.format).toBe('pth');
      expect(contents.notes[0]).toBe(`${name}: state dict taken from the checkpoint's "${expectedKey}" entry`);
      expect(contents.notes.some((note) => note.includes('"module." prefix'))).toBe(
        name === 'checkpoint-state-dict.pth',
      );
      for (const [key, tensor] of expected) sameTensor(contents.tensors.get(key), tensor, key);
    }
  });

  it('loads into a model exactly as the .safetensors does (strict), and is reported as pth', () => {
    const { report, sameWeights } = loadBeside('tiny.pth', 'tiny.safetensors');
    expect(report).toMatchObject({ missing: [], unexpected: [], mismatched: [], loadedFraction: 1 });
    expect(sameWeights).toBe(true);
  });

  it('timm names (conv_stem, blocks.i.j.conv_dw, se.conv_reduce, conv_pwl, conv_head, classifier) load onto the same layers', () => {
    const { report, sameWeights } = loadBeside('tiny-timm.safetensors', 'tiny.pth');
    expect(report.notes).toEqual(["tiny-timm.safetensors: timm key names mapped onto torchvision's"]);
    expect(report).toMatchObject({ missing: [], unexpected: [], mismatched: [] });
    expect(sameWeights).toBe(true);
  });

  it("timm's B-series block names map as timm/efficientnet_b3.ra2_in1k lays them out", () => {
    const names = timmToTorchvisionKeys([
      'conv_stem.weight',
      'bn1.running_var',
      'blocks.0.0.conv_dw.weight',
      'blocks.0.0.se.conv_reduce.bias',
      'blocks.0.0.conv_pw.weight',
      'blocks.0.0.bn2.weight',
      'blocks.6.1.conv_pw.weight',
      'blocks.6.1.conv_dw.weight',
      'blocks.6.1.bn3.bias',
      'blocks.6.1.conv_pwl.weight',
      'blocks.6.1.se.conv_expand.weight',
      'conv_head.weight',
      'bn2.bias',
      'classifier.weight',
    ]);
    expect(Object.fromEntries(names)).toEqual({
      'conv_stem.weight': 'features.0.0.weight',
      'bn1.running_var': 'features.0.1.running_var',
      'blocks.0.0.conv_dw.weight': 'features.1.0.block.0.0.weight',
      'blocks.0.0.se.conv_reduce.bias': 'features.1.0.block.1.fc1.bias',
      'blocks.0.0.conv_pw.weight': 'features.1.0.block.2.0.weight',
      'blocks.0.0.bn2.weight': 'features.1.0.block.2.1.weight',
      'blocks.6.1.conv_pw.weight': 'features.7.1.block.0.0.weight',
      'blocks.6.1.conv_dw.weight': 'features.7.1.block.1.0.weight',
      'blocks.6.1.bn3.bias': 'features.7.1.block.3.1.bias',
      'blocks.6.1.conv_pwl.weight': 'features.7.1.block.3.0.weight',
      'blocks.6.1.se.conv_expand.weight': 'features.7.1.block.2.fc2.weight',
      'conv_head.weight': 'features.8.0.weight',
      'bn2.bias': 'features.8.1.bias',
      'classifier.weight': 'classifier.1.weight',
    });
  });

  it('a file of which almost nothing fits is refused unless allowPartial, and nothing is assigned', () => {
    const net = efficientNetB0({ numClasses: 3, initializer: 'zeros' });
    const before = net.model.getWeights().map((w) => w.dataSync()[0]);
    let error: unknown;
    try {
      loadTorchvisionWeights(net, read('tiny.pth'), { strict: false, source: 'tiny.pth' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WeightLoadError);
    expect((error as Error).message).toMatch(
      /^tiny.pth: only \d+\.\d % of the weights of ".*" are in this file .* pass allowPartial/,
    );
    expect(net.model.getWeights().map((w) => w.dataSync()[0])).toEqual(before);
    const report = loadTorchvisionWeights(net, read('tiny.pth'), { strict: false, allowPartial: true });
    expect(report.loaded.length).toBeGreaterThan(0);
    expect(report.loadedFraction).toBeLessThan(0.5);
    net.dispose();
  });
});

describe('readPth: hostile and damaged files are refused with a named error, nothing executed', () => {
  const refusal = (bytes: Uint8Array, source: string): Error => {
    try {
      readPth(bytes, { source });
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${source} was accepted`);
  };

  it.each([
    ['os-system.pth', 'posix.system'],
    ['eval.pth', '__builtin__.eval'], // protocol 2 spells builtins the Python 2 way
    ['namespace.pth', 'argparse.Namespace'],
  ])('%s: the global %s is refused', (name, culprit) => {
    const error = refusal(hostile(name), name);
    expect(error).toBeInstanceOf(UnsafeCheckpointError);
    expect((error as UnsafeCheckpointError).culprit).toBe(culprit);
    expect(error.message).toBe(
      `${name}: refused global ${culprit}: a weights file may only name OrderedDict, torch's tensor ` +
        `rebuild functions, storage types and dtypes (the allow-list of torch.load(weights_only=True)); nothing was executed`,
    );
    expect(existsSync('/tmp/art-pth-pwned')).toBe(false);
  });

  it.each([
    [
      'legacy.pth',
      'legacy',
      /legacy PyTorch format .* torch\.save\(torch\.load\('legacy\.pth', weights_only=True\), 'converted\.pth'\)/,
    ],
    ['zip-slip.pth', 'zip', /refusing zip entry named "\.\.\/x"/],
    ['truncated.pth', 'zip', /not a complete zip archive .* truncated/],
    ['byteorder-middle.pth', 'byteorder', /byteorder record is "middle"; expected "little" or "big"/],
    ['storage-too-large.pth', 'storage', /storage "0" claims 6 F32 elements \(24 bytes\) but the file holds 8 bytes/],
  ])('%s: CheckpointFormatError (%s)', (name, code, message) => {
    const error = refusal(hostile(name), name);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as CheckpointFormatError).code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });

  const tensorPickle = (numel: number, size: number, stride = 1, offset = 0) =>
    concat(
      op.proto,
      op.emptyDict,
      op.string('w'),
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      op.mark,
      op.string('storage'),
      op.global('torch', 'FloatStorage'),
      op.string('0'),
      op.string('cpu'),
      op.int(numel),
      op.tuple,
      op.binpersid,
      op.int(offset),
      op.mark,
      op.int(size),
      op.tuple,
      op.mark,
      op.int(stride),
      op.tuple,
      op.newFalse,
      op.global('collections', 'OrderedDict'),
      op.emptyTuple,
      op.reduce,
      op.tuple,
      op.reduce,
      op.setitem,
      op.stop,
    );

  it('a hand-written checkpoint reads (the helpers build valid files)', () => {
    const file = checkpointWithPickle(tensorPickle(6, 3, 2), {
      0: new Uint8Array(Float32Array.of(0, 1, 2, 3, 4, 5).buffer),
    });
    expect(Array.from(readPth(file).tensors.get('w')!.data as Float32Array)).toEqual([0, 2, 4]);
  });

  it('a view reaching past its storage is refused', () => {
    const file = checkpointWithPickle(tensorPickle(6, 4, 2), { 0: new Uint8Array(24) });
    const error = refusal(file, 'view.pth');
    expect((error as CheckpointFormatError).code).toBe('tensor');
    expect(error.message).toMatch(
      /size \[4\] \(offset 0, stride \[2\]\) reaches element 6 of storage "0", which has 6/,
    );
  });

  it('a memo bomb stops at the memo limit', () => {
    const puts = Buffer.alloc(5 * 1_000_001);
    for (let i = 0; i <= 1_000_000; i += 1) {
      puts[5 * i] = 0x72; // LONG_BINPUT i
      puts.writeUInt32LE(i, 5 * i + 1);
    }
    const error = refusal(checkpointWithPickle(concat(op.proto, op.emptyList, puts, op.stop)), 'memo.pth');
    expect((error as CheckpointFormatError).code).toBe('limit');
    expect(error.message).toBe('memo.pth: more than 1000000 memo entries (a memo bomb?)');
  });

  it('recursion bombs (nested MARKs, nested lists) stop at the nesting limit', () => {
    const marks = checkpointWithPickle(concat(op.proto, new Uint8Array(100_000).fill(0x28), op.stop));
    expect(refusal(marks, 'marks.pth').message).toBe(
      'marks.pth: MARKs nested deeper than 100 levels (a recursion bomb?)',
    );
    const lists = checkpointWithPickle(
      concat(op.proto, new Uint8Array(500).fill(0x5d), new Uint8Array(499).fill(0x61), op.stop),
    );
    expect(refusal(lists, 'lists.pth').message).toBe(
      'lists.pth: containers nested deeper than 100 levels (a recursion bomb?)',
    );
  });

  it('opcodes that build objects outside the allow-list (INST, OBJ, EXT) and calls of allowed non-callables are refused', () => {
    const inst = checkpointWithPickle(concat(op.proto, op.mark, Buffer.from('ios\nsystem\n', 'latin1'), op.stop));
    expect(refusal(inst, 'inst.pth')).toMatchObject({ name: 'UnsafeCheckpointError', culprit: 'INST' });
    const call = checkpointWithPickle(
      concat(op.proto, op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop),
    );
    expect(refusal(call, 'call.pth')).toMatchObject({
      name: 'UnsafeCheckpointError',
      culprit: 'call torch.FloatStorage',
    });
  });

  it('bytes that are neither format are named as such', () => {
    expect(() => readWeights(new TextEncoder().encode('<html>not found</html>'), { source: 'page.pth' })).toThrow(
      new CheckpointFormatError(
        'format',
        'page.pth: neither a PyTorch checkpoint (torch.save zip) nor a .safetensors file',
      ),
    );
  });

  it('a pickle whose archive lacks the version record, or a TorchScript archive, is named as such', () => {
    expect(refusal(storedZip({ 'a/data.pkl': concat(op.proto, op.emptyDict, op.stop) }), 'v.pth').message).toBe(
      'v.pth: unsupported archive version (missing); expected 1..10',
    );
    expect(refusal(storedZip({ 'm/constants.pkl': 'x', 'm/code/m.py': 'x' }), 'ts.pt').message).toMatch(
      /TorchScript archive/,
    );
  });

  it('the safetensors path still reads (format by content), and parity weights load from .pth exactly as from .safetensors', () => {
    const pth = readWeights(new Uint8Array(readFileSync(resolve(FIXTURES, 'tiny_v2_nc7/model.pth'))));
    const safetensors = readWeights(new Uint8Array(readFileSync(resolve(FIXTURES, 'tiny_v2_nc7/model.safetensors'))));
    expect([pth.format, safetensors.format]).toEqual(['pth', 'safetensors']);
    expect([...pth.tensors.keys()].sort()).toEqual([...safetensors.tensors.keys()].sort());
    for (const [key, tensor] of safetensors.tensors) sameTensor(pth.tensors.get(key), tensor, key);
  });
});
