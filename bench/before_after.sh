#!/usr/bin/env bash
# B1 and B2 of two trees (BEFORE, default /work/wt-before, and this one), alternating, on one
# private PostgreSQL (fsync on). Each tree needs its release benches (cmake --preset release &&
# cmake --build --preset release --target bench_http_ingest bench_queries). Output: $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
before=${BEFORE:-/work/wt-before}
after=$(pwd)
pgdir=$(mktemp -d /tmp/b12-pg.XXXXXX); chmod 755 $pgdir
port=$(scripts/pg.sh free-port)
scripts/pg.sh start $pgdir/data $port >/dev/null
U=postgresql://messenger@127.0.0.1:$port
out=${OUT:-/tmp/before_after.log}; : > "$out"
run() { local tree=$1 db=$2 bin=$3; shift 3
  psql "$U/postgres" -qc "CREATE DATABASE $db" >/dev/null
  echo "== $tree $db: $bin $*" | tee -a $out
  $tree/build/bin/$bin "$U/$db" "$@" >> $out 2>&1
  psql "$U/postgres" -qc "DROP DATABASE $db" >/dev/null
}
for round in 1 2; do
  run "$before" b1_before_$round bench_http_ingest 10 8 10000 100
  run "$after" b1_after_$round bench_http_ingest 10 8 10000 100
done
run "$before" b2_before bench_queries 20000 100000 30 300
run "$after" b2_after bench_queries 20000 100000 30 300
scripts/pg.sh stop $pgdir/data >/dev/null
echo DONE >> $out
