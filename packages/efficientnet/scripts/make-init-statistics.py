#!/usr/bin/env python3
"""PyTorch's initial weights of the seed's models, summarised per tensor, for @art's init test.

Run with Debian's python3-torch / python3-torchvision (torchvision 0.14.1):
    /usr/bin/python3 packages/efficientnet/scripts/make-init-statistics.py

Writes test/fixtures/init-statistics.json: for every torchvision variant (b0-b7, v2_s/m/l) with
the seed head (`nn.Sequential(nn.Dropout(0.3), nn.Linear(1000, 50))` on top of the 1000-way
classifier), and for B0 with the pyramid head (`nn.Sequential(nn.ReLU(), nn.Linear(1000, 50))`)
and with torchvision's own 50-way classifier: each state_dict tensor's element count, min, max,
mean and (population) std, as `torchvision.models.efficientnet_*(weights=None)` and
`nn.Linear`'s default initialise them.
"""
import json
import os

import torch
from torch import nn
from torchvision.models import efficientnet as E

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'init-statistics.json')
VARIANTS = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'v2_s', 'v2_m', 'v2_l']
CLASSES = 50


class SeedNet(nn.Module):
    """The seed's BaseModel with the backbone's modules at the top level (keys `features.*`,
    `classifier.*`, `head.*`, as @art names its layers)."""

    def __init__(self, backbone, head):
        super().__init__()
        self.features, self.avgpool, self.classifier = backbone.features, backbone.avgpool, backbone.classifier
        self.head = head


def statistics(state):
    rows = []
    for key, value in state.items():
        if key.endswith('num_batches_tracked'):
            continue
        v = value.detach().double()
        rows.append([key, v.numel(), *(float(f'{x:.7g}') for x in (v.min(), v.max(), v.mean(), v.std(unbiased=False)))])
    return rows


def main():
    result = {'torchvision': __import__('torchvision').__version__, 'classes': CLASSES, 'columns': ['key', 'count', 'min', 'max', 'mean', 'std'], 'models': []}
    for variant in VARIANTS:
        torch.manual_seed(0)
        net = SeedNet(getattr(E, f'efficientnet_{variant}')(weights=None), nn.Sequential(nn.Dropout(p=0.3), nn.Linear(1000, CLASSES)))
        result['models'].append({'variant': variant.replace('_', '-'), 'head': 'seed', 'tensors': statistics(net.state_dict())})
    torch.manual_seed(0)
    net = SeedNet(E.efficientnet_b0(weights=None), nn.Sequential(nn.ReLU(), nn.Linear(1000, CLASSES)))
    result['models'].append({'variant': 'b0', 'head': 'pyramid', 'tensors': statistics(net.state_dict())})
    torch.manual_seed(0)
    result['models'].append({'variant': 'b0', 'head': 'replace', 'tensors': statistics(E.efficientnet_b0(weights=None, num_classes=CLASSES).state_dict())})
    with open(OUT, 'w') as f:
        json.dump(result, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
