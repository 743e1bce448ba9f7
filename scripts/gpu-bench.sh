#!/usr/bin/env bash
# GPU benchmarks in one go, on a machine with an NVIDIA GPU and no Rust toolchain.
#
#   bash scripts/gpu-bench.sh pack [DIR]         # here: build, strip and compress the binary
#   bash scripts/gpu-bench.sh run OUT            # there: unpack it and run every benchmark
#
# pack (on a build machine): the release `harness` with the cuda, wgpu and cpu backends (they link
# the LLVM of scripts/offline-llvm.sh, installed first when missing), stripped and compressed
# with xz into DIR (default gpu-pack/, ignored by git), with its SHA-256. It checks that the
# pack and the repository's tracked files stay under 64 MiB together (what a device call
# carries).
#
# run (on the GPU machine, from the repository root, with gpu-pack/ beside it): unpacks the
# binary into a temporary folder, then, each step under its own time limit and logged:
#   - harness bench on cuda and on wgpu: MLP 784-H-10 for H in 128 1024 4096, batches 128 512
#     2048 8192 (one epoch at H 128, batch 128, the headline), device memory in the JSON;
#   - the default LR range test on cuda (`harness lr-find --dataset mnist --backend cuda`);
#   - the same workloads in PyTorch CUDA (scripts/bench-pytorch.py --device cuda, timings
#     between torch.cuda.synchronize calls), with the python3 that has torch;
#   - summary.md: the ratio table (harness / PyTorch training samples/s) of every size.
# Everything goes into OUT (at most 8 files: bench-cuda.json, bench-wgpu.json, torch-cuda.json,
# lr-find-cuda.json, summary.md, gpu-bench.log). A step that fails is logged and the others
# still run; the exit status is that of the first failure. The whole run is meant to take
# under 8 minutes on one GPU.
#
# Variables: GPU_BENCH_BACKENDS (default "cuda wgpu"), GPU_BENCH_HIDDEN (default
# "128 1024 4096"), GPU_BENCH_BATCHES (default 128,512,2048,8192), GPU_BENCH_STEPS (default
# 50), GPU_BENCH_TORCH (default 1; 0 skips PyTorch), PYTHON (default python3). CI-side tests
# run `run` with GPU_BENCH_BACKENDS=wgpu on a software Vulkan driver and small sizes.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "gpu-bench: $*" >&2; exit 2; }

pack() {
    local dir="${1:-gpu-pack}"
    bash scripts/offline-llvm.sh || die "the offline LLVM could not be installed"
    local target="${CARGO_TARGET_DIR:-target}"
    cargo build --release -p harness --features cuda,wgpu,cpu || die "the release build failed"
    mkdir -p "$dir"
    local tmp
    tmp="$(mktemp -d "$dir/.pack.XXXXXX")"
    strip -o "$tmp/harness" "$target/release/harness" || die "strip failed"
    xz -9e -T1 -k -c "$tmp/harness" > "$tmp/harness.xz" || die "xz failed"
    (cd "$tmp" && sha256sum harness > harness.sha256)
    mv "$tmp/harness.xz" "$dir/harness.xz"
    mv "$tmp/harness.sha256" "$dir/harness.sha256"
    rm -rf "$tmp"
    local pack_bytes repo_bytes total limit=$((64 << 20))
    pack_bytes=$(($(stat -c %s "$dir/harness.xz") + $(stat -c %s "$dir/harness.sha256")))
    repo_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
    total=$((pack_bytes + repo_bytes))
    printf 'gpu-bench: packed %s (%.1f MiB; the repository %.1f MiB; together %.1f MiB of 64)\n' \
        "$dir/harness.xz" "$(echo "$pack_bytes / 1048576" | bc -l)" \
        "$(echo "$repo_bytes / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)"
    [ "$total" -lt "$limit" ] || die "the pack and the repository exceed 64 MiB"
}

run() {
    local out="${1:-}"
    [ -n "$out" ] || die "run needs an output folder: gpu-bench.sh run OUT"
    local pack_dir="${GPU_BENCH_PACK:-gpu-pack}"
    [ -f "$pack_dir/harness.xz" ] || die "$pack_dir/harness.xz is missing: run 'gpu-bench.sh pack' on a build machine"
    mkdir -p "$out" || die "cannot make $out"
    local log="$out/gpu-bench.log" bin status=0 started=$SECONDS
    bin="$(mktemp -d)/bin"
    mkdir -p "$bin"
    xz -d -c "$pack_dir/harness.xz" > "$bin/harness" && chmod +x "$bin/harness" \
        || die "cannot unpack $pack_dir/harness.xz"
    (cd "$bin" && sha256sum -c --quiet "$OLDPWD/$pack_dir/harness.sha256") || die "the unpacked binary fails its SHA-256"
    local backends="${GPU_BENCH_BACKENDS:-cuda wgpu}" hidden="${GPU_BENCH_HIDDEN:-128 1024 4096}"
    local batches="${GPU_BENCH_BATCHES:-128,512,2048,8192}" steps="${GPU_BENCH_STEPS:-50}"
    local python="${PYTHON:-python3}"
    {
        echo "# gpu-bench $(date -u +%FT%TZ) on $(hostname)"
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || true
        "$bin/harness" --version
    } > "$log" 2>&1
    # step NAME LIMIT_SECONDS OUTFILE COMMAND...: stdout to OUTFILE, stderr to the log.
    step() {
        local name="$1" limit="$2" file="$3"
        shift 3
        echo "== $name ($((SECONDS - started)) s)" | tee -a "$log"
        timeout "$limit" "$@" > "$file.tmp" 2>> "$log"
        local rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "   $name failed (exit $rc)" | tee -a "$log"
            [ "$status" -ne 0 ] || status=$rc
            rm -f "$file.tmp"
            return
        fi
        mv "$file.tmp" "$file"
    }
    # merge OUT PARTS...: the JSON arrays of PARTS as one array in OUT; the parts removed.
    merge() {
        local target="$1"
        shift
        [ "$#" -gt 0 ] || return 0
        "$python" -c 'import json,sys; print(json.dumps([m for f in sys.argv[1:] for m in json.load(open(f))], indent=2))' \
            "$@" > "$target"
        rm -f "$@"
    }
    # One JSON array per backend over the hidden sizes; the epoch at H 128 (the headline).
    for backend in $backends; do
        local parts=()
        for h in $hidden; do
            local epoch=(--no-epoch)
            [ "$h" = 128 ] && epoch=()
            step "harness bench $backend hidden $h" 240 "$out/.bench-$backend-$h.json" \
                "$bin/harness" bench --backend "$backend" --hidden "$h" --batch-sizes "$batches" \
                --steps "$steps" --warmup 10 "${epoch[@]}" --format json
            [ -f "$out/.bench-$backend-$h.json" ] && parts+=("$out/.bench-$backend-$h.json")
        done
        merge "$out/bench-$backend.json" "${parts[@]}"
    done
    case " $backends " in
        *" cuda "*)
            step "harness lr-find on cuda (the default MNIST sweep)" 120 "$out/lr-find-cuda.json" \
                "$bin/harness" lr-find --dataset mnist --backend cuda --format json ;;
    esac
    if [ "${GPU_BENCH_TORCH:-1}" != 0 ]; then
        if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>> "$log"; then
            local parts=()
            for h in $hidden; do
                step "PyTorch CUDA hidden $h" 240 "$out/.torch-$h.json" \
                    "$python" scripts/bench-pytorch.py --device cuda --hidden "$h" \
                    --batch-sizes "$batches" --steps "$steps" --warmup 10
                [ -f "$out/.torch-$h.json" ] && parts+=("$out/.torch-$h.json")
            done
            merge "$out/torch-cuda.json" "${parts[@]}"
        else
            echo "== PyTorch CUDA skipped: $python has no torch with a CUDA device" | tee -a "$log"
        fi
    fi
    "$python" scripts/gpu-bench-summary.py "$out" > "$out/summary.md" 2>> "$log" \
        || echo "   the summary failed" | tee -a "$log"
    echo "== done in $((SECONDS - started)) s, exit $status" | tee -a "$log"
    rm -rf "$(dirname "$bin")"
    return "$status"
}

case "${1:-}" in
    pack) shift; pack "$@" ;;
    run) shift; run "$@" ;;
    *) die "usage: gpu-bench.sh pack [DIR] | gpu-bench.sh run OUT" ;;
esac
