#!/usr/bin/env bash
# Runs the benchmarks behind docs/BENCHMARKS.md's plots on a private PostgreSQL (fsync on),
# one fresh database per run, and collects every RESULT line into one JSON-lines file:
#   B1 at 8, 16, 32 and 64 client connections, B3 at several offered rates, B2/B7 once.
# Then bench/plot.sh draws the SVGs. Needs the release benches (cmake --preset release &&
# cmake --build --preset release). Sizes can be lowered for a quick look:
#   B1_SECONDS=10 B3_RATES="250 500 1000 2000" B2_CONVERSATIONS=1000000 B2_MESSAGES=5000000 \
#     bench/sweep.sh docs/bench/results.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/sweep.sh OUT.jsonl}
b1_seconds=${B1_SECONDS:-10}
b1_connections=${B1_CONNECTIONS:-8 16 32 64}
b3_rates=${B3_RATES:-250 500 1000 2000}
b3_seconds=${B3_SECONDS:-10}
b2_conversations=${B2_CONVERSATIONS:-1000000}
b2_messages=${B2_MESSAGES:-5000000}
b2_reps=${B2_REPS:-200}
b2_write_rate=${B2_WRITE_RATE:-5000}

for bin in bench_http_ingest bench_delivery bench_queries; do
  [[ -x build/bin/$bin ]] || { echo "sweep: build/bin/$bin missing (release preset)" >&2; exit 1; }
done
pgdir=$(mktemp -d /tmp/messenger-sweep-pg.XXXXXX)
chmod 755 "$pgdir"
port=$(scripts/pg.sh free-port)
trap 'scripts/pg.sh stop "$pgdir/data" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
scripts/pg.sh start "$pgdir/data" "$port" >/dev/null # fsync on: the default
U=postgresql://messenger@127.0.0.1:$port
log=${out%.jsonl}.log
: >"$out"
: >"$log"
run() { # run DB BIN ARGS...: BIN on a fresh database DB (its URL first), RESULT lines kept
  local db=$1 bin=$2
  shift 2
  psql "$U/postgres" -qc "CREATE DATABASE $db" >/dev/null
  echo "== $db: $bin $*" | tee -a "$log"
  "$bin" "$U/$db" "$@" >"$log.part" 2>&1 || echo "sweep: $db exited $? (see $log)" >&2
  cat "$log.part" >>"$log"
  grep '^RESULT ' "$log.part" | cut -c8- >>"$out" || true
  psql "$U/postgres" -qc "DROP DATABASE $db" >/dev/null
}
for c in $b1_connections; do
  run "b1_c$c" build/bin/bench_http_ingest "$b1_seconds" "$c" 10000 100
done
for r in $b3_rates; do
  run "b3_r$r" build/bin/bench_delivery "$r" "$b3_seconds"
done
run b27 build/bin/bench_queries "$b2_conversations" "$b2_messages" "$b2_reps" "$b2_write_rate"
rm -f "$log.part"
echo "sweep: $(wc -l <"$out") results in $out (full output in $log)"
bench/plot.sh "$out"
