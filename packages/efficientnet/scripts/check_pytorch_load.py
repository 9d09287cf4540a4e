#!/usr/bin/python3
"""Loads @art/efficientnet exports into torchvision with load_state_dict(strict=True).

Usage (Debian: apt-get install -y python3-torch python3-torchvision):
    npx tsx scripts/export-for-pytorch.ts /tmp/art-export
    /usr/bin/python3 scripts/check_pytorch_load.py /tmp/art-export

For every model in exports.json it builds the torchvision model, loads our safetensors strictly,
runs our input in eval mode and compares the logits with the TF.js logits. Exit status 1 on any
failure. Not part of CI (torch is large and slow to import).
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = raw[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors, header.get("__metadata__", {})


def build(python):
    """Runs the manifest's constructor expression ('stmt; stmt; expr'), returning the model."""
    import functools  # noqa: F401 (used by the expressions)

    scope = {"torchvision": torchvision, "torch": torch, "functools": functools}
    *statements, expression = [part.strip() for part in python.split("; ")]
    for statement in statements:
        exec(statement, scope)
    return eval(expression, scope)


def main(folder):
    folder = Path(folder)
    manifest = json.loads((folder / "exports.json").read_text())
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    failures = 0
    for entry in manifest["models"]:
        name = entry["name"]
        model = build(entry["python"])
        state_dict, metadata = read_safetensors(folder / f"{name}.safetensors")
        result = model.load_state_dict(state_dict, strict=True)
        model.eval()
        shape = entry["input_shape_nhwc"]
        x = np.fromfile(folder / f"{name}.input.bin", dtype="<f4").reshape(shape)
        ours = np.fromfile(folder / f"{name}.logits.bin", dtype="<f4").reshape(entry["logits_shape"])
        with torch.no_grad():
            theirs = model(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()).numpy()
        error = float(np.abs(theirs - ours).max())
        scale = max(1.0, float(np.abs(theirs).max()))
        ok = error <= 1e-4 * scale
        failures += 0 if ok else 1
        print(
            f"{'ok  ' if ok else 'FAIL'} {name}: load_state_dict(strict=True) -> {result}; {len(state_dict)} tensors "
            f"(producer {metadata.get('producer')}); input {shape}; max|torch - tfjs| logits = {error:.2e} (scale {scale:.2f})"
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_pytorch_load.py <export folder>")
    main(sys.argv[1])
