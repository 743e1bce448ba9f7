#!/usr/bin/env bash
# Installs the LLVM that burn's `cuda` and `cpu` backends link (through cubecl-llvm, llvm-sys
# and tracel-llvm-bundler) without the bundler's download from GitHub: a static, relocatable
# LLVM 23.1.1 assembled from two PyPI wheels (../shared/guide/offline-llvm.md has the facts).
#
#   bash scripts/offline-llvm.sh          # install, or do nothing when the bundle is there
#   bash scripts/offline-llvm.sh --check  # exit 0 when installed, 1 when not; installs nothing
#
# Idempotent: when the bundler's sentinel exists and llvm-config answers, it does nothing.
# Every wheel is checked against its SHA-256 before it is unpacked; the bundle is assembled in
# a temporary folder beside its destination and moved into place whole, so an interrupted run
# leaves nothing half-made. Needs python3 (with pip; llvm-config is a Python script) and
# about 0.5 GB in the bundle folder. A user with internet access does not need this: the
# bundler downloads its own LLVM when the sentinel is absent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The bundler's version as Cargo.lock pins it; its folder is where its build script looks.
bundler_version="$(awk '/^name = "tracel-llvm-bundler"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$bundler_version" ]; then
    echo "offline-llvm: Cargo.lock names no tracel-llvm-bundler (nothing links LLVM)" >&2
    exit 1
fi
bundle="${XDG_DATA_HOME:-$HOME/.local/share}/tracel/tracel-llvm-$bundler_version"
sentinel="$bundle/.tracel-llvm-installed"

installed() {
    [ -f "$sentinel" ] && [ -x "$bundle/bin/llvm-config" ] \
        && "$bundle/bin/llvm-config" --version >/dev/null 2>&1
}

if [ "${1:-}" = "--check" ]; then
    if installed; then
        echo "offline-llvm: LLVM $("$bundle/bin/llvm-config" --version) in $bundle"
        exit 0
    fi
    echo "offline-llvm: not installed in $bundle" >&2
    exit 1
fi
if installed; then
    echo "offline-llvm: LLVM $("$bundle/bin/llvm-config" --version) already in $bundle"
    exit 0
fi
if [ -e "$bundle" ]; then
    # A sentinel without a working llvm-config makes cubecl-llvm's build fail without a
    # fallback: start again.
    echo "offline-llvm: $bundle is incomplete; replacing it" >&2
fi

# name==version sha256
wheels=(
    "mlc-llvm-static==23.1.1.post0 dcfec888abfaa418be77d41af585805f31463584cf9c90582992c00f392c1ac5"
    "mlc-llvm-static-extra-targets==23.1.1.post0 c36e834d9a4e9cf9759f27fece65711ece7a2fc2b5a96dbb15d66f5e9e787929"
)

mkdir -p "$(dirname "$bundle")"
work="$(mktemp -d "$(dirname "$bundle")/.offline-llvm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for entry in "${wheels[@]}"; do
    read -r requirement sha <<<"$entry"
    echo "offline-llvm: downloading $requirement"
    python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
        --dest "$work/wheels/$sha" "$requirement"
    wheel="$(ls "$work/wheels/$sha"/*.whl)"
    got="$(sha256sum "$wheel" | cut -d' ' -f1)"
    if [ "$got" != "$sha" ]; then
        echo "offline-llvm: $(basename "$wheel") has SHA-256 $got, expected $sha" >&2
        exit 1
    fi
    python3 -m zipfile -e "$wheel" "$work/unpacked"
done
prefix="$work/unpacked/mlc_llvm_static/static"
if [ ! -f "$prefix/bin/llvm-config" ]; then
    echo "offline-llvm: the wheels hold no mlc_llvm_static/static/bin/llvm-config" >&2
    exit 1
fi
# Unzipping drops mode bits.
chmod +x "$prefix/bin/"*
version="$("$prefix/bin/llvm-config" --version)"
case "$version" in
    23.1.*) ;;
    *) echo "offline-llvm: llvm-config says $version, expected 23.1.x" >&2; exit 1 ;;
esac
if ! "$prefix/bin/llvm-config" --targets-built | grep -qw NVPTX; then
    echo "offline-llvm: the LLVM has no NVPTX target (needed by cuda)" >&2
    exit 1
fi
touch "$prefix/.tracel-llvm-installed"
rm -rf "$bundle"
mv "$prefix" "$bundle"
echo "offline-llvm: LLVM $version (targets: $("$bundle/bin/llvm-config" --targets-built)) in $bundle"
