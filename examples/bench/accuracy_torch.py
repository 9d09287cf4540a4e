#!/usr/bin/env python3
"""The PyTorch side of `npm run bench:accuracy -w @art/examples`.

Trains the seed's B3 model (torchvision EfficientNet, the seed's BaseModel head) with the
seed's training loop on the batches @art wrote to a batch cache (see batch-cache.ts), and
prints one JSON object: per-epoch train loss, validation loss, accuracy and Macro F1.

Everything here is the seed's code as is, from scratch: torchvision's EfficientNet with its
own initialisation (weights=None), `nn.Sequential(nn.Dropout(p=0.3), nn.Linear(1000, n))`
with PyTorch's default initialisation, `torch.optim.Adam(lr)` with its defaults,
`nn.CrossEntropyLoss()`, `model.train()` / `model.eval()`. Only the width and depth
multipliers (the reduced B3 of the demo), the learning rate (flags) and the batch size (the
cache's) come from @art's recipe; torch.manual_seed(seed) sets the initial weights and the
dropout / stochastic-depth masks.

Usage: python3 accuracy_torch.py --cache DIR --seed 0 --epochs 15 --lr 5e-4 --width-mult 0.6 \
         --depth-mult 0.7 [--parameters N] [--threads 2]
Needs Debian's python3-torch, python3-torchvision, python3-sklearn.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from sklearn.metrics import f1_score
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

# torchvision's efficientnet_b3: _efficientnet_conf("efficientnet_b3", width_mult=1.2, depth_mult=1.4),
# classifier dropout 0.3, stochastic depth 0.2 (EfficientNet's default).
B3_DROPOUT = 0.3
# The seed's BaseModel: nn.Sequential(nn.Dropout(p=0.3), nn.Linear(in_features=1000, out_features=num_classes)).
SEED_HEAD_DROPOUT = 0.3


class BaseModel(nn.Module):
    """The seed's B3 model, with the backbone at the manifest's width and depth multipliers."""

    def __init__(self, num_classes, width_mult, depth_mult):
        super().__init__()
        setting, last_channel = _efficientnet_conf('efficientnet_b3', width_mult=width_mult, depth_mult=depth_mult)
        self.backbone = EfficientNet(setting, B3_DROPOUT, last_channel=last_channel)
        self.classifier = nn.Sequential(nn.Dropout(p=SEED_HEAD_DROPOUT), nn.Linear(in_features=1000, out_features=num_classes))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def read_split(cache, stem, shape):
    images = np.fromfile(os.path.join(cache, stem + '.f32'), dtype='<f4').reshape(-1, *shape)
    labels = np.fromfile(os.path.join(cache, stem + '.labels.i32'), dtype='<i4')
    # NHWC (what @art writes) -> NCHW (what torchvision takes)
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))), torch.from_numpy(labels.astype(np.int64))


def validation(model, criterion, images, labels, batch_size):
    model.eval()
    predictions, loss_sum = [], 0.0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            logits = model(x)
            loss_sum += criterion(logits, y).item() * len(y)
            predictions.append(logits.argmax(1))
    predicted = torch.cat(predictions).numpy()
    truth = labels.numpy()
    return {
        'validLoss': loss_sum / len(truth),
        'validAccuracy': float((predicted == truth).mean()),
        'validMacroF1': float(f1_score(truth, predicted, average='macro', zero_division=0)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cache', required=True, help='batch cache directory (manifest.json + batches)')
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument('--epochs', type=int, required=True)
    parser.add_argument('--lr', type=float, required=True)
    parser.add_argument('--width-mult', type=float, required=True)
    parser.add_argument('--depth-mult', type=float, required=True)
    parser.add_argument('--parameters', type=int, help="@art's parameter count: refuse to train another architecture")
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    with open(os.path.join(args.cache, 'manifest.json')) as f:
        manifest = json.load(f)
    if args.epochs > manifest['epochs']:
        sys.exit(f"accuracy_torch.py: --epochs {args.epochs}, but the cache {args.cache} holds {manifest['epochs']} epochs")
    torch.set_num_threads(args.threads)
    num_classes = len(manifest['classes'])
    batch_size = manifest['batchSize']
    shape = manifest['imageShape']

    torch.manual_seed(args.seed)
    model = BaseModel(num_classes, args.width_mult, args.depth_mult)
    parameters = sum(p.numel() for p in model.parameters())
    if args.parameters is not None and parameters != args.parameters:
        sys.exit(f"accuracy_torch.py: torchvision's network has {parameters} parameters, @art's {args.parameters}: not the same architecture")
    optimizer = torch.optim.Adam(params=model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()
    valid_images, valid_labels = read_split(args.cache, 'valid', shape)

    history = []
    for epoch in range(args.epochs):
        started = time.time()
        images, labels = read_split(args.cache, f'train-e{epoch:02d}', shape)
        model.train()
        loss_sum, correct = 0.0, 0
        for start in range(0, len(labels), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            optimizer.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += int((logits.argmax(1) == y).sum())
        record = {'epoch': epoch, 'trainLoss': loss_sum / len(labels), 'trainAccuracy': correct / len(labels)}
        record.update(validation(model, criterion, valid_images, valid_labels, batch_size))
        record['seconds'] = time.time() - started
        history.append(record)
        print(f"  torch seed {args.seed} epoch {epoch + 1}/{args.epochs} loss {record['trainLoss']:.4f} "
              f"| val macro-F1 {record['validMacroF1']:.4f} | {record['seconds']:.1f}s", file=sys.stderr, flush=True)
    print(json.dumps({'side': 'pytorch', 'seed': args.seed, 'parameters': parameters, 'headDropout': SEED_HEAD_DROPOUT,
                      'torch': torch.__version__, 'history': history}))


if __name__ == '__main__':
    main()
