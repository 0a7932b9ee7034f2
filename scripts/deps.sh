#!/usr/bin/env bash
# Installs the Debian 12 packages messenger needs to build, test and run, if missing.
# Sourced or executed by build.sh, run.sh and test.sh.
set -euo pipefail

MESSENGER_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl jq python3
  libcaf-dev libboost1.81-dev libpqxx-dev libpq-dev libssl-dev nlohmann-json3-dev libexpected-dev
  postgresql-15 postgresql-contrib clang-format-14
  chromium # the ops console's browser test (tests/browser, playwright-core drives it)
)

missing=()
for pkg in "${MESSENGER_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# The Node suites (tests/sdk: a Chatwoot client from npm; tests/openapi: Prism's validating
# proxy, @stoplight/prism-cli 5.14.2, which asks for Node >= 18.20.1) need Node.js and npm:
# Debian's packages, unless a node and npm are already there (e.g. from NodeSource, whose nodejs
# conflicts with them). Their npm packages are installed by the suites themselves (npm ci from
# their package-lock.json, on first use).
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]} > 0)); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Do not let the package start the distribution's own cluster; we run private ones.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
