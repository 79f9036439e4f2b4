#!/usr/bin/env bash
# Runs every benchmark suite and prints the tables BENCHMARKS.md reports,
# headed by the machine they came from. Also saved as
# target/lback-bench/report.md.
#
#   bash lback-bench/run.sh                 # every suite, PostgreSQL included
#   bash lback-bench/run.sh --no-postgres   # SQLite and the pure suites only
#   bash lback-bench/run.sh -- startup      # extra arguments go to the suites
#                                           # (criterion's: a name filter, ...)
#
# PostgreSQL: PG_DATABASE_URL, by default the local server CI uses. Each
# suite makes and drops its own schema there.
# Instruction counts of the diff (for the growth figure) need valgrind; they
# are skipped without it.
# Run it on a quiet machine: the figures are ratios of medians, but a
# machine busy with other work moves them anyway (the header shows the load).
set -euo pipefail
cd "$(dirname "$0")/.."

features=(--features postgres)
passthrough=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-postgres) features=() ;;
    --) shift; passthrough=("$@"); break ;;
    *) echo "usage: $0 [--no-postgres] [-- <suite arguments>]" >&2; exit 2 ;;
  esac
  shift
done
if [ "${#features[@]}" -gt 0 ]; then
  export PG_DATABASE_URL="${PG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
fi

out=target/lback-bench
results="$out/results"
mkdir -p "$results"
rm -f "$results"/*.md
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# Build first, so compiling does not overlap the first measurements.
cargo bench -p lback-bench ${features[@]+"${features[@]}"} --no-run
cargo bench -p lback-bench ${features[@]+"${features[@]}"} -- ${passthrough[@]+"${passthrough[@]}"}

# Instruction counts of one diff at each size: they do not depend on caches
# or on other processes, so their growth tells whether the work is linear.
if command -v valgrind >/dev/null 2>&1; then
  bin="$(cargo bench -p lback-bench --bench diff_render --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)"
  count() {
    LBACK_BENCH_ONCE="$1" valgrind --tool=callgrind --toggle-collect='*counted_work*' \
      --callgrind-out-file=/dev/null "$bin" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  }
  {
    echo "### diff_render (instruction counts, callgrind)"
    echo
    echo "| figure | lback | baseline | ratio | target | met |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for work in create_sqlite unchanged; do
      small="$(count "${work}_1000")"
      large="$(count "${work}_10000")"
      awk -v w="$work" -v s="$small" -v l="$large" 'BEGIN {
        r = l / s
        printf "| %s: instructions, 10000 vs 1000 tables (linear = 10×) | %.1f M | 1000 tables %.1f M | %.2f× | ≤ 12× | %s |\n",
          w, l / 1e6, s / 1e6, r, (r <= 12 ? "yes" : "**no**")
      }'
    done
    echo
    echo "- one run of the same work as the timed benchmark, counted by valgrind --tool=callgrind"
  } > "$results/diff_render_instructions.md"
else
  echo "valgrind not found: instruction counts skipped" >&2
fi

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
memory="$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)"
{
  echo "## Results"
  echo
  echo "- date: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, ${memory:-unknown memory}, $(uname -srm)"
  echo "- $(rustc -V)"
  echo "- load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "- times are criterion's medians; every ratio compares two figures of the same run"
  for suite in startup apply diff_render diff_render_instructions sqlite_rebuild compile_time; do
    if [ -f "$results/$suite.md" ]; then
      echo
      cat "$results/$suite.md"
    fi
  done
} > "$out/report.md"
echo
cat "$out/report.md"
echo
echo "(saved to $out/report.md)"
