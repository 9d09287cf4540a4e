#!/usr/bin/env python3
"""Reference training steps from PyTorch for @art's step-parity tests.

Run with Debian's python3-torch / python3-torchvision (torch 1.13, torchvision 0.14.1):
    /usr/bin/python3 packages/competition/scripts/make-training-parity-fixtures.py

Writes packages/competition/test/fixtures/training-parity/:
  manifest.json            models, scenarios, ReduceLROnPlateau sequences, init statistics
  <model>.init.safetensors initial weights (torchvision state_dict keys) + input batch + labels
  <scenario>.safetensors   losses of every step, step-1 gradients (when recorded), weights and
                           BatchNorm running statistics after the last step, fed masks

The models are the seed's code at reduced size: torchvision EfficientNet (a B0 at width 0.25 /
depth 0.25 and a small V2 table) with the seed head (Dropout + Linear(1000, n)) or the pyramid
head (ReLU + Linear(1000, n)), both trained with model.train(), CrossEntropyLoss and
torch.optim.Adam / SGD exactly as the seed's training loop does.
"""
import functools
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
from torchvision.models import efficientnet as E
from torchvision.ops import StochasticDepth

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'training-parity')
NUM_CLASSES = 5
BATCH = 4
SIZE = 64
STEPS = 3


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (F32 / I64), keys sorted, 8-byte aligned header."""
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        array = np.ascontiguousarray(tensors[key])
        dtype = {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64'}[array.dtype]
        data = array.tobytes()
        header[key] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header['__metadata__'] = metadata
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


class SeedNet(nn.Module):
    """The seed's BaseModel / PyramidNet with the backbone's modules at the top level, so the
    state_dict keys are torchvision's (`features.*`, `classifier.*`) plus `head.*`."""

    def __init__(self, backbone, head):
        super().__init__()
        self.features, self.avgpool, self.classifier = backbone.features, backbone.avgpool, backbone.classifier
        self.head = head

    def forward(self, x):
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.head(self.classifier(x))


# name -> (TS config, torchvision constructor)
F, M = E.FusedMBConvConfig, E.MBConvConfig
V2_TABLE = [(1, 3, 1, 8, 8, 2), (4, 3, 2, 8, 16, 2), (4, 3, 2, 16, 24, 2)]


def build_backbone(model, dropout, stochastic_depth):
    if model == 'b0':
        setting, _ = E._efficientnet_conf('efficientnet_b0', width_mult=0.25, depth_mult=0.25)
        return E.EfficientNet(setting, dropout, stochastic_depth_prob=stochastic_depth, last_channel=32)
    rows = [F(*V2_TABLE[0]), F(*V2_TABLE[1]), M(*V2_TABLE[2])]
    return E.EfficientNet(rows, dropout, stochastic_depth_prob=stochastic_depth, last_channel=32,
                          norm_layer=functools.partial(nn.BatchNorm2d, eps=1e-3))


MODELS = {
    'b0': {'head': 'seed', 'config': {'variant': 'b0', 'widthMultiplier': 0.25, 'depthMultiplier': 0.25, 'lastChannels': 32}},
    'v2': {'head': 'pyramid', 'config': {'stages': [['FusedMBConv', *V2_TABLE[0]], ['FusedMBConv', *V2_TABLE[1]], ['MBConv', *V2_TABLE[2]]],
                                         'lastChannels': 32, 'batchNorm': {'epsilon': 1e-3, 'momentum': 0.1}}},
}


def build(model, dropout=0.0, head_dropout=0.0, stochastic_depth=0.0):
    torch.manual_seed(1234 if model == 'b0' else 4321)
    backbone = build_backbone(model, dropout, stochastic_depth)
    if MODELS[model]['head'] == 'seed':
        head = nn.Sequential(nn.Dropout(p=head_dropout), nn.Linear(1000, NUM_CLASSES))
    else:
        head = nn.Sequential(nn.ReLU(), nn.Linear(1000, NUM_CLASSES))
    return SeedNet(backbone, head)


class FedMasks:
    """Replaces Dropout / StochasticDepth forwards with Bernoulli masks drawn here and recorded
    per step and module name, so the TypeScript side can apply the very same masks."""

    def __init__(self, net, seed):
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0
        self.masks = {}
        for name, module in net.named_modules():
            if isinstance(module, nn.Dropout) and module.p > 0:
                module.forward = self.dropout(name, module)
            elif isinstance(module, StochasticDepth) and module.p > 0:
                module.forward = self.stochastic_depth(name, module)

    def draw(self, name, shape, keep):
        mask = torch.bernoulli(torch.full(shape, keep), generator=self.generator)
        self.masks[f'mask/{self.step}/{name}'] = mask.numpy().astype(np.float32)
        return mask

    def dropout(self, name, module):
        def forward(x):
            if not module.training:
                return x
            keep = 1 - module.p
            return x * self.draw(name, x.shape, keep) / keep
        return forward

    def stochastic_depth(self, name, module):
        def forward(x):
            if not module.training:
                return x
            keep = 1 - module.p
            return x * (self.draw(name, [x.shape[0], 1, 1, 1], keep) / keep)
        return forward


def make_optimizer(spec, params):
    if spec['name'] == 'adam':
        return torch.optim.Adam(params, lr=spec['lr'])
    return torch.optim.SGD(params, lr=spec['lr'], momentum=spec['momentum'])


def state_arrays(net, prefix):
    return {f'{prefix}/{k}': v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items() if not k.endswith('num_batches_tracked')}


def run_scenario(scenario, init_state, x, y):
    net = build(scenario['model'], **scenario.get('dropouts', {}))
    net.load_state_dict(init_state)
    net.train()
    fed = FedMasks(net, seed=99) if scenario.get('masks') else None
    optimizer = make_optimizer(scenario['optimizer'], net.parameters())
    loss_fn = nn.CrossEntropyLoss()
    micro = scenario.get('microBatchSize', BATCH)
    out, losses = {}, []
    for step in range(STEPS):
        if fed:
            fed.step = step
        optimizer.zero_grad()
        total = 0.0
        for start in range(0, BATCH, micro):
            # The usual accumulation idiom: each micro-batch's mean loss weighted by its share.
            loss = loss_fn(net(x[start:start + micro]), y[start:start + micro]) * (min(micro, BATCH - start) / BATCH)
            loss.backward()
            total += loss.item()
        losses.append(total)
        if step == 0 and scenario.get('recordGradients'):
            out.update({f'grad/{k}': p.grad.detach().numpy().astype(np.float32) for k, p in net.named_parameters()})
        optimizer.step()
    out.update(state_arrays(net, 'final'))
    out['loss'] = np.array(losses, dtype=np.float32)
    if fed:
        out.update(fed.masks)
    return out


SCENARIOS = [
    {'name': 'b0-seed-adam', 'model': 'b0', 'optimizer': {'name': 'adam', 'lr': 1e-3}, 'recordGradients': True},
    {'name': 'b0-seed-sgd', 'model': 'b0', 'optimizer': {'name': 'sgd', 'lr': 1e-2, 'momentum': 0.9}},
    {'name': 'b0-seed-adam-accumulate', 'model': 'b0', 'optimizer': {'name': 'adam', 'lr': 1e-3}, 'microBatchSize': 2},
    {'name': 'v2-pyramid-adam', 'model': 'v2', 'optimizer': {'name': 'adam', 'lr': 1e-3}, 'recordGradients': True},
    {'name': 'v2-pyramid-sgd', 'model': 'v2', 'optimizer': {'name': 'sgd', 'lr': 1e-2, 'momentum': 0.9}},
    {'name': 'b0-seed-adam-masks', 'model': 'b0', 'optimizer': {'name': 'adam', 'lr': 1e-3}, 'recordGradients': True, 'masks': True,
     'dropouts': {'dropout': 0.2, 'head_dropout': 0.3, 'stochastic_depth': 0.5}},
    {'name': 'v2-pyramid-sgd-masks', 'model': 'v2', 'optimizer': {'name': 'sgd', 'lr': 1e-2, 'momentum': 0.9}, 'masks': True,
     'dropouts': {'dropout': 0.2, 'stochastic_depth': 0.5}},
]

# ReduceLROnPlateau(mode='max', factor=0.1, patience=1) and two other settings, fed fixed scores.
PLATEAU_CASES = [
    {'options': {'mode': 'max', 'factor': 0.1, 'patience': 1}, 'scores': [0.1, 0.2, 0.2, 0.19, 0.3, 0.30001, 0.29, 0.28, 0.5, float('nan'), 0.4, 0.4, 0.6]},
    {'options': {'mode': 'max', 'factor': 0.5, 'patience': 0, 'cooldown': 1, 'min_lr': 2e-4}, 'scores': [0.5, 0.4, 0.4, 0.4, 0.6, 0.3, 0.3, 0.3, 0.3, 0.3]},
    {'options': {'mode': 'min', 'factor': 0.1, 'patience': 2, 'threshold': 0.01, 'threshold_mode': 'abs'}, 'scores': [1.0, 0.995, 0.98, 0.975, 0.97, 0.969, 0.5, 0.5, 0.5, 0.5]},
    {'options': {'mode': 'max', 'factor': 0.1, 'patience': 1}, 'scores': [float('nan'), 0.1, 0.1, 0.1, -0.5, -0.5, -0.49995, -0.4]},
]


def plateau_reference(case, lr=1e-3):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **case['options'])
    lrs = []
    for score in case['scores']:
        scheduler.step(score)
        lrs.append(optimizer.param_groups[0]['lr'])
    return lrs


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=generator)
    y = torch.tensor([0, 3, 1, 4])
    init_states = {}
    for model in MODELS:
        net = build(model)
        init_states[model] = {k: v.clone() for k, v in net.state_dict().items()}
        arrays = state_arrays(net, 'init')
        arrays['input'] = x.numpy()
        arrays['labels'] = y.numpy().astype(np.int64)
        write_safetensors(os.path.join(OUT, f'{model}.init.safetensors'), arrays)
        MODELS[model]['parameters'] = sum(p.numel() for p in net.parameters())
    for scenario in SCENARIOS:
        arrays = run_scenario(scenario, init_states[scenario['model']], x, y)
        write_safetensors(os.path.join(OUT, f"{scenario['name']}.safetensors"), arrays)
        print(scenario['name'], 'losses', arrays['loss'].tolist(), file=sys.stderr)
    plateau = [{**case, 'learningRates': plateau_reference(case)} for case in PLATEAU_CASES]
    manifest = {
        'generator': 'scripts/make-training-parity-fixtures.py',
        'torch': torch.__version__,
        'torchvision': __import__('torchvision').__version__,
        'batch': BATCH, 'size': SIZE, 'numClasses': NUM_CLASSES, 'steps': STEPS,
        'models': MODELS,
        'scenarios': SCENARIOS,
        'plateau': {'initialLearningRate': 1e-3, 'cases': plateau},
    }
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        # NaN scores are written as null (JSON has no NaN); the test maps them back.
        json.dump(json.loads(json.dumps(manifest).replace('NaN', 'null')), f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
