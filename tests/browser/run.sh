#!/usr/bin/env bash
# ctest entry of the ops console test: installs playwright-core (npm ci, once, under a lock),
# then runs console.mjs against a real messengerd through tests/sdk/run.sh (port 0, fresh
# database). Needs Debian's chromium (/usr/bin/chromium, scripts/deps.sh installs it).
#   MESSENGER_TEST_DATABASE_URL=... tests/browser/run.sh path/to/messengerd
# MESSENGER_SCREENSHOTS=DIR also writes a screenshot of each view into DIR (docs/img).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -x ${MESSENGER_CHROMIUM:-/usr/bin/chromium} ]]; then
  echo "ops.console: ${MESSENGER_CHROMIUM:-/usr/bin/chromium} is missing (scripts/deps.sh installs chromium)" >&2
  exit 1
fi
(
  flock 9
  if [[ ! -d $here/node_modules/playwright-core ]]; then
    cd "$here" && npm ci --no-audit --no-fund --loglevel=error
  fi
) 9>"${TMPDIR:-/tmp}/messenger-browser-npm.lock"
exec "$here/../sdk/run.sh" "$1" "$here/console.mjs"
