#!/usr/bin/env bash
# harness bench (release, every CPU backend compiled in) and scripts/bench-pytorch.py on the
# same workloads, back to back, with the same number of threads; prints both tables of figures
# and the ratios (PyTorch / harness for times, harness / PyTorch for throughput: above 1 means
# the harness is ahead). PyTorch is installed on first use into $HARNESS_BENCH_VENV (default
# ~/.cache/harness-bench/venv).
# Usage: scripts/compare.sh [--batch-sizes 64,128,512,2048] [--steps 200] [--backend flex] [--threads N]
# (--threads: both sides' CPU threads, default every core)
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHES=64,128,512,2048 STEPS=200 BACKEND=flex THREADS=$(nproc)
while [ $# -gt 0 ]; do
    case "$1" in
        --batch-sizes) BATCHES=$2; shift 2 ;;
        --steps) STEPS=$2; shift 2 ;;
        --backend) BACKEND=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
VENV=${HARNESS_BENCH_VENV:-$HOME/.cache/harness-bench/venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
    echo "installing PyTorch into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy
fi
cargo build --release --quiet -p harness
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
target/release/harness bench --backend "$BACKEND" --batch-sizes "$BATCHES" --steps "$STEPS" --threads "$THREADS" --format json > "$TMP/harness.json"
"$VENV/bin/python" scripts/bench-pytorch.py --batch-sizes "$BATCHES" --steps "$STEPS" --threads "$THREADS" > "$TMP/torch.json"
python3 - "$TMP/harness.json" "$TMP/torch.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
print(f"{h[0]['machine']['cpu']}, {h[0]['machine']['cores']} cores; harness with {h[0]['machine']['threads']} threads, "
      f"PyTorch {p[0]['versions']['torch']} with {p[0]['threads']} threads")
cols = [("samples_per_sec", "train samples/s", True), ("step_ms_median", "step ms", False),
        ("step_ms_p95", "p95 ms", False), ("forward_samples_per_sec", "fwd samples/s", True),
        ("peak_rss_mb", "peak RSS MB", False), ("startup_seconds", "start-up s", False),
        ("epoch_seconds", "epoch s", False)]
torch_by = {r["batch_size"]: r for r in p}
for r in h:
    t = torch_by.get(r["batch_size"])
    if t is None:
        continue
    print(f"\n{r['backend']} vs PyTorch, batch {r['batch_size']}")
    for key, name, higher in cols:
        a, b = r[key], t[key]
        if a is None or b is None:
            continue
        ratio = a / b if higher else b / a
        print(f"  {name:<16} harness {a:>12.3f}  PyTorch {b:>12.3f}  harness ahead x{ratio:.2f}")
PY
