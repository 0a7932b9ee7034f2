#!/usr/bin/env bash
# The shared build step: install what is missing, build the release preset. Leaves
# build/bin/messengerd and build/bin/messenger-ctl.
#   scripts/build.sh [PRESET]   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
preset=${1:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
