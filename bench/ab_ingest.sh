#!/usr/bin/env bash
# B1 of two builds side by side: BEFORE and AFTER are bench_http_ingest binaries (release
# builds of two commits; copy the first one away before building the second). They run
# alternately, AFTER first, on one private PostgreSQL (fsync on), each on a fresh database;
# every run prints its own pgbench -c 8 and COPY references, so each ratio stands alone.
#   bench/ab_ingest.sh /tmp/before/bench_http_ingest build/bin/bench_http_ingest [rounds=2]
# Output: $OUT (default /tmp/ab_ingest.log); B1_ARGS overrides "10 64 10000 100".
set -uo pipefail
before=${1:?usage: bench/ab_ingest.sh BEFORE_BINARY AFTER_BINARY [rounds]}
after=${2:?usage: bench/ab_ingest.sh BEFORE_BINARY AFTER_BINARY [rounds]}
rounds=${3:-2}
cd "$(dirname "$0")/.."
pgdir=$(mktemp -d /tmp/ab-ingest-pg.XXXXXX)
chmod 755 "$pgdir"
port=$(scripts/pg.sh free-port)
scripts/pg.sh start "$pgdir/data" "$port" >/dev/null
U=postgresql://messenger@127.0.0.1:$port
out=${OUT:-/tmp/ab_ingest.log}
: >"$out"
n=0
for ((r = 1; r <= rounds; ++r)); do
  for side in after before; do
    n=$((n + 1))
    bin=$after
    [[ $side == before ]] && bin=$before
    psql "$U/postgres" -qc "CREATE DATABASE ab_$n" >/dev/null
    echo "== $side" >>"$out"
    # shellcheck disable=SC2086
    "$bin" "$U/ab_$n" ${B1_ARGS:-10 64 10000 100} >>"$out" 2>&1
    psql "$U/postgres" -qc "DROP DATABASE ab_$n" >/dev/null
  done
done
scripts/pg.sh stop "$pgdir/data" >/dev/null
rm -rf "$pgdir"
grep -E '^==|messenger:|ratio:' "$out"
