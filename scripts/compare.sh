#!/usr/bin/env bash
# harness bench (release, every CPU backend compiled in) and scripts/bench-pytorch.py on the
# same workloads, back to back, with the same number of threads; prints both tables of figures
# and the ratios (PyTorch / harness for times, harness / PyTorch for throughput: above 1 means
# the harness is ahead). PyTorch is installed on first use into $HARNESS_BENCH_VENV (default
# ~/.cache/harness-bench/venv).
# Usage: scripts/compare.sh [--batch-sizes 64,128,512,2048] [--steps 200] [--backend flex] [--threads N]
#        scripts/compare.sh --grid [--backends flex,cpu] [--hidden 128,1024,4096]
#            [--batch-sizes 128,1024] [--rounds 3] [--steps 100] [--threads N] [--peak-gflops G]
# (--threads: both sides' CPU threads, default every core)
#
# --grid: the size grid side by side. Each round runs every hidden width on every backend and
# on PyTorch, the order of the sides alternating from round to round; the table gives the
# median training samples/s of the rounds, the ratio harness / PyTorch, and the fraction of
# the CPU's peak FLOP/s each side reaches. FLOPs per training sample of the 784-H-10 MLP:
# 4·784·H (forward and weight gradient of the first layer; no input gradient) + 6·10·H (the
# second layer's three products). Peak: measured on the same threads by scripts/peak-flops.c
# (chains of fused multiply-adds on the widest vectors the CPU has, at the clock it really runs;
# compiled with cc), else threads × lscpu's max MHz × 32 single-precision FLOPs a cycle (two
# 256-bit FMA units), or --peak-gflops. A backend other than flex needs its feature (cpu: the
# offline LLVM, scripts/offline-llvm.sh); the release build takes every backend named.
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHES=64,128,512,2048 STEPS=200 BACKEND=flex THREADS=$(nproc)
GRID=0 BACKENDS=flex HIDDEN=128,1024,4096 ROUNDS=3 PEAK="" PEAK_HOW="--peak-gflops" BATCHES_SET=0 STEPS_SET=0
while [ $# -gt 0 ]; do
    case "$1" in
        --batch-sizes) BATCHES=$2; BATCHES_SET=1; shift 2 ;;
        --steps) STEPS=$2; STEPS_SET=1; shift 2 ;;
        --backend) BACKEND=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --grid) GRID=1; shift ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --hidden) HIDDEN=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --peak-gflops) PEAK=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
VENV=${HARNESS_BENCH_VENV:-$HOME/.cache/harness-bench/venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
    echo "installing PyTorch into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy
fi
TARGET=${CARGO_TARGET_DIR:-target}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ "$GRID" = 1 ]; then
    [ "$BATCHES_SET" = 1 ] || BATCHES=128,1024
    [ "$STEPS_SET" = 1 ] || STEPS=100
    features=$(echo "$BACKENDS" | tr ',' '\n' | { grep -v -x -e flex -e ndarray || true; } | paste -sd, -)
    case ",$features," in *,cpu,*|*,cuda,*) bash scripts/offline-llvm.sh ;; esac
    cargo build --release --quiet -p harness ${features:+--features "$features"}
    if [ -z "$PEAK" ] && command -v cc >/dev/null \
        && cc -O2 -march=native -pthread scripts/peak-flops.c -o "$TMP/peak-flops" 2>/dev/null; then
        PEAK=$("$TMP/peak-flops" "$THREADS")
        PEAK_HOW="measured by scripts/peak-flops.c"
    fi
    if [ -z "$PEAK" ]; then
        PEAK_HOW="threads x max MHz x 32"
        mhz=$(lscpu 2>/dev/null | awk -F: '/^CPU max MHz/ {gsub(/ /, "", $2); print $2; exit}')
        [ -n "$mhz" ] || mhz=$(awk -F: '/^cpu MHz/ {gsub(/ /, "", $2); print $2; exit}' /proc/cpuinfo)
        PEAK=$(echo "$THREADS * $mhz * 32 / 1000" | bc -l)
    fi
    for round in $(seq "$ROUNDS"); do
        for h in ${HIDDEN//,/ }; do
            sides="harness torch"
            [ $((round % 2)) = 0 ] && sides="torch harness"
            for side in $sides; do
                if [ "$side" = harness ]; then
                    for b in ${BACKENDS//,/ }; do
                        "$TARGET/release/harness" bench --backend "$b" --hidden "$h" --batch-sizes "$BATCHES" \
                            --steps "$STEPS" --threads "$THREADS" --no-epoch --format json > "$TMP/h-$b-$h-$round.json"
                    done
                else
                    "$VENV/bin/python" scripts/bench-pytorch.py --hidden "$h" --batch-sizes "$BATCHES" \
                        --steps "$STEPS" --threads "$THREADS" > "$TMP/t-$h-$round.json"
                fi
            done
            echo "round $round/$ROUNDS, hidden $h done" >&2
        done
    done
    python3 - "$TMP" "$PEAK" "$PEAK_HOW" <<'PY'
import glob, json, statistics, sys
tmp, peak, peak_how = sys.argv[1], float(sys.argv[2]), sys.argv[3]
runs = {}
machine = None
for path in glob.glob(f"{tmp}/*.json"):
    for m in json.load(open(path)):
        side = "pytorch" if m["backend"] == "pytorch" else m["backend"]
        hidden = int(m["model"].split("-")[1])
        runs.setdefault((side, hidden, m["batch_size"]), []).append(m["samples_per_sec"])
        machine = m.get("machine", machine)
sides = sorted({k[0] for k in runs} - {"pytorch"})
sizes = sorted({(k[1], k[2]) for k in runs})
if machine:
    print(f"{machine['cpu']}, {machine['cores']} cores, {machine['threads']} threads; peak {peak:.0f} GFLOP/s ({peak_how})")
print("medians of the rounds; FLOP/s as a fraction of that peak\n")
head = ["hidden", "batch"] + [f"{s} samples/s" for s in sides] + ["PyTorch samples/s"] \
    + [f"{s} / PyTorch" for s in sides] + [f"{s} % peak" for s in sides] + ["PyTorch % peak"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for h, b in sizes:
    flops = 4 * 784 * h + 6 * 10 * h
    med = {s: statistics.median(runs[(s, h, b)]) for s in sides + ["pytorch"] if (s, h, b) in runs}
    t = med.get("pytorch")
    row = [str(h), str(b)] + [f"{med[s]:,.0f}" if s in med else "" for s in sides]
    row += [f"{t:,.0f}" if t else ""]
    row += [f"{med[s] / t:.2f}" if s in med and t else "" for s in sides]
    row += [f"{100 * med[s] * flops / 1e9 / peak:.1f}" if s in med else "" for s in sides + ["pytorch"]]
    print("| " + " | ".join(row) + " |")
PY
    exit 0
fi
cargo build --release --quiet -p harness
"$TARGET/release/harness" bench --backend "$BACKEND" --batch-sizes "$BATCHES" --steps "$STEPS" --threads "$THREADS" --format json > "$TMP/harness.json"
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
