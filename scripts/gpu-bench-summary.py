#!/usr/bin/env python3
"""The summary of a `scripts/gpu-bench.sh run OUT` folder, as Markdown on stdout.

    python3 scripts/gpu-bench-summary.py OUT

Reads bench-<backend>.json (`harness bench --format json`), torch-cuda.json
(`scripts/bench-pytorch.py --device cuda`) and lr-find-cuda.json where present, and prints one
table of training throughput per size (hidden width x batch): each harness backend and PyTorch
CUDA in samples/s, the ratio harness / PyTorch (above 1: the harness is ahead), the device
memory each held; then the one-epoch headline and the LR range test. Plain Python 3.
"""
import json
import pathlib
import sys


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def hidden_of(model):
    # "mlp 784-128-10" -> 128
    return int(model.split("-")[1]) if model.startswith("mlp") else 0


def main():
    out = pathlib.Path(sys.argv[1])
    runs = {}
    for path in sorted(out.glob("bench-*.json")):
        for m in load(path) or []:
            runs.setdefault(m["backend"], {})[(hidden_of(m["model"]), m["batch_size"])] = m
    torch = {(hidden_of(m["model"]), m["batch_size"]): m for m in load(out / "torch-cuda.json") or []}
    backends = sorted(runs)
    sizes = sorted(set(k for b in runs.values() for k in b) | set(torch))
    print("# GPU benchmark\n")
    header = ["hidden", "batch"]
    for b in backends:
        header += [f"{b} samples/s", f"{b} / PyTorch", f"{b} MB"]
    header += ["PyTorch samples/s", "PyTorch MB"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    fmt = lambda v, spec: "" if v is None else format(v, spec)
    for size in sizes:
        t = torch.get(size)
        row = [str(size[0]), str(size[1])]
        for b in backends:
            m = runs[b].get(size)
            sps = m["samples_per_sec"] if m else None
            ratio = sps / t["samples_per_sec"] if (m and t) else None
            row += [fmt(sps, ",.0f"), fmt(ratio, ".2f"), fmt(m and m.get("device_memory_mb"), ".0f")]
        row += [fmt(t and t["samples_per_sec"], ",.0f"), fmt(t and t.get("device_memory_mb"), ".0f")]
        print("| " + " | ".join(row) + " |")
    print("\n## One epoch (hidden 128, batch 128)\n")
    for b in backends:
        m = runs[b].get((128, 128))
        if m and m.get("epoch_seconds") is not None:
            line = f"- {b}: {m['epoch_seconds']:.3f} s, start-up {m['startup_seconds']:.2f} s"
            print(line + f" ({m['device']})")
    t = torch.get((128, 128))
    if t and t.get("epoch_seconds") is not None:
        print(f"- PyTorch CUDA: {t['epoch_seconds']:.3f} s, start-up {t['startup_seconds']:.2f} s ({t['device']})")
    finding = load(out / "lr-find-cuda.json")
    if finding:
        print("\n## LR range test on cuda (default MNIST sweep)\n")
        print(f"- recommended LR {finding.get('recommended_lr')}, confidence {finding.get('confidence')}, "
              f"{finding.get('elapsed_seconds', 0):.2f} s")


if __name__ == "__main__":
    main()
