#!/usr/bin/env bash
# Times a cold run of .ci/run: an empty target folder, so everything (burn included) is built.
# The figure goes in the README's development section.
#   bash scripts/cold-ci.sh            # uses a temporary target folder, removed afterwards
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
start=$(date +%s)
CARGO_TARGET_DIR="$target" bash .ci/run
echo "cold .ci/run: $(( $(date +%s) - start )) s on $(nproc) cores"
