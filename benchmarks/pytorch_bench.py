"""PyTorch reference for `npm run bench`: EfficientNet-B0/B3 training step and inference.

Run with Debian's interpreter: /usr/bin/python3 bench/pytorch_bench.py '<json config>'.
Prints one JSON object with median seconds per step / per batch and peak RSS.
"""
import json
import resource
import sys
import time

import torch
import torchvision

torch.manual_seed(0)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def timed(fn, repeats):
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"wall": median(wall), "cpu": median(cpu)}


def run(case, repeats):
    build = {"b0": torchvision.models.efficientnet_b0, "b3": torchvision.models.efficientnet_b3}[case["variant"]]
    model = build(num_classes=10)
    size, batch = case["size"], case["batch"]
    x = torch.randn(batch, 3, size, size)
    if case["mode"] == "train":
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        y = torch.randint(0, 10, (batch,))
        micro = case.get("micro", batch)

        def step():
            optimizer.zero_grad()
            for start in range(0, batch, micro):
                xs, ys = x[start:start + micro], y[start:start + micro]
                loss = torch.nn.functional.cross_entropy(model(xs), ys) * (len(ys) / batch)
                loss.backward()
            optimizer.step()

        return timed(step, repeats)
    model.eval()

    def infer():
        with torch.no_grad():
            model(x)

    return timed(infer, repeats)


def main():
    config = json.loads(sys.argv[1])
    torch.set_num_threads(config.get("threads", 2))
    results = {}
    for case in config["cases"]:
        results[case["name"]] = run(case, config["repeats"])
    results["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results["torch"] = torch.__version__
    print(json.dumps(results))


if __name__ == "__main__":
    main()
