#!/usr/bin/env python3
"""`harness bench`'s workloads in PyTorch eager, printing the same JSON array.

Same data (datasets/mnist, normalized), same model (784-<hidden>-10 MLP, ReLU, or 784 -> 1
linear with MSE against the label), plain SGD, batches gathered from tensors resident in
memory by a shuffled permutation, the loss read every step (`loss.item()`), the same warm-up
and timed steps, and the same threads (`torch.set_num_threads`). startup_seconds counts from
the interpreter's start: `import torch`, loading MNIST, building the model, the first step.
peak_rss_mb is the process's peak resident memory (ru_maxrss), which only grows: the batch
sizes are measured in increasing order, so each figure is the peak up to that configuration.

--device cuda runs the same workloads on the GPU: the data is put on the device once (as the
harness does), every timing is taken between `torch.cuda.synchronize()` calls (so it holds the
GPU's work, not only its launch), and `device_memory_mb` is
`torch.cuda.max_memory_allocated()` for that batch size (the peak is reset before each).
"""
import argparse
import gzip
import json
import os
import platform
import time

T0 = time.perf_counter()

import resource  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir):
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    x = (torch.from_numpy(images.reshape(len(images), -1).astype(np.float32)) / 255.0 - 0.1307) / 0.3081
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def quantile(values, q):
    s = sorted(values)
    rank = max(1, min(len(s), int(np.ceil(q * len(s)))))
    return s[rank - 1]


def measure(args, batch_size, first):
    t0 = T0 if first else time.perf_counter()
    device = torch.device(args.device)
    cuda = device.type == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize()

    if cuda:
        torch.cuda.reset_peak_memory_stats()
    x, y = load(args.data)
    x, y = x.to(device), y.to(device)
    if args.model == "mlp":
        model = nn.Sequential(nn.Linear(784, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
        loss_fn = nn.CrossEntropyLoss()
        target = y
    else:
        model = nn.Linear(784, 1)
        loss_fn = nn.MSELoss()
        target = y.float().unsqueeze(1)
    model = model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    n = len(x)

    def batches(seed):
        epoch = 0
        while True:
            g = torch.Generator().manual_seed(seed + epoch)
            order = torch.randperm(n, generator=g).to(device)
            for start in range(0, n, batch_size):
                yield order[start: start + batch_size]
            epoch += 1

    def step(idx):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), target[idx])
        loss.backward()
        opt.step()
        return loss.item()

    it = batches(0)
    step(next(it))
    sync()
    startup = time.perf_counter() - t0
    for _ in range(args.warmup):
        step(next(it))
    times, rows = [], 0
    for _ in range(args.steps):
        idx = next(it)
        rows += len(idx)
        sync()
        t = time.perf_counter()
        step(idx)
        sync()
        times.append(time.perf_counter() - t)
    with torch.no_grad():
        ev = batches(1)
        for _ in range(args.warmup):
            model(x[next(ev)])
        sync()
        t = time.perf_counter()
        eval_rows = 0
        for _ in range(args.steps):
            idx = next(ev)
            eval_rows += len(idx)
            model(x[idx])
        sync()
        forward = time.perf_counter() - t
    g = torch.Generator().manual_seed(1000)
    order = torch.randperm(n, generator=g).to(device)
    sync()
    t = time.perf_counter()
    for start in range(0, n, batch_size):
        step(order[start: start + batch_size])
    sync()
    epoch = time.perf_counter() - t
    return {
        "backend": "pytorch",
        "device": args.device if not cuda else f"cuda ({torch.cuda.get_device_name(device)})",
        "device_memory_mb": torch.cuda.max_memory_allocated(device) / 2**20 if cuda else None,
        "model": f"mlp 784-{args.hidden}-10" if args.model == "mlp" else "linear 784-1",
        "batch_size": batch_size,
        "samples_per_sec": rows / sum(times),
        "step_ms_median": 1e3 * quantile(times, 0.5),
        "step_ms_p95": 1e3 * quantile(times, 0.95),
        "forward_samples_per_sec": eval_rows / forward,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "startup_seconds": startup,
        "epoch_seconds": epoch,
        "steps": args.steps,
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="datasets/mnist")
    p.add_argument("--model", choices=["mlp", "linear"], default="mlp")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch-sizes", default="64,128,512,2048")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    a = p.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: this PyTorch sees no CUDA device")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    sizes = sorted(int(b) for b in a.batch_sizes.split(","))
    print(json.dumps([measure(a, b, i == 0) for i, b in enumerate(sizes)], indent=2))


if __name__ == "__main__":
    main()
