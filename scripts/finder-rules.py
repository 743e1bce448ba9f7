#!/usr/bin/env python3
"""Evaluate candidate LR-finder rules offline on finder-benchmark results.

    python3 scripts/finder-rules.py OUT_DIR [OUT_DIR ...]

Each OUT_DIR is the --out folder of `harness lr-find --benchmark`. Its benchmark.json holds,
per set-up, the sweep (LR, raw and smoothed loss per point) and the grids (test accuracy or
RMSE of training runs at LRs centre * 2^k, constant and one-cycle). Several folders pool their
grids (keyed by the LR of the schedule trained: one-cycle's max_lr). A candidate rule reads an
LR off the sweep and a one-cycle factor turns it into max_lr; its result is interpolated (linearly in
log2 LR) between the nearest grid runs, and "unknown" outside the grid. Nothing is trained:
this is for choosing what to try next, and every rule adopted is then checked by running the
benchmark itself.
"""
import json
import math
import sys

setups, trials = {}, {}
for folder in sys.argv[1:]:
    for s in json.load(open(f"{folder}/benchmark.json"))["setups"]:
        setups.setdefault(s["name"], s)
        for g in s["grids"]:
            t = trials.setdefault((s["name"], g["protocol"]), {})
            for tr in g["trials"]:
                # The LR of the schedule trained: one-cycle's max_lr where it is recorded.
                t[math.log2(tr.get("schedule_lr", tr["lr"]))] = tr["value"]


def value_at(name, protocol, lr):
    """The interpolated result at lr; None where a neighbour diverged; 'unknown' off the grid."""
    t = trials[(name, protocol)]
    x, ks = math.log2(lr), sorted(trials[(name, protocol)])
    if x < ks[0] - 1e-9 or x > ks[-1] + 1e-9:
        return "unknown"
    for a, b in zip(ks, ks[1:] + [ks[-1]]):
        if a - 1e-9 <= x <= b + 1e-9:
            if t[a] is None or t[b] is None:
                return None
            w = (x - a) / (b - a) if b > a else 0.0
            return t[a] + w * (t[b] - t[a])


def best(name, protocol):
    values = [v for v in trials[(name, protocol)].values() if v is not None]
    return (max if setups[name]["goal"] == "accuracy" else min)(values)


def within(goal, value, best_value):
    if value is None or value == "unknown":
        return False
    if goal == "accuracy":
        return value >= best_value - 0.005
    return value <= best_value * 1.02


def centered(losses, w):
    """Zero-lag smoothing: a running median over 2w+1 points, then a running mean."""
    n = len(losses)
    med = [sorted(losses[max(0, i - w):i + w + 1])[len(losses[max(0, i - w):i + w + 1]) // 2] for i in range(n)]
    return [sum(med[max(0, i - w):i + w + 1]) / len(med[max(0, i - w):i + w + 1]) for i in range(n)]


def optimizer_of(s):
    return s.get("optimizer", {}).get("kind", "sgd")


def one_cycle_factor(kind, k):
    """max_lr / constant LR: one-cycle cycles momentum from 0.85 (at the peak LR) on SGD-type
    optimizers (sgd, momentum, rmsprop: step ~ lr / (1 - m)); Adam's beta1 does not scale its
    step; Adagrad has no momentum. k: how far above the constant LR a one-cycle peak may go."""
    m0 = {"sgd": 0.0, "rmsprop": 0.0, "momentum": 0.9}.get(kind)
    return k if m0 is None else k * (1 - 0.85) / (1 - m0)


def rule_current(s):
    return s["recommended_lr"]


def rule_centered_lowest(s, w=3):
    lrs = [p["lr"] for p in s["sweep"]]
    c = centered([p["loss"] for p in s["sweep"]], w)
    start = len(c) // 10
    i = min(range(start, len(c)), key=lambda i: c[i])
    return lrs[i]


def evaluate(label, rule, factor):
    right = {"constant": 0, "one_cycle": 0}
    missed = []
    for name, s in setups.items():
        lr = rule(s)
        for protocol in right:
            if lr is None:
                missed.append(f"{name}:{protocol}:none")
                continue
            at = lr if protocol == "constant" else lr * factor(s)
            v = value_at(name, protocol, at)
            if within(s["goal"], v, best(name, protocol)):
                right[protocol] += 1
            else:
                missed.append(f"{name}:{protocol}:{'unknown' if v == 'unknown' else 'off'}")
    n = len(setups)
    print(f"{label}: constant {right['constant']}/{n}, one_cycle {right['one_cycle']}/{n}")
    for m in missed:
        print(f"    {m}")


if __name__ == "__main__":
    evaluate("current rule, one-cycle max_lr at the LR", rule_current, lambda s: 1.0)
    for k in (1, 2, 3):
        evaluate(f"current rule, one-cycle factor k={k}", rule_current,
                 lambda s, k=k: one_cycle_factor(optimizer_of(s), k))
        evaluate(f"centered lowest (w=3), one-cycle factor k={k}", rule_centered_lowest,
                 lambda s, k=k: one_cycle_factor(optimizer_of(s), k))
