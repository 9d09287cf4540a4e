#!/usr/bin/python3
"""Writes the .pth fixtures of @art/efficientnet's checkpoint reader with Debian's torch.save.

  /usr/bin/python3 scripts/make-pth-fixtures.py                  # test/fixtures/pth/* and tiny_v2_nc7/model.pth
  /usr/bin/python3 scripts/make-pth-fixtures.py --manifest M.json [--out DIR]
      # model.pth for every model.safetensors of M: beside it, or under DIR at the same relative path
      # (for a read-only fixture set; then parity --weights-root DIR --weights-ext .pth)
  /usr/bin/python3 scripts/make-pth-fixtures.py --b3 DIR           # a B3-sized pair for the bench (not committed)

Needs python3-torch and python3-torchvision (Debian). Reference .safetensors files are written by a
small writer below (the safetensors package is not in Debian), with the same tensors, contiguous.
Hostile files are made with real pickles (a __reduce__ to os.system, builtins.eval, argparse.Namespace)
and zip edits; none of them is ever loaded here.
"""
import argparse
import argparse as _argparse_for_namespace
import builtins
import collections
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import torch
import torchvision

HERE = Path(__file__).resolve().parent.parent
OUT = HERE / 'test' / 'fixtures' / 'pth'
SAFE_DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64',
               torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}
STORAGE_BYTES = {torch.bfloat16: torch.int16, torch.float16: torch.int16, torch.bool: torch.uint8}


def tensor_bytes(t):
    t = t.detach().contiguous()
    return t.view(STORAGE_BYTES.get(t.dtype, t.dtype)).numpy().tobytes() if t.numel() else b''


def save_safetensors(tensors, path):
    """The safetensors format: u64 header length, JSON header, data (offsets relative to the data start)."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        data = tensor_bytes(t)
        header[name] = {'dtype': SAFE_DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    Path(path).write_bytes(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def load_safetensors(path):
    raw = Path(path).read_bytes()
    (length,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + length])
    start = 8 + length
    by_name = {v: k for k, v in SAFE_DTYPES.items()}
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype = by_name[info['dtype']]
        begin, end = info['data_offsets']
        t = torch.frombuffer(bytearray(raw[start + begin:start + end]), dtype=STORAGE_BYTES.get(dtype, dtype)) if end > begin else torch.empty(0, dtype=STORAGE_BYTES.get(dtype, dtype))
        out[name] = t.view(dtype).reshape(info['shape']).clone()
    return out


def tiny_state_dict(seed):
    torch.manual_seed(seed)
    E = torchvision.models.efficientnet
    # Every block type once: FusedMBConv without and with expansion, MBConv without and with expansion.
    stages = [E.FusedMBConvConfig(1, 3, 1, 8, 8, 1), E.FusedMBConvConfig(2, 3, 2, 8, 16, 1), E.MBConvConfig(1, 3, 1, 16, 16, 1, 1.0, 1.0), E.MBConvConfig(2, 3, 2, 16, 24, 1, 1.0, 1.0)]
    model = E.EfficientNet(stages, dropout=0.2, num_classes=3, last_channel=32)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.num_batches_tracked.fill_(7)
    return model.state_dict()


def rewrite_zip(source, target, edit):
    """Copies a zip, letting edit(name, data) return new bytes, or None to drop the entry; returns extra entries via edit(None, None)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, 'w', zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (edit(None, None) or {}).items():
            zout.writestr(zipfile.ZipInfo(name), data)


class Evil:
    def __reduce__(self):
        return (os.system, ('touch /tmp/art-pth-pwned',))


class EvalCall:
    def __reduce__(self):
        return (builtins.eval, ("__import__('os').system('touch /tmp/art-pth-pwned')",))


def make_test_fixtures():
    OUT.mkdir(parents=True, exist_ok=True)
    # 1. A tiny torchvision EfficientNet state dict: .pth (torch.save) and the same tensors as .safetensors.
    sd = tiny_state_dict(0)
    torch.save(sd, OUT / 'tiny.pth')
    save_safetensors(sd, OUT / 'tiny.safetensors')
    # 2. Dtypes, views with offsets and strides, a Parameter, shared storages.
    torch.manual_seed(1)
    base = torch.randn(4, 6)
    long_storage = torch.arange(20, dtype=torch.int64) * 1_000_000_007
    dtypes = collections.OrderedDict()
    dtypes['f16'] = (torch.randn(3, 5) * 100).half()
    dtypes['bf16'] = (torch.randn(2, 7) * 1e3).bfloat16()
    dtypes['f64'] = torch.randn(4, dtype=torch.float64)
    dtypes['i64_scalar'] = torch.tensor(123456789012345, dtype=torch.int64)
    dtypes['i32'] = torch.arange(-3, 3, dtype=torch.int32)
    dtypes['u8'] = torch.arange(250, 256, dtype=torch.uint8)
    dtypes['bool'] = torch.tensor([True, False, True])
    dtypes['transposed'] = base.t()  # strides (1, 6)
    dtypes['every_other_column'] = base[:, ::2]  # strides (6, 2)
    dtypes['offset_rows'] = base[1:3]  # offset 6 into the same storage
    dtypes['offset_long'] = long_storage[5:9]  # I64 view at offset 5
    dtypes['expanded'] = torch.randn(3, 1).expand(3, 4)  # stride 0
    dtypes['empty'] = torch.zeros(0, 3)
    dtypes['parameter'] = torch.nn.Parameter(torch.randn(2, 2))
    torch.save(dtypes, OUT / 'dtypes.pth')
    save_safetensors(collections.OrderedDict((k, v.detach().contiguous()) for k, v in dtypes.items()), OUT / 'dtypes.safetensors')
    # 3. Checkpoint dicts as training scripts write them, with DataParallel's module. prefix.
    small = collections.OrderedDict((k, v) for k, v in sd.items() if k.startswith('features.0.'))
    torch.save({'epoch': 3, 'arch': 'efficientnet_b0', 'best_acc1': 0.5, 'state_dict': collections.OrderedDict(('module.' + k, v) for k, v in small.items()),
                'optimizer': {'state': {0: {'momentum_buffer': torch.ones(2)}}, 'param_groups': [{'lr': 0.1, 'params': [0]}]}}, OUT / 'checkpoint-state-dict.pth')
    torch.save({'model': small, 'epoch': 1}, OUT / 'checkpoint-model.pth')
    save_safetensors(small, OUT / 'checkpoint-expected.safetensors')
    # 4. Hostile and damaged files.
    hostile = OUT / 'hostile'
    hostile.mkdir(exist_ok=True)
    torch.save({'weight': torch.ones(1), 'payload': Evil()}, hostile / 'os-system.pth')
    torch.save({'weight': torch.ones(1), 'payload': EvalCall()}, hostile / 'eval.pth')
    torch.save({'state_dict': small, 'args': _argparse_for_namespace.Namespace(lr=0.1)}, hostile / 'namespace.pth')
    torch.save(small, hostile / 'legacy.pth', _use_new_zipfile_serialization=False)
    one = collections.OrderedDict(w=torch.arange(6, dtype=torch.float32))
    torch.save(one, hostile / 'one.pth')
    src = hostile / 'one.pth'
    rewrite_zip(src, hostile / 'zip-slip.pth', lambda name, data: {'../x': b'owned'} if name is None else data)
    rewrite_zip(src, hostile / 'byteorder-middle.pth', lambda name, data: {'one/byteorder': b'middle'} if name is None else data)
    # A storage that claims more elements than its entry holds: the data entry cut to 8 bytes.
    rewrite_zip(src, hostile / 'storage-too-large.pth', lambda name, data: None if name is None else (data[:8] if name.endswith('data/0') else data))
    raw = src.read_bytes()
    (hostile / 'truncated.pth').write_bytes(raw[: len(raw) // 2])
    # A valid big-endian file: storages byte-swapped and byteorder "big" (as torch >= 2.1 writes on s390x).
    def big_endian(name, data):
        if name is None:
            return {'one/byteorder': b'big'}
        if name.endswith('data/0'):
            return torch.frombuffer(bytearray(data), dtype=torch.float32).numpy().byteswap().tobytes()
        return data
    rewrite_zip(src, OUT / 'big-endian.pth', big_endian)
    os.remove(src)
    # 5. timm's names for the tiny model (timm/efficientnet_* layout), as .safetensors.
    save_safetensors(timm_names(sd), OUT / 'tiny-timm.safetensors')


def timm_names(sd):
    """torchvision → timm key names, per block type (timm EfficientNet: conv_stem/bn1, blocks.i.j, conv_head/bn2, classifier)."""
    stages = max(int(k.split('.')[1]) for k in sd if k.startswith('features.'))
    out = collections.OrderedDict()
    for key, value in sd.items():
        parts = key.split('.')
        if parts[0] == 'classifier':
            out['classifier.' + parts[2]] = value
            continue
        index = int(parts[1])
        if index == 0:
            out[('conv_stem.' if parts[2] == '0' else 'bn1.') + '.'.join(parts[3:])] = value
        elif index == stages:
            out[('conv_head.' if parts[2] == '0' else 'bn2.') + '.'.join(parts[3:])] = value
        else:
            block = f'blocks.{index - 1}.{parts[2]}.'
            prefix = f'features.{index}.{parts[2]}.block.'
            siblings = {k.split('.')[4] for k in sd if k.startswith(prefix)}
            has_se = any('.fc1.' in k for k in sd if k.startswith(prefix))  # torchvision: every MBConv has SE, no FusedMBConv has
            layer, rest = parts[4], parts[5:]
            if not has_se:  # FusedMBConv: timm EdgeResidual (expand k x k + project 1x1) or ConvBnAct (expand ratio 1)
                names = {'0': ('conv_exp', 'bn1'), '1': ('conv_pwl', 'bn2')} if len(siblings) == 2 else {'0': ('conv', 'bn1')}
            elif len(siblings) == 3:  # MBConv, expand ratio 1: timm DepthwiseSeparableConv
                names = {'0': ('conv_dw', 'bn1'), '1': 'se', '2': ('conv_pw', 'bn2')}
            else:  # MBConv: timm InvertedResidual
                names = {'0': ('conv_pw', 'bn1'), '1': ('conv_dw', 'bn2'), '2': 'se', '3': ('conv_pwl', 'bn3')}
            target = names[layer]
            if target == 'se':
                out[block + 'se.' + {'fc1': 'conv_reduce', 'fc2': 'conv_expand'}[rest[0]] + '.' + rest[1]] = value
            else:
                out[block + target[0 if rest[0] == '0' else 1] + '.' + '.'.join(rest[1:])] = value
    return out


def write_pth_for_manifest(manifest_path, models, out=None):
    manifest = json.loads(Path(manifest_path).read_text())
    root = Path(manifest_path).resolve().parent
    for model in manifest['models']:
        if models and model['name'] not in models:
            continue
        source = root / model['weights']['file']
        target = (Path(out) / model['weights']['file'] if out else source).with_suffix('.pth')
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.save(load_safetensors(source), target)
        # The proof that nothing changed: torch reads back exactly the safetensors tensors.
        again = torch.load(target, weights_only=True)
        reference = load_safetensors(source)
        assert list(again) == list(reference) and all(torch.equal(again[k], reference[k]) for k in reference), target
        print(f'{target}: {target.stat().st_size} bytes, {len(again)} tensors, identical to {source.name}')


def write_b3_pair(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    sd = torchvision.models.efficientnet_b3().state_dict()
    torch.save(sd, directory / 'efficientnet_b3.pth')
    save_safetensors(sd, directory / 'efficientnet_b3.safetensors')
    for name in ('efficientnet_b3.pth', 'efficientnet_b3.safetensors'):
        print(directory / name, (directory / name).stat().st_size, 'bytes')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--manifest', help='write model.pth next to each model.safetensors of this parity manifest')
    parser.add_argument('--models', nargs='*', default=[], help='only these manifest models')
    parser.add_argument('--out', help='with --manifest: write under this folder instead of beside the manifest')
    parser.add_argument('--b3', help='write a random torchvision B3 as .pth and .safetensors into this folder')
    args = parser.parse_args()
    if args.manifest:
        write_pth_for_manifest(args.manifest, args.models, args.out)
    elif args.b3:
        write_b3_pair(args.b3)
    else:
        make_test_fixtures()
        write_pth_for_manifest(HERE / 'test' / 'fixtures' / 'efficientnet' / 'manifest.json', ['tiny_v2_nc7'])
