#!/usr/bin/env bash
# Installs tests/openapi's npm packages (Prism, pinned in package-lock.json) on first use; one
# install at a time (ctest -j runs several suites at once on a fresh clone).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(
  flock 9
  if [[ ! -x $here/node_modules/.bin/prism ]]; then
    cd "$here" && npm ci --no-audit --no-fund --loglevel=error
  fi
) 9>"${TMPDIR:-/tmp}/messenger-openapi-npm.lock"
