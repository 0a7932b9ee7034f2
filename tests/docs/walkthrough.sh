#!/usr/bin/env bash
# Runs the README's "First conversation" walkthrough against a real node, so the README cannot
# drift from the code: every ```sh block of that section runs in order in one bash (set -euo
# pipefail), ```js blocks are saved under the file name of their first line, blocks after a
# `<!-- walkthrough: skip` comment are not run. The answer a step shows is checked against what
# it printed: a ```json block must have the same keys (values differ), every line of a
# ```text block must be among the printed lines.
#   MESSENGER_URL=http://127.0.0.1:PORT MESSENGER_PLATFORM_TOKEN=... tests/docs/walkthrough.sh
# (ctest runs it through tests/sdk/run.sh, which starts the node).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readme=${README:-$root/README.md}
: "${MESSENGER_URL:?} ${MESSENGER_PLATFORM_TOKEN:?}"
work=$(mktemp -d /tmp/messenger-walkthrough.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/blocks" "$work/run"

# Split the section into numbered blocks: NNN.<lang> (NNN.skip when marked).
awk -v dir="$work/blocks" '
  /^## / { in_section = ($0 == "## First conversation"); next }
  !in_section { next }
  fence == "" && /^<!-- walkthrough: skip/ { skip = 1; next }
  fence == "" && /^```[a-z]+$/ { fence = substr($0, 4); n++
    file = sprintf("%s/%03d.%s", dir, n, skip ? "skip" : fence); skip = 0; printf "" > file; next }
  fence != "" && /^```$/ { close(file); fence = ""; next }
  fence != "" { print > file; next }
  NF { skip = 0 }
' "$readme"
if ! ls "$work/blocks"/*.sh >/dev/null 2>&1; then
  echo "FAIL: no runnable blocks in the README section 'First conversation'" >&2
  exit 1
fi

# One script: the shell blocks in order, each one's output kept apart.
ln -s "$root/tests/sdk/node_modules" "$work/run/node_modules"
{
  echo 'set -euo pipefail'
  echo 'trap '\''kill $(jobs -p) 2>/dev/null || true'\'' EXIT'
  printf 'URL=%q\nPLATFORM_TOKEN=%q\n' "$MESSENGER_URL" "$MESSENGER_PLATFORM_TOKEN"
  for block in "$work/blocks"/*; do
    name=$(basename "$block")
    case $name in
      *.sh)
        echo "echo '--- step ${name%.sh}' >&2"
        echo "{"
        cat "$block"
        echo "} >\"$work/blocks/${name%.sh}.out\""
        ;;
      *.js)
        target=$(head -1 "$block" | sed -n 's#^// *\([A-Za-z0-9_.-]*\)$#\1#p')
        [[ -n $target ]] || { echo "FAIL: js block $name lacks a '// file.mjs' first line" >&2; exit 1; }
        cp "$block" "$work/run/$target"
        ;;
    esac
  done
} >"$work/script.sh"

(cd "$work/run" && timeout 120 bash "$work/script.sh") || {
  echo "FAIL: the walkthrough stopped (exit $?); the last step printed:" >&2
  last=$(ls "$work/blocks"/*.out 2>/dev/null | tail -1)
  [[ -n $last ]] && cat "$last" >&2
  exit 1
}

# Shapes: each shown answer against the output of the shell block before it.
keys='[.[] | [paths(type != "array" and type != "object") | map(if type == "number" then "#" else . end)]] | add | unique'
status=0
prev=""
for block in "$work/blocks"/*; do
  name=$(basename "$block")
  case $name in
    *.sh) prev=${block%.sh}.out ;;
    *.json | *.text)
      [[ -n $prev ]] || { echo "FAIL: $name shows an answer before any step" >&2; status=1; continue; }
      if [[ $name == *.json ]]; then
        want=$(jq -sc "$keys" "$block")
        got=$(jq -sc "$keys" "$prev" 2>/dev/null || echo "not JSON")
        if [[ $want != "$got" ]]; then
          echo "FAIL: step $(basename "$prev" .out) printed other keys than the README shows" >&2
          echo "  README: $want" >&2
          echo "  node:   $got" >&2
          status=1
        fi
      else
        while IFS= read -r line; do
          [[ -z $line ]] && continue
          if ! grep -qxF -- "$line" "$prev"; then
            echo "FAIL: step $(basename "$prev" .out) did not print: $line" >&2
            status=1
          fi
        done <"$block"
      fi
      prev=""
      ;;
  esac
done
if ((status == 0)); then echo "walkthrough: $(ls "$work/blocks"/*.sh | wc -l) steps ran, every shown answer matched"; fi
exit $status
