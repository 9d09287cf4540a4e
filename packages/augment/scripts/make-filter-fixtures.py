"""Reference outputs of cv2.blur, cv2.medianBlur and albumentations 1.3.1's posterize, shift_rgb,
equalize and channel_dropout for test/extra-transforms.test.ts (odd sizes, both dtypes, kernels
past OpenCV's 16-bit sum limit).

Usage (from packages/augment): /usr/bin/python3 scripts/make-filter-fixtures.py /path/to/albumentations-1.3.1-tree
Output: test/fixtures/filters/filters.json.gz (inputs whole, outputs as SHA-256).
"""
import base64
import gzip
import hashlib
import json
import os
import sys
import tempfile

import cv2
import numpy as np

PACKAGE = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
stub_dir = tempfile.mkdtemp(prefix='qudida-stub-')
with open(os.path.join(stub_dir, 'qudida.py'), 'w') as stub:
    stub.write('class DomainAdapter:\n    pass\n')
sys.path[:0] = [os.path.abspath(sys.argv[1]), stub_dir]
import albumentations as A  # noqa: E402
from albumentations.augmentations import functional as F  # noqa: E402
from importlib import import_module  # noqa: E402
FDropout = import_module('albumentations.augmentations.dropout.functional')
assert A.__version__ == '1.3.1'

rng = np.random.RandomState(7)
inputs = []
for h, w, c in [(7, 9, 3), (20, 33, 3), (5, 4, 1), (18, 17, 3)]:
    inputs.append(rng.randint(0, 256, (h, w, c)).astype(np.uint8))
    inputs.append(rng.uniform(0, 1, (h, w, c)).astype(np.float32))
# A low-contrast image, so that equalize has work to do.
inputs.append((rng.randint(0, 40, (16, 12, 3)) + 100).astype(np.uint8))


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


cases = []
for index, image in enumerate(inputs):
    flat = image[..., 0] if image.shape[2] == 1 else image
    for k in [1, 2, 3, 4, 5, 7, 9, 17]:
        cases.append({'op': 'boxBlur', 'input': index, 'args': [k], 'sha256': digest(cv2.blur(image, (k, k)))})
    for k in ([3, 5] if image.dtype == np.float32 else [3, 5, 7, 9]):
        cases.append({'op': 'medianBlur', 'input': index, 'args': [k], 'sha256': digest(cv2.medianBlur(flat, k))})
    if image.dtype == np.uint8:
        for bits in [0, 1, 3, 7, 8]:
            cases.append({'op': 'posterize', 'input': index, 'args': [bits], 'sha256': digest(F.posterize(image, bits))})
        for mode in ['cv', 'pil']:
            cases.append({'op': 'equalize', 'input': index, 'args': [mode], 'sha256': digest(F.equalize(image, mode=mode))})
        if image.shape[2] == 3:
            cases.append({'op': 'posterize', 'input': index, 'args': [[2, 5, 8]], 'sha256': digest(F.posterize(image, [2, 5, 8]))})
    if image.shape[2] == 3:
        for shifts in [(10.7, -20.2, 3.5), (-7.25, -7.25, -7.25), (0.05, -0.3, 0.2)]:
            cases.append({'op': 'shiftRgb', 'input': index, 'args': list(shifts), 'sha256': digest(F.shift_rgb(image, *shifts))})
        cases.append({'op': 'channelDropout', 'input': index, 'args': [[0, 2], 0.5 if image.dtype == np.float32 else 17],
                      'sha256': digest(FDropout.channel_dropout(image, [0, 2], 0.5 if image.dtype == np.float32 else 17))})
stored = [{'dtype': str(image.dtype), 'shape': list(image.shape), 'base64': base64.b64encode(image.tobytes()).decode()} for image in inputs]
with gzip.GzipFile(os.path.join(PACKAGE, 'test/fixtures/filters/filters.json.gz'), 'wb', compresslevel=9, mtime=0) as out:
    out.write(json.dumps({'generator': 'scripts/make-filter-fixtures.py', 'inputs': stored, 'cases': cases}, separators=(',', ':')).encode())
print(len(cases), 'cases')
