#!/usr/bin/env bash
# The figures of the LR range test's targets, measured back to back on this machine:
#   1. wall time of the default sweep (`harness lr-find --dataset mnist`, start-up and data
#      loading included) against the same sweep in PyTorch (scripts/lr_find_pytorch.py), the
#      median of RUNS runs each;
#   2. the recommended LR against the steepest-descent LR of PyTorch's recipe (factor);
#   3. one epoch of training at the recommended LR (constant, and the default one-cycle);
#   4. the spread of the recommendation over 5 seeds.
# PyTorch is installed on first use into $HARNESS_BENCH_VENV (default
# ~/.cache/harness-bench/venv, about 5 GB with the CUDA wheels PyPI serves); nothing here is
# needed by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
VENV=${HARNESS_BENCH_VENV:-$HOME/.cache/harness-bench/venv}
THREADS=$(nproc)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
    echo "installing PyTorch into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy
fi
cargo build --release --quiet -p harness
HARNESS=target/release/harness
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "PyTorch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)') with $THREADS threads; harness $("$HARNESS" --version | cut -d' ' -f2) (flex)"
for i in $(seq "$RUNS"); do
    t0=$(now); "$HARNESS" lr-find --dataset mnist --format json > "$TMP/harness.json"; t1=$(now)
    "$VENV/bin/python" scripts/lr_find_pytorch.py --threads "$THREADS" > "$TMP/torch.json"; t2=$(now)
    echo "$t1 - $t0" | bc -l >> "$TMP/harness.times"
    echo "$t2 - $t1" | bc -l >> "$TMP/torch.times"
done
h=$(median < "$TMP/harness.times")
p=$(median < "$TMP/torch.times")
printf 'default sweep, whole process, median of %d: harness %.2f s, PyTorch %.2f s (%.1fx faster)\n' \
    "$RUNS" "$h" "$p" "$(echo "$p / $h" | bc -l)"
python3 - "$TMP/harness.json" "$TMP/torch.json" <<'PY'
import json, sys
h, p = (json.load(open(f)) for f in sys.argv[1:3])
rec, steep = h["recommended_lr"], p["steepest"]
print(f"PyTorch: import {p['import_seconds']:.2f} s, data {p['load_seconds']:.2f} s, sweep {p['sweep_seconds']:.2f} s")
print(f"harness: recommended {rec:.3g} ({h['confidence']}), steepest {h['suggestions']['steepest']:.3g}; "
      f"PyTorch recipe steepest {steep:.3g}: factor {max(rec, steep) / min(rec, steep):.2f}")
PY
for plan in constant one-cycle; do
    "$HARNESS" lr-find --dataset mnist --write-config "$TMP/$plan.toml" --schedule "$plan" --epochs 1 > /dev/null 2>&1
    acc=$("$HARNESS" train --config "$TMP/$plan.toml" --out "$TMP/run-$plan" 2>/dev/null |
        python3 -c 'import json,sys; t=sys.stdin.read(); print(json.loads(t[t.index("{"):t.rindex("}")+1])["test_accuracy"])')
    echo "one epoch at the recommended LR ($plan): test accuracy $acc"
done
"$HARNESS" lr-find --dataset mnist --seeds 5 --format json > "$TMP/seeds.json" 2>/dev/null
python3 - "$TMP/seeds.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lrs = ", ".join(f"{s['recommended_lr']:.3g}" for s in d["per_seed"])
print(f"--seeds 5: {lrs}; spread {d['seed_spread_decades']:.2f} decades, "
      f"recommended {d['recommended_lr']:.3g} ({d['confidence']})")
PY
