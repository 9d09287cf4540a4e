"""Runs albumentations 1.3.1's own tests (tests/test_functional.py, test_transforms.py,
test_augmentations.py, test_serialization.py) and records, for every upstream test case, what
each call into albumentations received and returned, so that test/upstream.test.ts can replay the
same calls on @art/augment and compare.

Usage (from packages/augment, Debian's interpreter, python3-opencv + numpy + scipy + skimage + yaml):
    /usr/bin/python3 scripts/make-upstream-fixtures.py /path/to/albumentations-1.3.1-tree
where the tree holds the `albumentations/` package and `tests/` of tag 1.3.1, e.g. made with
    git -C <albumentations git dir> archive 1.3.1 albumentations tests | tar x -C /tmp/alb
albumentations is not packaged by Debian; its import of `qudida` (used only by
FDA/PixelDistributionAdaptation, which we do not implement) is stubbed by a module that raises.

What is recorded (only the outermost call: calls made inside a recorded call are not):
- `functional`: a function of albumentations' functional modules (F.*, geometric, crops, blur,
  dropout) or of core/bbox_utils.py and core/keypoints_utils.py, its arguments and its result;
- `transform`: a transform's `apply*` method (image, mask, bboxes, keypoints), the transform's
  `to_dict`, the parameters it was given (what `get_params` sampled, plus rows/cols etc.), the
  input and the result;
- `init_error`: a transform constructor that raised, with its arguments;
- `to_dict`: what `A.to_dict` returned.
Each upstream test case is run with `random` and NumPy seeded to 0 first, so that its random
inputs are reproducible and shared between cases (arrays are stored once). Small arrays are
stored whole; larger expected outputs as their SHA-256 plus min/max/mean, inputs always whole.
Output: test/fixtures/upstream/<test file>/<test name>.json.gz (one file per upstream test, all its
parametrized cases, gzipped JSON) and test/fixtures/upstream/arrays.bin.gz + arrays.json (the
arrays). `--repack` rewrites existing output files in the current format without rerunning.
"""
import enum
import gzip
import hashlib
import inspect
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
from functools import wraps

import numpy as np

PACKAGE = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(PACKAGE, 'test/fixtures/upstream')
# Output digests are compared on their first 32 hex digits (128 bits).
DIGEST_CHARS = 32


def slim(value, transforms):
    """What the replay needs of a recorded value: array refs without what only helped chaining,
    transform dicts interned in the file's `transforms` list. Idempotent."""
    if isinstance(value, list):
        return [slim(item, transforms) for item in value]
    if not isinstance(value, dict):
        return value
    value = dict(value)
    if 'sha256' in value:
        value.pop('identity', None)
        value['sha256'] = value['sha256'][:DIGEST_CHARS]
        if 'array' in value or 'from_call' in value:
            for key in ('min', 'max', 'mean'):
                value.pop(key, None)
        return value
    if value.get('kind') == 'transform' and isinstance(value.get('transform'), dict):
        if value['transform'] not in transforms:
            transforms.append(value['transform'])
        value['transform'] = transforms.index(value['transform'])
    return {key: slim(item, transforms) for key, item in value.items()}


def write_test_file(path, upstream, cases, transforms=None):
    """<test name>.json.gz: JSON, gzipped (the serialization tests repeat much of it)."""
    transforms = list(transforms or [])
    cases = slim(cases, transforms)
    text = json.dumps({'upstream': upstream, 'transforms': transforms, 'cases': cases}, separators=(',', ':'), indent=None)
    with gzip.GzipFile(path, 'wb', compresslevel=9, mtime=0) as out:
        out.write(text.encode())


if sys.argv[1:2] == ['--repack']:
    # Rewrites the committed files through slim() (what a full run writes), without rerunning the tests.
    for folder in sorted(os.listdir(OUT)):
        if os.path.isdir(os.path.join(OUT, folder)):
            for name in sorted(os.listdir(os.path.join(OUT, folder))):
                path = os.path.join(OUT, folder, name)
                data = json.loads(gzip.open(path).read() if name.endswith('.gz') else open(path).read())
                if not name.endswith('.gz'):
                    os.remove(path)
                write_test_file(path if name.endswith('.gz') else path + '.gz', data['upstream'], data['cases'], data.get('transforms'))
    sys.exit(0)
if len(sys.argv) != 2:
    sys.exit('usage: make-upstream-fixtures.py <albumentations 1.3.1 tree with albumentations/ and tests/> | --repack')
TREE = os.path.abspath(sys.argv[1])
TEST_FILES = ['test_functional.py', 'test_transforms.py', 'test_augmentations.py', 'test_serialization.py', 'test_bbox.py', 'test_keypoint.py']
# Inputs up to this size are stored whole; larger expected outputs only as a digest.
WHOLE_OUTPUT_BYTES = 4096
# Fixture budget: a case whose inputs include a larger array (a 512x512 image, a float64 noise
# field) is kept by name only and counted as not replayed.
MAX_ARRAY_BYTES = 131072

stub_dir = tempfile.mkdtemp(prefix='qudida-stub-')
with open(os.path.join(stub_dir, 'qudida.py'), 'w') as stub:
    stub.write('class DomainAdapter:\n    def __init__(self, *args, **kwargs):\n'
               '        raise NotImplementedError("qudida is stubbed by make-upstream-fixtures.py")\n')
sys.path[:0] = [TREE, stub_dir]

import pytest  # noqa: E402
import albumentations as A  # noqa: E402
from importlib import import_module  # noqa: E402
# (`import a.blur.functional as X` would resolve to the function `blur` that shadows the package)
F, FGeometric, FCrops, FBlur, FDropout = [import_module(f'albumentations.augmentations.{name}functional')
                                          for name in ['', 'geometric.', 'crops.', 'blur.', 'dropout.']]
from albumentations.core.transforms_interface import BasicTransform  # noqa: E402

assert A.__version__ == '1.3.1', A.__version__

def implemented_transforms():
    """The class names of src/transforms/registry.ts's TRANSFORM_CLASSES (the one list)."""
    source = open(os.path.join(PACKAGE, 'src/transforms/registry.ts')).read()
    table = source.split('TRANSFORM_CLASSES', 1)[1].split('{', 1)[1].split('}', 1)[0]
    return {name.strip() for name in table.split(',') if name.strip()}


CONTAINERS = {'Compose', 'OneOf', 'Sequential', 'OneOrOther', 'SomeOf'}
OURS = implemented_transforms()
# The functional calls src/parity/upstream.ts replays (its FUNCTIONAL table); others are kept by name only.
OUR_FUNCTIONALS = set(re.findall(r"^  '((?:F|FGeometric|FCrops|FBlur|FDropout|BboxUtils|KeypointsUtils)\.\w+)':",
                                 open(os.path.join(PACKAGE, 'src/parity/upstream.ts')).read(), re.M))


# ---------------------------------------------------------------- arrays
arrays = {}  # id -> (bytes, dtype, shape)


def array_ref(value, whole=True):
    value = np.ascontiguousarray(value)
    if value.dtype == np.float64 and value.ndim == 0:
        return float(value)
    data = value.astype(value.dtype.newbyteorder('<')).tobytes()
    digest = hashlib.sha256(data).hexdigest()
    # Equal bytes of another dtype or shape are another array.
    identity = hashlib.sha256(f'{value.dtype}{value.shape}'.encode() + data).hexdigest()
    ref = {'dtype': str(value.dtype), 'shape': list(value.shape), 'sha256': digest}
    if whole and identity[:20] in state.results:
        # What an earlier call of this case returned: replayed from our own output of that call.
        ref['from_call'] = state.results[identity[:20]]
        return ref
    ref['identity'] = identity[:20]
    if whole and len(data) > MAX_ARRAY_BYTES:
        state.oversized = max(state.oversized, len(data))
    if value.size and value.dtype.kind in 'biuf':
        ref['min'] = float(value.min())
        ref['max'] = float(value.max())
        ref['mean'] = float(value.astype(np.float64).mean())
    if whole or len(data) <= WHOLE_OUTPUT_BYTES:
        key = identity[:20]
        state.pending[key] = (data, str(value.dtype), list(value.shape))
        ref['array'] = key
    return ref


def encode(value, whole=True, depth=0):
    """JSON form of an argument or a result; arrays by reference."""
    if depth > 6:
        return {'unencodable': type(value).__name__}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return encode(value.value, whole, depth + 1)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value != value or value in (float('inf'), float('-inf')):
            return {'float': repr(value)}
        return value
    if isinstance(value, np.ndarray):
        return {'ndarray': array_ref(value, whole)}
    if type(value).__name__ == 'Tensor':  # ToTensorV2 output
        return {'tensor': array_ref(value.numpy(), whole)}
    if isinstance(value, tuple):
        return {'tuple': [encode(v, whole, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, whole, depth + 1) for v in value]
    if isinstance(value, dict):
        return {'dict': {str(k): encode(v, whole, depth + 1) for k, v in value.items()}}
    if isinstance(value, BasicTransform):
        return {'transform': type(value).__name__}
    return {'unencodable': type(value).__name__}


# ---------------------------------------------------------------- recording
state = threading.local()
state.depth = 0
state.calls = None
state.results = {}  # sha256 of a recorded result -> index of its call in this case
state.pending = {}  # arrays of this case, kept only if the case is worth replaying
state.oversized = 0  # largest input array of this case over MAX_ARRAY_BYTES


def register_results(value, index):
    if isinstance(value, dict):
        if 'identity' in value:
            state.results.setdefault(value['identity'], index)
        for item in value.values():
            register_results(item, index)
    elif isinstance(value, list):
        for item in value:
            register_results(item, index)


def recording():
    return state.calls is not None and state.depth == 0


def record_outer(make_record):
    """Runs fn at depth+1; records (at depth 0 only) what make_record builds from args/result."""
    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            outer = recording()
            state.depth += 1
            try:
                result = fn(*args, **kwargs)
            except Exception as error:
                if outer:
                    entry = make_record(args, kwargs, None, error)
                    if entry is not None:
                        state.calls.append(entry)
                        register_results(entry.get('result'), len(state.calls) - 1)
                raise
            finally:
                state.depth -= 1
            if outer:
                entry = make_record(args, kwargs, result, None)
                if entry is not None:
                    state.calls.append(entry)
                    register_results(entry.get('result'), len(state.calls) - 1)
            return result
        wrapper.__recorded__ = True
        return wrapper
    return decorate


def error_name(error):
    return None if error is None else type(error).__name__


BboxUtils, KeypointsUtils = import_module('albumentations.core.bbox_utils'), import_module('albumentations.core.keypoints_utils')
FUNCTIONAL_MODULES = {'F': F, 'FGeometric': FGeometric, 'FCrops': FCrops, 'FBlur': FBlur, 'FDropout': FDropout,
                      'BboxUtils': BboxUtils, 'KeypointsUtils': KeypointsUtils}
wrapped_functions = {}  # original function -> its recording wrapper
for prefix, module in FUNCTIONAL_MODULES.items():
    for name, fn in list(vars(module).items()):
        if not inspect.isfunction(fn) or fn.__module__ != module.__name__ or getattr(fn, '__recorded__', False):
            continue

        def make(args, kwargs, result, error, qualified=f'{prefix}.{name}', signature=inspect.signature(fn)):
            if qualified not in OUR_FUNCTIONALS:
                return {'kind': 'functional', 'name': qualified, 'error': error_name(error)}
            try:
                bound = signature.bind(*args, **kwargs)
                named = dict(bound.arguments)
            except TypeError:
                named = {'*args': list(args), **kwargs}
            return {'kind': 'functional', 'name': qualified, 'args': encode(named)['dict'],
                    'result': encode(result, whole=False) if error is None else None, 'error': error_name(error)}
        wrapped_functions[fn] = record_outer(make)(fn)
        setattr(module, name, wrapped_functions[fn])
# Names imported elsewhere (`F.normalize_bbox`, `A.convert_bbox_to_albumentations`) are the same functions.
for module_name, module in list(sys.modules.items()):
    if module_name.split('.')[0] == 'albumentations':
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value) and value in wrapped_functions:
                setattr(module, name, wrapped_functions[value])


def transform_dict(transform):
    try:
        return A.to_dict(transform)['transform']
    except Exception as error:  # Lambda and other non-serializable transforms
        return {'__class_fullname__': type(transform).__name__, 'unserializable': type(error).__name__}


TARGET_METHODS = ['apply', 'apply_to_mask', 'apply_to_masks', 'apply_to_bbox', 'apply_to_bboxes',
                  'apply_to_keypoint', 'apply_to_keypoints']


def all_transform_classes():
    seen, stack = set(), [BasicTransform]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen


for cls in all_transform_classes():
    for method in TARGET_METHODS:
        fn = cls.__dict__.get(method)
        if fn is None or getattr(fn, '__recorded__', False):
            continue

        def make(args, kwargs, result, error, method=method, signature=inspect.signature(fn)):
            transform, target = args[0], args[1] if len(args) > 1 else None
            if len(args) > 2:  # parameters passed positionally (`aug.apply_to_keypoints(keypoints, holes)`)
                bound = signature.bind_partial(*args, **kwargs).arguments
                kwargs = {key: value for key, value in bound.items() if key not in list(signature.parameters)[:2]}
                for key, parameter in signature.parameters.items():
                    if parameter.kind == inspect.Parameter.VAR_KEYWORD:
                        kwargs.update(kwargs.pop(key, {}))
            name = type(transform).__name__
            if name not in OURS:
                # Only its name matters here (a transform we lack).
                return {'kind': 'transform', 'name': name, 'method': method, 'error': error_name(error)}
            return {'kind': 'transform', 'name': name, 'method': method,
                    'transform': transform_dict(transform), 'params': encode(kwargs)['dict'],
                    'input': encode(target), 'result': encode(result, whole=False) if error is None else None,
                    'error': error_name(error)}
        setattr(cls, method, record_outer(make)(fn))
    init = cls.__dict__.get('__init__')
    if init is not None and not getattr(init, '__recorded__', False):
        def make_init(args, kwargs, result, error):
            if error is None:
                return None
            if type(args[0]).__name__ not in OURS:
                return {'kind': 'init_error', 'name': type(args[0]).__name__, 'error': error_name(error)}
            return {'kind': 'init_error', 'name': type(args[0]).__name__, 'args': encode(list(args[1:])),
                    'kwargs': encode(kwargs)['dict'], 'error': error_name(error), 'message': str(error)[:300]}
        cls.__init__ = record_outer(make_init)(init)


def dict_classes(value):
    if isinstance(value, list):
        return set().union(*[dict_classes(item) for item in value]) if value else set()
    if isinstance(value, dict):
        names = {value['__class_fullname__'].split('.')[-1]} if isinstance(value.get('__class_fullname__'), str) else set()
        return names.union(*[dict_classes(item) for item in value.values()])
    return set()


def make_to_dict(args, kwargs, result, error):
    if error is not None:
        return None
    plain = json.loads(json.dumps(result, default=str))
    entry = {'kind': 'to_dict', 'name': result['transform']['__class_fullname__'], 'result': plain}
    if not dict_classes(plain) & OURS:
        entry = {'kind': 'to_dict', 'name': entry['name'], 'classes': sorted(dict_classes(plain))}
    return None if entry in state.calls else entry  # the same dict again adds nothing


A.to_dict = record_outer(make_to_dict)(A.to_dict)
A.core.serialization.to_dict = A.to_dict


def is_foreign(call):
    if call['kind'] in ('transform', 'init_error'):
        return call['name'] not in OURS
    if call['kind'] == 'to_dict':
        return bool(set(call.get('classes') or dict_classes(call['result'])) - OURS - CONTAINERS)
    return False


def concerns_us(call):
    if call['kind'] in ('transform', 'init_error'):
        return call['name'] in OURS
    if call['kind'] == 'to_dict':
        return bool(set(call.get('classes') or dict_classes(call['result'])) & OURS)
    return call['kind'] == 'functional'


# ---------------------------------------------------------------- pytest plugin
def transform_names(value, depth=0):
    """Transform classes named by a parametrized argument (classes, instances, nested lists)."""
    if depth > 4:
        return set()
    if inspect.isclass(value) and issubclass(value, BasicTransform):
        return {value.__name__}
    if isinstance(value, BasicTransform):
        names = {type(value).__name__}
        for child in getattr(value, 'transforms', []) or []:
            names |= transform_names(child, depth + 1)
        return names
    if isinstance(value, (list, tuple)):
        return set().union(*[transform_names(v, depth + 1) for v in value]) if value else set()
    if isinstance(value, dict):
        return set().union(*[transform_names(v, depth + 1) for v in value.values()]) if value else set()
    return set()


class Recorder:
    def __init__(self):
        self.tests = {}  # (file, test name) -> list of cases
        self.deselected = 0

    def pytest_collection_modifyitems(self, session, config, items):
        """Cases parametrized only by transforms we do not implement are not run (time)."""
        keep, drop = [], []
        for item in items:
            names = set()
            for value in getattr(getattr(item, 'callspec', None), 'params', {}).values():
                names |= transform_names(value)
            (drop if names and not (names & OURS) else keep).append(item)
        self.deselected = len(drop)
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        random.seed(0)
        np.random.seed(0)
        state.calls = []
        state.depth = 0
        state.results = {}
        state.pending = {}
        state.oversized = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        key = (os.path.basename(item.fspath), item.originalname or item.name)
        cases = self.tests.setdefault(key, {})
        case = cases.setdefault(item.nodeid, {'id': item.name, 'outcome': 'passed', 'calls': []})
        if report.when == 'call' or report.failed or report.skipped:
            if report.failed:
                case['outcome'] = 'failed'
                case['reason'] = str(report.longrepr).strip().splitlines()[-1][:300]
            elif report.skipped:
                case['outcome'] = 'skipped'
                case['reason'] = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)[:300]
        if report.when == 'teardown':
            calls = state.calls or []
            foreign = sorted({call['name'] for call in calls if is_foreign(call)})
            if foreign and any(concerns_us(call) for call in calls):
                # A case that also needs transforms we lack is unsupported whatever its pixels:
                # keep only what each call was (names), not its arrays.
                calls = [{**{key: call[key] for key in ('kind', 'name', 'method', 'classes') if key in call},
                          **({'classes': sorted(dict_classes(call['result']))} if 'result' in call and call['kind'] == 'to_dict' else {})}
                         for call in calls]
                case['payload_dropped'] = f'uses {", ".join(foreign)}'
            elif state.oversized:
                calls = [{key: call[key] for key in ('kind', 'name', 'method', 'classes') if key in call} for call in calls]
                case['too_large'] = state.oversized
            else:
                arrays.update(state.pending)
            case['calls'] = calls
            state.calls = None


recorder = Recorder()
tmp_tests = tempfile.mkdtemp(prefix='alb-tests-')
shutil.copytree(os.path.join(TREE, 'tests'), os.path.join(tmp_tests, 'tests'))
os.chdir(tmp_tests)
code = pytest.main(['-q', '-p', 'no:cacheprovider', '-W', 'ignore', *[f'tests/{name}' for name in TEST_FILES]], plugins=[recorder])

shutil.rmtree(OUT, ignore_errors=True)
for (file_name, test_name), cases in sorted(recorder.tests.items()):
    folder = os.path.join(OUT, file_name[:-3])
    os.makedirs(folder, exist_ok=True)
    write_test_file(os.path.join(folder, f'{test_name}.json.gz'), f'albumentations 1.3.1 tests/{file_name}::{test_name}', list(cases.values()))
index, offset = {}, 0
with gzip.GzipFile(os.path.join(OUT, 'arrays.bin.gz'), 'wb', compresslevel=9, mtime=0) as blob:
    for key in sorted(arrays):
        data, dtype, shape = arrays[key]
        blob.write(data)
        index[key] = {'offset': offset, 'bytes': len(data), 'dtype': dtype, 'shape': shape}
        offset += len(data)
with open(os.path.join(OUT, 'arrays.json'), 'w') as out:
    json.dump(index, out, separators=(',', ':'), sort_keys=True)
print(f'pytest exit {code}; {sum(len(c) for c in recorder.tests.values())} cases in {len(recorder.tests)} tests '
      f'({recorder.deselected} cases parametrized only by transforms we do not implement were not run); '
      f'{len(arrays)} arrays, {offset} bytes before gzip')
