#!/usr/bin/env python3
"""The default `harness lr-find --dataset mnist` sweep, written in PyTorch: the yardstick for
the harness's suggestions and wall time (scripts/bench-lr-find.sh runs both).

Same data (datasets/mnist, pixels / 255 normalized with 0.1307 / 0.3081), same model (784-128-10
MLP, ReLU, PyTorch's default init), same optimizer (plain SGD), batch 128 drawn from a shuffled
epoch, same ramp (1e-7 to 10 in 100 exponential steps), same debiased smoothing (beta 0.98) and
stop rule (smoothed loss > 4 x best). Prints one JSON object with the curve and two readings of
it:
  steepest             pytorch-lr-finder's suggestion: argmin of np.gradient over the smoothed
                       losses, skipping the first 10 and last 5 points;
  steepest_first_half  the tutorial's recipe: argmin of np.gradient over the first half.
"""
import argparse
import gzip
import json
import os
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

IMPORTED = time.perf_counter()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="datasets/mnist")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start-lr", type=float, default=1e-7)
    p.add_argument("--end-lr", type=float, default=10.0)
    p.add_argument("--num-iters", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--smooth", type=float, default=0.98)
    p.add_argument("--diverge", type=float, default=4.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    images = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz"))
    x = (torch.from_numpy(images.reshape(len(images), -1).astype(np.float32)) / 255.0 - 0.1307) / 0.3081
    y = torch.from_numpy(labels.astype(np.int64))
    loaded = time.perf_counter()

    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=a.start_lr)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    lrs, losses, smoothed = [], [], []
    avg, best, stop = 0.0, float("inf"), "completed"
    for i in range(a.num_iters):
        lr = a.start_lr * (a.end_lr / a.start_lr) ** (i / (a.num_iters - 1))
        for g in opt.param_groups:
            g["lr"] = lr
        start = (i * a.batch_size) % len(x)
        idx = order[start : start + a.batch_size]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        value = loss.item()
        if not np.isfinite(value):
            stop = "non_finite"
            break
        avg = a.smooth * avg + (1 - a.smooth) * value
        s = avg / (1 - a.smooth ** (i + 1))
        lrs.append(lr)
        losses.append(value)
        smoothed.append(s)
        if best < float("inf") and s > a.diverge * best:
            stop = "diverged"
            break
        best = min(best, s)
    swept = time.perf_counter()

    sm = np.array(smoothed)
    window = sm[10:-5]
    steepest = lrs[10 + int(np.gradient(window).argmin())] if len(window) > 1 else None
    half = sm[: len(sm) // 2]
    first_half = lrs[int(np.gradient(half).argmin())] if len(half) > 1 else None
    print(json.dumps({
        "steepest": steepest,
        "steepest_first_half": first_half,
        "stop_reason": stop,
        "points": len(lrs),
        "import_seconds": IMPORTED - T0,
        "load_seconds": loaded - IMPORTED,
        "sweep_seconds": swept - loaded,
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "lrs": lrs,
        "losses": losses,
        "smoothed": smoothed,
    }))


if __name__ == "__main__":
    main()
