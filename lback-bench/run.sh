#!/usr/bin/env bash
# Runs every benchmark suite and prints the tables BENCHMARKS.md reports,
# headed by the machine they came from. Also saved as
# target/lback-bench/report.md.
#
#   bash lback-bench/run.sh                 # every suite, PostgreSQL and MariaDB included
#   bash lback-bench/run.sh --no-postgres   # SQLite and the pure suites only (no server)
#   bash lback-bench/run.sh -- startup      # extra arguments go to the suites
#                                           # (criterion's: a name filter, ...)
#
# PostgreSQL: PG_DATABASE_URL, MySQL/MariaDB (write_stall only):
# MYSQL_DATABASE_URL, by default the local servers CI uses. Each suite
# makes and drops its own schema or database there. write_stall's size:
# LBACK_STALL_ROWS (default 1000000), LBACK_STALL_WRITERS (default 4).
# Instruction counts of the diff (for the growth figure) and of a start
# need valgrind; they are skipped without it.
# Run it on a quiet machine: the figures are ratios of medians, but a
# machine busy with other work moves them anyway (the header shows the load).
set -euo pipefail
cd "$(dirname "$0")/.."

features=(--features postgres,mysql)
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
  export MYSQL_DATABASE_URL="${MYSQL_DATABASE_URL:-mysql://root@127.0.0.1:3306/test}"
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

  # The same for a start with nothing pending on SQLite (in-process, so the
  # count covers the database's work too): lback's share without the noise
  # of timings in microseconds.
  bin="$(cargo bench -p lback-bench --bench startup --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)"
  {
    echo "### startup (instruction counts, callgrind)"
    echo
    echo "| figure | lback | baseline | ratio | target | met |"
    echo "| --- | --- | --- | --- | --- | --- |"
    floor="$(count floor)"
    for pair in "lback_migrate:floor:2" "lback_migrate:diesel_migrations:1" \
      "lback_query:floor:-" "lback_migrate:floor_typed:-"; do
      IFS=: read -r work base target <<<"$pair"
      mine="$(count "$work")"
      theirs="$(if [ "$base" = floor ]; then echo "$floor"; else count "$base"; fi)"
      awk -v w="$work" -v b="$base" -v m="$mine" -v t="$theirs" -v g="$target" 'BEGIN {
        r = m / t
        met = (g == "-" ? "—" : (r <= g ? "yes" : "**no**"))
        printf "| startup, nothing pending, sqlite: %s vs %s, instructions | %.1f M | %s %.1f M | %.2f× | %s | %s |\n",
          w, b, m / 1e6, b, t / 1e6, r, (g == "-" ? "—" : "≤ " g "×"), met
      }'
    done
    echo
    echo "- 101 starts on one open connection each (the first fills the statement cache), 1000 applied migrations, counted by valgrind --tool=callgrind"
  } > "$results/startup_instructions.md"
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
  for suite in startup startup_instructions apply diff_render diff_render_instructions sqlite_rebuild compile_time write_stall; do
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
