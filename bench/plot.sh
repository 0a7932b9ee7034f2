#!/usr/bin/env bash
# Draws the benchmark plots of docs/BENCHMARKS.md from the benches' machine-readable output
# (their `RESULT {json}` lines, collected by bench/sweep.sh into a .jsonl file):
#   docs/bench/b1.svg  B1: committed msgs/s and p99 against client connections, with the
#                      same run's `pgbench -c 8` single-row INSERT rate as the reference line
#   docs/bench/b3.svg  B3: POST -> every member's /cable frame latency (p50, p99) and the
#                      committed rate against the offered rate
#   docs/bench/b2.svg  B2/B7: p99 per query case, messenger against Chatwoot's query
# Usage: bench/plot.sh RESULTS.jsonl [OUT_DIR]     (gnuplot and jq are installed when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:?usage: bench/plot.sh RESULTS.jsonl [OUT_DIR]}
out=${2:-docs/bench}
mkdir -p "$out"
for tool in gnuplot jq; do
  if ! command -v "$tool" >/dev/null; then
    pkg=$tool
    [[ $tool == gnuplot ]] && pkg=gnuplot-nox
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{ grep '^RESULT ' "$results" | cut -c8- || true; grep '^{' "$results" || true; } >"$work/all.jsonl"

style='set terminal svg size 760,420 dynamic font "Helvetica,12" background rgb "white"
set grid lc rgb "#dddddd"
set key left top box opaque
set border lc rgb "#555555"'

# --- B1: throughput and p99 against connections.
jq -r 'select(.bench == "B1" and .case == "messenger http ingest")
       | [.connections, .msgs_per_s, .latency.p99_ms] | @tsv' "$work/all.jsonl" \
  | sort -n >"$work/b1.dat"
pgbench=$(jq -s '[.[] | select(.bench == "B1" and .case == "reference pgbench single-row insert")
                  | .tps] | if length > 0 then add / length else 0 end' "$work/all.jsonl")
if [[ -s $work/b1.dat ]]; then
  gnuplot <<EOF
$style
set output "$out/b1.svg"
set title "B1: durable POST …/messages (fsync on): committed rate and p99 by client connections"
set xlabel "client connections (keep-alive, closed loop)"
set ylabel "committed messages / s"
set y2label "p99 latency (ms)"
set y2tics
set ytics nomirror
set logscale x 2
set yrange [0:*]
set y2range [0:*]
plot "$work/b1.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "messenger msgs/s", \
     $pgbench with lines dt 2 lw 2 lc rgb "#2ca02c" title "pgbench -c 8 single-row INSERT tps (same run)", \
     "$work/b1.dat" using 1:3 axes x1y2 with linespoints lw 2 pt 5 lc rgb "#d62728" title "messenger p99 (ms)"
EOF
  echo "wrote $out/b1.svg"
fi

# --- B3: delivery latency and committed rate against the offered rate.
jq -r 'select(.bench == "B3" and .case == "delivery")
       | [.offered_msgs_per_s, .committed_msgs_per_s, .every_member_latency_from_due.p50_ms,
          .every_member_latency_from_due.p99_ms] | @tsv' "$work/all.jsonl" \
  | sort -n >"$work/b3.dat"
if [[ -s $work/b3.dat ]]; then
  gnuplot <<EOF
$style
set output "$out/b3.svg"
set title "B3: POST -> /cable frame at every member socket, by offered rate (open loop)"
set xlabel "offered messages / s"
set ylabel "latency from the scheduled send (ms, log)"
set y2label "committed messages / s"
set logscale y
set y2tics
set ytics nomirror
set y2range [0:*]
plot "$work/b3.dat" using 1:3 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "p50, every member", \
     "$work/b3.dat" using 1:4 with linespoints lw 2 pt 5 lc rgb "#d62728" title "p99, every member", \
     "$work/b3.dat" using 1:2 axes x1y2 with linespoints lw 2 dt 2 pt 9 lc rgb "#2ca02c" title "committed msgs/s"
EOF
  echo "wrote $out/b3.svg"
fi

# --- B2/B7: p99 per case, messenger beside the reference.
jq -r 'select((.bench == "B2" or .bench == "B7") and .messenger != null)
       | [.bench + " " + .case, .messenger.p99_ms, .reference.p99_ms] | @tsv' \
  "$work/all.jsonl" >"$work/b2.dat"
if [[ -s $work/b2.dat ]]; then
  gnuplot <<EOF
$style
set terminal svg size 820,500 dynamic font "Helvetica,12" background rgb "white"
set output "$out/b2.svg"
set title "B2/B7: p99 by query, end to end (messenger) and Chatwoot's query in the database"
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 left font ",10" noenhanced
set ylabel "p99 (ms, log)"
set logscale y
set yrange [0.1:*]
set xrange [-1:*]
set key right top
set bmargin 10
set datafile separator "\t"
plot "$work/b2.dat" using (\$0*3):2:xtic(1) with boxes lc rgb "#1f77b4" title "messenger (HTTP, end to end)", \
     "" using (\$0*3+1):3 with boxes lc rgb "#ff7f0e" title "Chatwoot's query and indexes (database only)"
EOF
  echo "wrote $out/b2.svg"
fi
