#!/usr/bin/env python3
"""Read a grid's TensorBoard events back with PyPI's `tensorboard` and check them against the
runs' metrics.csv: every step, every scalar, and the config as text.

    python3 scripts/check-tensorboard.py RUNS_DIR [--logdir LOGDIR]

RUNS_DIR holds run folders (each with metrics.csv and config.toml): `harness compare`'s
OUT/runs, or one run folder's parent. The events of run R are read from RUNS_DIR/R, or from
LOGDIR/R when the runs were given `--tensorboard LOGDIR`. The reader is TensorBoard's own
(`event_accumulator.EventAccumulator`, every point kept); a point is equal when it is the
metrics.csv value rounded to float32, as TensorBoard stores scalars. Exit status 1 on the first
difference, with the run, tag and step; 0 with one line per run otherwise.
"""
import argparse
import csv
import math
import pathlib
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator as ea

# metrics.csv column -> scalar tag; validation columns are filled on an epoch's last step.
COLUMNS = {
    "train_loss": "train/loss",
    "lr": "lr",
    "momentum": "momentum",
    "samples_per_sec": "samples_per_sec",
    "val_loss": "val/loss",
    "val_accuracy": "val/accuracy",
    "val_rmse": "val/rmse",
    "val_mae": "val/mae",
    "val_r2": "val/r2",
}


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def check_run(run, events_dir):
    acc = ea.EventAccumulator(str(events_dir), size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    with open(run / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{run}: metrics.csv has no rows")
    points = 0
    for column, tag in COLUMNS.items():
        expected = {int(r["step"]): f32(r[column]) for r in rows if r[column] != ""}
        if not expected:
            if tag in tags:
                sys.exit(f"{events_dir}: {tag} has points but metrics.csv's {column} is empty")
            continue
        if tag not in tags:
            sys.exit(f"{events_dir}: no scalar {tag} (metrics.csv has {len(expected)} {column})")
        got = {}
        for e in acc.Scalars(tag):
            if e.step in got:
                sys.exit(f"{events_dir}: {tag} has step {e.step} twice")
            got[e.step] = e.value
        if sorted(got) != sorted(expected):
            missing = sorted(set(expected) - set(got))[:5]
            extra = sorted(set(got) - set(expected))[:5]
            sys.exit(f"{events_dir}: {tag}: steps differ (missing {missing}, extra {extra})")
        for step, value in expected.items():
            if not same(got[step], value):
                sys.exit(f"{events_dir}: {tag} at step {step}: {got[step]} != {value}")
        points += len(got)
    texts = acc.Tensors("hparams") if "hparams" in acc.Tags()["tensors"] else []
    config = (run / "config.toml").read_text()
    shown = texts[0].tensor_proto.string_val[0].decode() if texts else ""
    if [line[4:] for line in shown.split("\n")] != config.rstrip("\n").split("\n"):
        sys.exit(f"{events_dir}: the hparams text is not {run / 'config.toml'}")
    return len(rows), points


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=pathlib.Path)
    parser.add_argument("--logdir", type=pathlib.Path)
    args = parser.parse_args()
    runs = sorted(p.parent for p in args.runs.glob("*/metrics.csv"))
    if not runs:
        sys.exit(f"{args.runs}: no run folder (with metrics.csv) in it")
    for run in runs:
        events_dir = (args.logdir or args.runs) / run.name
        steps, points = check_run(run, events_dir)
        print(f"{run.name}: {steps} steps, {points} points equal to metrics.csv")
    print(f"{len(runs)} runs: every step of every scalar read back by tensorboard")


if __name__ == "__main__":
    main()
