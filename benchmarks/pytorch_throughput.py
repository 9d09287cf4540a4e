"""PyTorch side of bench/runtimes.ts: torchvision EfficientNets (random weights, eval mode,
torch.inference_mode) at the given sizes and batches, on N CPU threads. Prints one JSON line
per row: {"variant", "size", "batch", "images_per_second", "iterations"}.

    /usr/bin/python3 bench/pytorch_throughput.py --rows b0:224,b3:300 --batches 1,8 --threads 2 --seconds 3
"""
import argparse
import json
import time

import torch
import torchvision

BUILDERS = {name: getattr(torchvision.models, f"efficientnet_{name.replace('-', '_')}") for name in
            ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'v2-s', 'v2-m', 'v2-l']}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', default='b0:224,b3:300,v2-m:384')
    parser.add_argument('--batches', default='1,8')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seconds', type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for row in args.rows.split(','):
        name, size = row.split(':')
        model = BUILDERS[name]().eval()
        for batch in [int(b) for b in args.batches.split(',')]:
            x = torch.randn(batch, 3, int(size), int(size))
            with torch.inference_mode():
                model(x)  # warm-up
                iterations, started = 0, time.perf_counter()
                while iterations == 0 or time.perf_counter() - started < args.seconds:
                    model(x)
                    iterations += 1
                elapsed = time.perf_counter() - started
            print(json.dumps({'variant': name, 'size': int(size), 'batch': batch,
                              'images_per_second': batch * iterations / elapsed, 'iterations': iterations}), flush=True)


if __name__ == '__main__':
    main()
