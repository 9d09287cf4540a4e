"""Reference outputs of albumentations 1.3.1's Compose on masks, bounding boxes and keypoints,
for test/targets.test.ts.

Usage (from packages/augment, Debian's interpreter with python3-opencv):
    /usr/bin/python3 scripts/make-targets-fixtures.py /path/to/albumentations-1.3.1-tree
(the tree as for make-upstream-fixtures.py: `albumentations/` of tag 1.3.1).

Each pipeline runs as an albumentations `ReplayCompose` (Compose plus a record of what ran) on a
small image, a mask, a list of masks, boxes and keypoints with label fields, and additional
targets. The record is written in this package's TransformRecord format: each leaf's params are
what albumentations passed to its apply functions (after `update_params`, so PadIfNeeded's pads
and the image size are in), containers' choices as `chosen`. test/targets.test.ts replays the
record with `Compose.replayTargets` and compares every output (arrays by SHA-256, boxes and
keypoints as numbers).
Output: test/fixtures/targets/targets.json.gz.
"""
import base64
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile

import numpy as np

PACKAGE = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(PACKAGE, 'test/fixtures/targets')
if len(sys.argv) != 2:
    sys.exit('usage: make-targets-fixtures.py <albumentations 1.3.1 tree>')
stub_dir = tempfile.mkdtemp(prefix='qudida-stub-')
with open(os.path.join(stub_dir, 'qudida.py'), 'w') as stub:
    stub.write('class DomainAdapter:\n    pass\n')
sys.path[:0] = [os.path.abspath(sys.argv[1]), stub_dir]
import albumentations as A  # noqa: E402
from albumentations.core.transforms_interface import BasicTransform  # noqa: E402

assert A.__version__ == '1.3.1', A.__version__

# The params each applied transform's apply functions received (update_params' output), in the
# order they ran: the replay tree's applied leaves, depth first.
applied_params = []
update_depth = [0]


def record_update_params(update_params):
    def wrapper(self, params, **kwargs):
        update_depth[0] += 1
        try:
            params = update_params(self, params, **kwargs)
        finally:
            update_depth[0] -= 1
        if update_depth[0] == 0:  # the most derived class's (PadIfNeeded adds its pads after super())
            applied_params.append(dict(params))
        return params
    return wrapper


def transform_classes(cls=BasicTransform):
    for sub in cls.__subclasses__():
        yield sub
        yield from transform_classes(sub)


for cls in {BasicTransform, *transform_classes()}:
    if 'update_params' in cls.__dict__:
        cls.update_params = record_update_params(cls.__dict__['update_params'])


def plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def array(value):
    value = np.ascontiguousarray(value)
    return {'dtype': str(value.dtype), 'shape': list(value.shape), 'base64': base64.b64encode(value.tobytes()).decode()}


def digest(value):
    value = np.ascontiguousarray(value)
    return {'dtype': str(value.dtype), 'shape': list(value.shape), 'sha256': hashlib.sha256(value.tobytes()).hexdigest()}


def record(node):
    """ReplayCompose's replay tree as this package's TransformRecord."""
    name = node['__class_fullname__'].split('.')[-1]
    children = node.get('transforms')
    if name in ('ReplayCompose', 'Compose'):
        return {'transform': 'Compose', 'applied': True, 'params': None, 'transforms': [record(child) for child in children]}
    if name in ('OneOf', 'OneOrOther'):
        chosen = [index for index, child in enumerate(children) if child['applied']]
        if not chosen:
            return {'transform': name, 'applied': False, 'params': None, 'transforms': []}
        return {'transform': name, 'applied': True, 'params': {'chosen': chosen[0]}, 'transforms': [record(children[chosen[0]])]}
    if not node['applied']:
        return {'transform': name, 'applied': False, 'params': None}
    params = {key: item for key, item in applied_params.pop(0).items() if key not in ('rows', 'cols')}
    return {'transform': name, 'applied': True, 'params': plain(params)}


def pipelines():
    """(name, transforms, compose kwargs, which targets) for each case."""
    return [
        ('flips', [A.HorizontalFlip(p=1), A.VerticalFlip(p=1), A.Transpose(p=1), A.RandomRotate90(p=1), A.Flip(p=1)],
         dict(bbox_params=A.BboxParams(format='pascal_voc', label_fields=['labels']),
              keypoint_params=A.KeypointParams(format='xyas', label_fields=['keypoint_labels']))),
        ('crops-and-pads', [A.RandomCrop(18, 20), A.PadIfNeeded(26, 30, border_mode=0, value=9, mask_value=7), A.CenterCrop(20, 22),
                            A.Crop(x_min=2, y_min=3, x_max=20, y_max=17)],
         dict(bbox_params=A.BboxParams(format='coco', label_fields=['labels'], min_area=12, min_visibility=0.2),
              keypoint_params=A.KeypointParams(format='xy', label_fields=['keypoint_labels']))),
        ('rotations', [A.Rotate(limit=40, p=1, border_mode=0, value=0, mask_value=3),
                       A.ShiftScaleRotate(p=1, border_mode=1, rotate_limit=30),
                       A.Rotate(limit=(20, 50), p=1, crop_border=True)],
         dict(bbox_params=A.BboxParams(format='yolo', label_fields=['labels'], min_width=2, min_height=2),
              keypoint_params=A.KeypointParams(format='xysa', label_fields=['keypoint_labels'], angle_in_degrees=False))),
        ('resizes', [A.RandomResizedCrop(20, 20, scale=(0.3, 1)), A.Resize(18, 26), A.LongestMaxSize(30), A.SmallestMaxSize([14, 16])],
         dict(bbox_params=A.BboxParams(format='albumentations', check_each_transform=False),
              keypoint_params=A.KeypointParams(format='yx', remove_invisible=False),
              additional_targets={'image2': 'image', 'mask2': 'mask', 'bboxes2': 'bboxes', 'keypoints2': 'keypoints'})),
        ('containers', [A.OneOf([A.HorizontalFlip(p=1), A.Rotate(p=1, limit=30)], p=1), A.RandomBrightnessContrast(p=1),
                        A.OneOrOther(A.Transpose(), A.VerticalFlip()), A.ShiftScaleRotate(p=1, rotate_method='largest_box', border_mode=0)],
         dict(bbox_params=A.BboxParams(format='pascal_voc', label_fields=['labels', 'ids']),
              keypoint_params=A.KeypointParams(format='xya', label_fields=['keypoint_labels']))),
        ('sized-crop', [A.RandomSizedCrop((10, 20), 16, 18, w2h_ratio=1.2), A.HorizontalFlip(p=1)],
         dict(bbox_params=A.BboxParams(format='coco', label_fields=['labels'], min_visibility=0.1),
              keypoint_params=A.KeypointParams(format='xy', label_fields=['keypoint_labels']))),
        ('pixel-and-scale', [A.Blur(p=1), A.MedianBlur(p=1, blur_limit=5), A.ChannelDropout(p=1), A.Posterize(p=1, num_bits=(3, 6)),
                             A.RGBShift(p=1), A.Equalize(p=1), A.RandomScale(p=1, scale_limit=0.3)],
         dict(bbox_params=A.BboxParams(format='pascal_voc', label_fields=['labels']),
              keypoint_params=A.KeypointParams(format='xys', label_fields=['keypoint_labels']))),
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(19)
    height, width = 24, 32
    cases = []
    for seed in (0, 1, 2):
        for name, transforms, kwargs in pipelines():
            random.seed(seed)
            np.random.seed(seed)
            image = rng.randint(0, 256, (height, width, 3), dtype=np.uint8)
            mask = rng.randint(0, 4, (height, width), dtype=np.uint8)
            masks = [rng.randint(0, 2, (height, width), dtype=np.uint8) for _ in range(2)]
            data = {'image': image, 'mask': mask, 'masks': masks}
            fmt = kwargs['bbox_params'].format
            boxes_px = [[2, 3, 15, 12], [10, 5, 30, 22], [0, 0, 32, 24], [20.5, 14.25, 26.75, 19.5]]

            def convert(box):
                x1, y1, x2, y2 = box
                if fmt == 'pascal_voc':
                    return [x1, y1, x2, y2]
                if fmt == 'coco':
                    return [x1, y1, x2 - x1, y2 - y1]
                if fmt == 'albumentations':
                    return [x1 / width, y1 / height, x2 / width, y2 / height]
                return [(x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height]  # yolo

            boxes = [convert(box) for box in boxes_px]
            kfmt = kwargs['keypoint_params'].format
            points_xy = [[3.5, 4.25], [10, 20], [31, 0], [16.75, 11.5]]
            angles = [10.0, 200.0, 0.0, 359.5] if kwargs['keypoint_params'].angle_in_degrees else [0.2, 3.5, 0.0, 6.2]
            scales = [1.0, 2.5, 0.5, 3.0]
            points = []
            for (x, y), a, s in zip(points_xy, angles, scales):
                points.append({'xy': [x, y], 'yx': [y, x], 'xya': [x, y, a], 'xys': [x, y, s], 'xyas': [x, y, a, s], 'xysa': [x, y, s, a]}[kfmt])
            label_fields = kwargs['bbox_params'].label_fields or []
            if label_fields:
                data['bboxes'] = boxes
                for index, field in enumerate(label_fields):
                    data[field] = [f'{field}{i}' if index == 0 else i * 10 for i in range(len(boxes))]
            else:
                data['bboxes'] = [box + [f'box{i}'] for i, box in enumerate(boxes)]
            data['keypoints'] = points
            for field in kwargs['keypoint_params'].label_fields or []:
                data[field] = [f'kp{i}' for i in range(len(points))]
            targets = kwargs.get('additional_targets', {})
            if 'image2' in targets:
                data['image2'] = rng.randint(0, 256, (height, width, 3), dtype=np.uint8)
                data['mask2'] = rng.randint(0, 5, (height, width), dtype=np.uint8)
                data['bboxes2'] = [box + ['second'] for box in boxes[:2]]
                data['keypoints2'] = points[:2]
            compose = A.ReplayCompose(transforms, **kwargs)
            inputs = {key: (array(value) if isinstance(value, np.ndarray) else [array(v) for v in value] if key == 'masks' else plain(value))
                      for key, value in data.items()}
            applied_params.clear()
            random.seed(seed)
            np.random.seed(seed)
            result = compose(**{key: (value.copy() if isinstance(value, np.ndarray) else value) for key, value in data.items()})
            outputs = {}
            for key, value in result.items():
                if key == 'replay':
                    continue
                if isinstance(value, np.ndarray):
                    outputs[key] = digest(value)
                elif key == 'masks':
                    outputs[key] = [digest(mask) for mask in value]
                else:
                    outputs[key] = plain(value)
            compose_dict = A.to_dict(compose)['transform']
            compose_dict['__class_fullname__'] = 'Compose'
            del compose_dict['save_key']  # ReplayCompose's own
            replay = record(result['replay'])
            assert not applied_params, applied_params
            cases.append({'name': f'{name} seed {seed}', 'pipeline': compose_dict, 'record': replay,
                          'inputs': inputs, 'outputs': outputs})
    text = json.dumps({'generator': 'scripts/make-targets-fixtures.py', 'albumentations': A.__version__, 'cases': cases}, separators=(',', ':'))
    with gzip.GzipFile(os.path.join(OUT, 'targets.json.gz'), 'wb', compresslevel=9, mtime=0) as out:
        out.write(text.encode())
    print(f'{len(cases)} cases, {len(text)} bytes of JSON')


main()
