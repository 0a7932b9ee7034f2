#!/usr/bin/env bash
# Fails when SQL text appears outside persistence/: statements are built only by the typed
# query functions of persistence/queries/ (and the migrations). Run by ctest (test
# "lint.sql_layer") and usable by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='make_statement\(|"[^"]*\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|ON CONFLICT|jsonb_build_object)\b'
if git ls-files -co --exclude-standard -- 'net/*' 'actors/*' 'cluster/*' 'app/*' 'config/*' \
  | grep -E '\.(cpp|hpp)$' | xargs -r grep -nE "$pattern"; then
  echo "check-sql-layer: SQL belongs in persistence/queries/ (the lines above)" >&2
  exit 1
fi
