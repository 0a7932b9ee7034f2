#!/usr/bin/env bash
# Fails when a C++ file is not clang-format clean, or when domain/ includes CAF, Beast
# or pqxx. Run by ctest (test "lint.format") and usable by hand.
#   scripts/check-format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' | grep -v '^build/' || true)
if [[ ${1:-} == --fix ]]; then
  "$fmt" -i "${files[@]}"
  exit 0
fi
status=0
"$fmt" --dry-run -Werror "${files[@]}" || status=1
if grep -rnE '#include <(caf|boost|pqxx)/' domain/ common/; then
  echo "check-format: domain/ and common/ must not include CAF, Boost or pqxx" >&2
  status=1
fi
exit $status
