#!/usr/bin/env bash
# Renders docs/diagrams/*.dot to SVG beside them with Graphviz (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends graphviz >/dev/null
fi
for src in docs/diagrams/*.dot; do
  dot -Tsvg "$src" -o "${src%.dot}.svg"
  echo "rendered ${src%.dot}.svg"
done
