#!/usr/bin/env bash
# bench/run.sh [FILE] [REPS]: CSV load benchmark, custan against DuckDB.
# Each repetition is a fresh process (peak memory is then the load's own);
# the two tools alternate so both see the same machine state.  Prints a
# Markdown table for docs/benchmarks.md.
set -eu
cd "$(dirname "$0")/.."
file=${1:-}
reps=${2:-7}
if [ -z "$file" ]; then # the plain CSV: decompress the bundled copy once
  file=/tmp/custan_bench_online_retail.csv
  [ -s "$file" ] || gzip -dc examples/data/online_retail.csv.gz > "$file"
fi
custan=build/custan
[ -x "$custan" ] || { echo "bench: build first (./dev setup)" >&2; exit 1; }

have_duckdb=1
if ! [ -d bench/node_modules/@duckdb/node-api ]; then
  (cd bench && npm install --no-audit --no-fund --silent @duckdb/node-api >/dev/null 2>&1) || have_duckdb=0
fi
command -v node >/dev/null || have_duckdb=0

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

c2=() c1=() d=() peak=() base=() bytes=0 rows=0
for i in $(seq "$reps"); do
  read -r s rows bytes before hwm < <("$custan" run bench/load_csv.lua "$file" 2)
  c2+=("$s"); peak+=("$hwm"); base+=("$before")
  read -r s _ _ _ _ < <("$custan" run bench/load_csv.lua "$file" 1)
  c1+=("$s")
  if [ "$have_duckdb" = 1 ]; then
    read -r s _ < <(node bench/duckdb_load.mjs "$file")
    d+=("$s")
  fi
done
m2=$(printf '%s\n' "${c2[@]}" | median)
m1=$(printf '%s\n' "${c1[@]}" | median)
mp=$(printf '%s\n' "${peak[@]}" | median)
mb=$(printf '%s\n' "${base[@]}" | median)
echo "file: $file ($(du -m "$file" | cut -f1) MB, $rows rows), $reps runs each, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| tool | median load (s) | runs (s) |"
echo "|---|---|---|"
echo "| custan read_csv, 2 threads | $m2 | ${c2[*]} |"
echo "| custan read_csv, 1 thread | $m1 | ${c1[*]} |"
if [ "$have_duckdb" = 1 ]; then
  md=$(printf '%s\n' "${d[@]}" | median)
  echo "| DuckDB $(node -e "console.log(require('./bench/node_modules/@duckdb/node-api/package.json').version)") read_csv, 2 threads | $md | ${d[*]} |"
else
  echo "| DuckDB | not measured: npm package @duckdb/node-api unavailable | |"
fi
echo
awk -v b="$bytes" -v p="$mp" -v s="$mb" 'BEGIN {
  printf "custan memory: frame %.1f MB; peak RSS %.1f MB (%.2fx the frame); RSS before loading %.1f MB; peak minus that %.1f MB (%.2fx)\n",
    b / 1e6, p / 1e6, p / b, s / 1e6, (p - s) / 1e6, (p - s) / b }'
