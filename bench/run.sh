#!/usr/bin/env bash
# bench/run.sh [load|rfm|stream|dist|distpipe|clv|cluster|churn|policy|join|interval|pipeline|dashboard|generate|columns|busy|all] [REPS]: custan's benchmarks, with the
# peer measured in the same run.  Prints Markdown for docs/benchmarks.md.
#   load    Online Retail CSV into a typed frame, against DuckDB's read_csv
#   rfm     Online Retail CSV to the written customer summary (whole process),
#           against the same summary in DuckDB SQL
#   stream  the customer summary of Online Retail, 16 copies of it and a generated
#           20-million-row file (bench/gen_transactions.c), with peak memory, against
#           DuckDB's lean query and rfm.lua's fields in SQL (duckdb_lean.mjs, duckdb_rfm.mjs)
#   dist    the distributed summary of a generated 100,000,000-row log in 50
#           shards (DIST_ROWS=N for another size), one process and mpirun with
#           1, 2 and 4 ranks: time, peak memory and bytes exchanged per rank;
#           BUSY=1 runs it beside two spinning processes
#   distpipe the whole pipeline on generated logs of 1,000,000 and 5,000,000 rows
#           in 50 shards (DISTPIPE_ROWS="N ..."), one process on both cores and mpirun
#           with 1, 2 and 4 ranks of one thread: time, peak memory and bytes
#           exchanged per rank, the slowest stages, same files
#   clv     BG/NBD and MBG/NBD fits on CDNOW, and BG/NBD on 1,000,000
#           simulated customers (bench/clv_bench.lua); with PEERS=DIR (the
#           lifetimes and autograd source trees), lifetimes in the same run
#           (bench/lifetimes_fit.py)
#   cluster k-means (k = 4, 10 restarts) and a full-covariance GMM on
#           1,000,000 x 3 generated points (bench/gen_blobs.lua), against
#           scikit-learn on 2 threads (bench/sklearn_cluster.py), and peak
#           memory at 500,000, 1,000,000 and 2,000,000 points
#   churn   logistic regression on 1,000,000 x 20 and XGBoost (hist, 100
#           rounds, depth 6) on 200,000 x 20 generated rows
#           (bench/gen_classification.lua), against scikit-learn and the
#           xgboost Python package (bench/py_churn.py), both on 2 threads;
#           and the whole churn.lua on Online Retail (wall clock)
#   policy  10,000 draws of a scenario over 100,000 customers with their own
#           retention probabilities (bench/gen_customers.lua,
#           bench/policy_bench.lua), against numpy (bench/numpy_policy.py):
#           the same grouped algorithm, and one Bernoulli per customer on
#           4,000 customers (the issue's reference)
#   join    1,000,000 orders joined to 100,000 customers (and a tenth, and
#           three times), against DuckDB and pandas (bench/join_bench.lua,
#           duckdb_join.mjs, pandas_join.py); BUSY=1 runs it beside two spinning processes
#   interval the CLV interval (200 draws, 12 months) at 100,000 to 3,000,000 simulated
#           customers, and clv.lua on 23,570 (OLD=path/to/custan times an older build too)
#   pipeline the whole pipeline.lua on Online Retail, CDNOW and the event log, 2 and 1 threads,
#           and the same stages as separate scripts
#   dashboard the dashboards' size and time to render in headless Chromium
#   busy    churn.lua, segment.lua and rfm.lua quiet, then beside two CPU-burning
#           shell loops the benchmark starts and kills: busy / quiet must stay under 2.5
#   columns element-wise column operations and reductions on 1M and 10M values
#           against numpy, in-process and warm (bench/column_bench.lua, numpy_columns.py)
#   generate generate.lua's default world: 100,000 and 1,000,000 customers (about
#           20,000,000 order lines), 2 and 1 threads, with peak memory and the files'
#           checksums (the same on every thread count); the event log timed separately
# Each repetition is a fresh process; the tools alternate so both see the
# same machine state.
set -eu
cd "$(dirname "$0")/.."
what=${1:-all}
reps=${2:-7}
custan=build/custan
[ -x "$custan" ] || { echo "bench: build first (./dev setup)" >&2; exit 1; }
file=/tmp/custan_bench_online_retail.csv # the plain CSV, decompressed once
[ -s "$file" ] || gzip -dc examples/data/online_retail.csv.gz > "$file"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

have_duckdb=1
if ! [ -d bench/node_modules/@duckdb/node-api ]; then
  (cd bench && npm install --no-audit --no-fund --silent @duckdb/node-api >/dev/null 2>&1) || have_duckdb=0
fi
command -v node >/dev/null || have_duckdb=0
duck_version() { node -e "console.log(require('./bench/node_modules/@duckdb/node-api/package.json').version)"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
header() {
  echo "file: $1 ($(du -m "$1" | cut -f1) MB), $reps runs each, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
}

bench_load() {
  echo "### Load into a typed frame"
  echo
  header "$file"
  local c2=() c1=() d=() peak=() base=() bytes=0 rows=0 s
  for _ in $(seq "$reps"); do
    read -r s rows bytes before hwm < <("$custan" run bench/load_csv.lua "$file" 2)
    c2+=("$s"); peak+=("$hwm"); base+=("$before")
    read -r s _ _ _ _ < <("$custan" run bench/load_csv.lua "$file" 1)
    c1+=("$s")
    if [ "$have_duckdb" = 1 ]; then read -r s _ < <(node bench/duckdb_load.mjs "$file"); d+=("$s"); fi
  done
  echo "| tool | median load (s) | runs (s) |"
  echo "|---|---|---|"
  echo "| custan read_csv, 2 threads | $(printf '%s\n' "${c2[@]}" | median) | ${c2[*]} |"
  echo "| custan read_csv, 1 thread | $(printf '%s\n' "${c1[@]}" | median) | ${c1[*]} |"
  [ "$have_duckdb" = 1 ] && echo "| DuckDB $(duck_version) read_csv, 2 threads | $(printf '%s\n' "${d[@]}" | median) | ${d[*]} |"
  echo
  awk -v b="$bytes" -v p="$(printf '%s\n' "${peak[@]}" | median)" -v s="$(printf '%s\n' "${base[@]}" | median)" 'BEGIN {
    printf "custan memory: frame %.1f MB; peak RSS %.1f MB (%.2fx the frame); before loading %.1f MB; the load itself %.1f MB (%.2fx)\n\n",
      b / 1e6, p / 1e6, p / b, s / 1e6, (p - s) / 1e6, (p - s) / b }'
}

bench_rfm() {
  echo "### Online Retail to the written customer summary"
  echo
  header "$file"
  local cw=() ci=() dw=() dq=() t0 s
  for _ in $(seq "$reps"); do
    t0=$(now)
    read -r s _ _ < <("$custan" run bench/rfm_summary.lua "$file" "$out/c.csv" 2011-12-09)
    cw+=("$(since "$t0")"); ci+=("$s")
    if [ "$have_duckdb" = 1 ]; then
      t0=$(now)
      read -r s _ < <(node bench/duckdb_rfm.mjs "$file" "$out/d.csv")
      dw+=("$(since "$t0")"); dq+=("$s")
    fi
  done
  echo "| tool | median whole process (s) | median inside the process (s) | whole-process runs (s) |"
  echo "|---|---|---|---|"
  echo "| custan (bench/rfm_summary.lua) | $(printf '%s\n' "${cw[@]}" | median) | $(printf '%s\n' "${ci[@]}" | median) | ${cw[*]} |"
  [ "$have_duckdb" = 1 ] && echo "| DuckDB $(duck_version) SQL (bench/duckdb_rfm.mjs), 2 threads | $(printf '%s\n' "${dw[@]}" | median) | $(printf '%s\n' "${dq[@]}" | median) | ${dw[*]} |"
  echo
}

bench_stream() {
  # the customer summary at three sizes, custan against DuckDB in the same
  # run: the performance issue's table (Online Retail, 16 copies of it, a
  # generated 20,000,000-row log); whole process, wall clock, peak RSS
  local rows=${STREAM_ROWS:-20000000} big=/tmp/custan_bench_${STREAM_ROWS:-20000000}.csv
  local x16=/tmp/custan_bench_online_retail_x16.csv
  cc -O2 -o "$out/gen" bench/gen_transactions.c
  [ -s "$big" ] || "$out/gen" "$rows" > "$big"
  if ! [ -s "$x16" ]; then
    cp "$file" "$x16"
    for _ in $(seq 15); do tail -n +2 "$file" >> "$x16"; done
  fi
  echo "### The customer summary at scale, against DuckDB"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; whole process, wall clock, median of"
  echo "$reps runs, peak RSS. Lean: lifetimes' four fields, custan (bench/rfm_lean.lua) against"
  echo "the issue's DuckDB query (bench/duckdb_lean.mjs). Full: rfm.lua's fields, custan (bench/rfm_summary.lua)"
  echo "against DuckDB computing the same (bench/duckdb_rfm.mjs). Both sides on 2 threads; each writes its CSV."
  echo
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  echo "| file | rows | custan lean (s) | DuckDB lean (s) | lean ratio | custan full (s) | custan peak (MB) | DuckDB full (s) | full ratio |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local spec f n r checks=()
  for spec in "Online Retail|$file|541,909|$reps" "Online Retail x16|$x16|8,670,529|$reps" "generated|$big|$rows|$reps"; do
    IFS='|' read -r name f n r <<<"$spec"
    local cl=() cw=() dl=() dr=() mem=0
    for _ in $(seq "$r"); do
      local t0; t0=$(now)
      "$custan" run bench/rfm_lean.lua "$f" "$out/sl.csv" >/dev/null; cl+=("$(since "$t0")")
      t0=$(now)
      /usr/bin/time -f "%M" -o "$out/stream.mem" "$custan" run bench/rfm_summary.lua "$f" "$out/s.csv" >/dev/null
      cw+=("$(since "$t0")"); mem=$(( $(cat "$out/stream.mem") / 1024 ))
      if [ "$have_duckdb" = 1 ]; then
        t0=$(now); node bench/duckdb_lean.mjs "$f" "$out/dl.csv" >/dev/null; dl+=("$(since "$t0")")
        t0=$(now); node bench/duckdb_rfm.mjs "$f" "$out/dr.csv" >/dev/null; dr+=("$(since "$t0")")
      fi
    done
    local ml mc dml dmr
    ml=$(printf '%s\n' "${cl[@]}" | median)
    mc=$(printf '%s\n' "${cw[@]}" | median)
    dml=${dl[*]:+$(printf '%s\n' "${dl[@]}" | median)}
    dmr=${dr[*]:+$(printf '%s\n' "${dr[@]}" | median)}
    echo "| $name | $n | $ml | ${dml:--} | ${dml:+$(awk -v a="$ml" -v b="$dml" 'BEGIN { printf "%.2f", a / b }')} | $mc | $mem | ${dmr:--} | ${dmr:+$(awk -v a="$mc" -v b="$dmr" 'BEGIN { printf "%.2f", a / b }')} |"
    [ "$have_duckdb" = 1 ] && checks+=("$name: $(/usr/bin/python3 bench/compare_lean.py "$out/sl.csv" "$out/dl.csv")")
  done
  echo
  printf -- '- %s\n' "${checks[@]}"
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo
}

bench_dist() {
  # the distributed summary: a generated log of DIST_ROWS rows (100,000,000)
  # in 50 shards, on 1 process and under mpirun with 1, 2 and 4 ranks (the
  # machine's cores shared among the ranks); time, peak memory per rank,
  # bytes each rank sent and received (the issue's benchmark)
  local rows=${DIST_ROWS:-100000000} dir=/tmp/custan_bench_shards_${DIST_ROWS:-100000000}
  cc -O2 -o "$out/gen" bench/gen_transactions.c
  if ! [ -s "$dir/shard49.csv" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local header per=$(( (rows + 49) / 50 ))
    header=$("$out/gen" 1 | head -1)
    "$out/gen" "$rows" | tail -n +2 |
      split -l "$per" -d -a 2 --additional-suffix=.csv --filter="{ echo '$header'; cat; } > \$FILE" - "$dir/shard"
  fi
  # --bind-to none: Open MPI binds each of one or two ranks to one core,
  # which would put a rank's threads on one core
  local mpi=(mpirun --oversubscribe --bind-to none)
  [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
  echo "### The distributed summary: $rows rows in 50 shards"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy}; bench/dist_summary.lua on '$dir/*.csv'"
  echo "($(du -sm "$dir" | cut -f1) MB); whole run, wall clock, median of $reps; threads per rank: the cores over the ranks"
  echo "(at least 1); each rank keeps and writes its own customers (gather = \"none\", custan.dist.write_parts); peak"
  echo "memory and bytes sent plus received per rank, in MB; the ranks' parts merged in customer order are compared"
  echo "with the one-process summary (cmp)"
  echo
  echo "| run | ranks x threads | time (s) | rows per second | peak memory per rank (MB) | exchanged per rank (MB) | same summary |"
  echo "|---|---|---|---|---|---|---|"
  local np line times t cores spin=()
  cores=$(nproc)
  if [ -n "${BUSY:-}" ]; then # two spinning processes beside every run
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  for np in 0 1 2 4; do
    local threads=$(( cores / (np > 0 ? np : 1) )); [ "$threads" -lt 1 ] && threads=1
    times=()
    for _ in $(seq "$reps"); do
      rm -rf "$out/dist_$np"
      if [ "$np" = 0 ]; then
        line=$(CUSTAN_THREADS=$threads "$custan" run bench/dist_summary.lua "$dir/*.csv" "$out/dist_$np")
      else
        line=$("${mpi[@]}" -np "$np" -x CUSTAN_THREADS=$threads "$custan" run bench/dist_summary.lua "$dir/*.csv" "$out/dist_$np")
      fi
      # the ranks' parts, merged in customer order: the one-process summary
      for f in "$out/dist_$np"/customers.part-*.csv; do tail -n +2 "$f"; done | sort -t, -k1,1n > "$out/dist_$np.csv"
      times+=("$(echo "$line" | cut -d' ' -f1)")
    done
    t=$(printf '%s\n' "${times[@]}" | median)
    local same="-"
    [ "$np" != 0 ] && { cmp -s "$out/dist_0.csv" "$out/dist_$np.csv" && same=yes || same=NO; }
    echo "| $([ "$np" = 0 ] && echo "one process" || echo "mpirun -np $np") | $([ "$np" = 0 ] && echo 1 || echo "$np") x $threads | $t | $(awk -v r="$rows" -v t="$t" 'BEGIN { printf "%.1f million", r / t / 1e6 }') | $(echo "$line" | cut -d' ' -f4) | $(echo "$line" | cut -d' ' -f5) | $same |"
  done
  [ ${#spin[@]} -gt 0 ] && kill "${spin[@]}"
  echo
}

bench_distpipe() {
  # the whole pipeline under mpirun: generated logs of DISTPIPE_ROWS rows
  # (1,000,000 and 5,000,000; 200,000 customers either way) in 50 shards:
  # one process on both cores, then mpirun with 1, 2 and 4 ranks of one
  # thread each (1 to 2 ranks is the scaling from one core to two; 4 ranks
  # share the 2 cores); time, peak memory per rank, bytes exchanged per
  # rank, the slowest stages, and whether every output file is one process's
  cc -O2 -o "$out/gen" bench/gen_transactions.c
  # ranks waiting in a collective yield the core (4 ranks share 2 cores)
  local mpi=(mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
  [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
  local header cores rows np line times t dir
  header=$("$out/gen" 1 | head -1)
  cores=$(nproc)
  echo "### The pipeline under mpirun"
  echo
  echo "$cores cores, $(date -u +%Y-%m-%d)${BUSY:+, busy}; bench/dist_pipeline.lua (pipeline.lua's analysis and files) on"
  echo "generated logs in 50 shards (200,000 customers); whole run, wall clock, median of $reps; one process on"
  echo "$cores threads, ranks of 1 thread each; peak memory and bytes sent plus received per rank, in MB;"
  echo "\"same files\": every CSV the run wrote is byte for byte the one-process run's"
  echo
  echo "| rows | run | ranks x threads | time (s) | peak memory per rank (MB) | exchanged per rank (MB) | same files | slowest stages (s) |"
  echo "|---|---|---|---|---|---|---|---|"
  for rows in ${DISTPIPE_ROWS:-1000000 5000000}; do
    dir=/tmp/custan_bench_pipeshards_$rows
    if ! [ -s "$dir/shard49.csv" ]; then
      rm -rf "$dir" && mkdir -p "$dir"
      "$out/gen" "$rows" | tail -n +2 |
        split -l $(( (rows + 49) / 50 )) -d -a 2 --additional-suffix=.csv \
          --filter="{ echo '$header'; cat; } > \$FILE" - "$dir/shard"
    fi
    for np in 0 1 2 4; do
      local threads=1; [ "$np" = 0 ] && threads=$cores
      times=()
      for _ in $(seq "$reps"); do
        rm -rf "$out/pipe_$np"
        if [ "$np" = 0 ]; then
          line=$(CUSTAN_THREADS=$threads "$custan" run bench/dist_pipeline.lua "$dir/*.csv" "$out/pipe_$np")
        else
          line=$("${mpi[@]}" -np "$np" -x CUSTAN_THREADS=$threads "$custan" run bench/dist_pipeline.lua "$dir/*.csv" "$out/pipe_$np")
        fi
        times+=("$(echo "$line" | cut -d' ' -f1)")
      done
      t=$(printf '%s\n' "${times[@]}" | median)
      local same="-"
      if [ "$np" != 0 ]; then
        same=yes
        for f in $(cd "$out/pipe_0" && find . -name '*.csv'); do
          cmp -s "$out/pipe_0/$f" "$out/pipe_$np/$f" || same="NO ($f)"
        done
      fi
      local slow
      slow=$(echo "$line" | cut -d' ' -f5 | tr ',' '\n' | sort -t= -k2 -rn | head -3 | paste -sd' ')
      echo "| $rows | $([ "$np" = 0 ] && echo "one process" || echo "mpirun -np $np") | $([ "$np" = 0 ] && echo 1 || echo "$np") x $threads | $t | $(echo "$line" | cut -d' ' -f3) | $(echo "$line" | cut -d' ' -f4) | $same | $slow |"
    done
  done
  echo
}

bench_cluster() {
  echo "### Clustering 1,000,000 x 3 points (k = 4)"
  echo
  local f
  for n in 500000 1000000 2000000; do
    f=/tmp/custan_bench_blobs_$n.csv
    [ -s "$f" ] || "$custan" run bench/gen_blobs.lua "$n" "$f"
  done
  f=/tmp/custan_bench_blobs_1000000.csv
  header "$f"
  local ck=() cg=() sk=() sg=() ck1=() cg1=() sk1=() sg1=() line cres sres cres1 sres1
  for _ in $(seq "$reps"); do
    line=$(CUSTAN_THREADS=2 "$custan" run bench/cluster_bench.lua "$f"); cres=$line
    ck+=("$(echo "$line" | cut -d' ' -f1)"); cg+=("$(echo "$line" | cut -d' ' -f4)")
    line=$(CUSTAN_THREADS=1 "$custan" run bench/cluster_bench.lua "$f"); cres1=$line
    ck1+=("$(echo "$line" | cut -d' ' -f1)"); cg1+=("$(echo "$line" | cut -d' ' -f4)")
    if command -v python3 >/dev/null && /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
      line=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/sklearn_cluster.py "$f"); sres=$line
      sk+=("$(echo "$line" | cut -d' ' -f1)"); sg+=("$(echo "$line" | cut -d' ' -f4)")
      line=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/sklearn_cluster.py "$f"); sres1=$line
      sk1+=("$(echo "$line" | cut -d' ' -f1)"); sg1+=("$(echo "$line" | cut -d' ' -f4)")
    fi
  done
  local skv
  skv=$(/usr/bin/python3 -c "import sklearn; print(sklearn.__version__)" 2>/dev/null || echo "?")
  echo "| tool | k-means, 10 restarts: median (s) | inertia | GMM full: median (s) | mean log-likelihood | peak RSS (MB) |"
  echo "|---|---|---|---|---|---|"
  echo "$cres" | awk -v k="$(printf '%s\n' "${ck[@]}" | median)" -v g="$(printf '%s\n' "${cg[@]}" | median)" \
    '{ printf "| custan, 2 threads | %.3f | %.1f | %.3f | %.6f | %.0f |\n", k, $2, g, $5, $7 / 1048576 }'
  [ ${#sk[@]} -gt 0 ] && echo "$sres" | awk -v v="$skv" -v k="$(printf '%s\n' "${sk[@]}" | median)" -v g="$(printf '%s\n' "${sg[@]}" | median)" \
    '{ printf "| scikit-learn %s, 2 threads | %.3f | %.1f | %.3f | %.6f | %.0f |\n", v, k, $2, g, $5, $7 / 1048576 }'
  echo "$cres1" | awk -v k="$(printf '%s\n' "${ck1[@]}" | median)" -v g="$(printf '%s\n' "${cg1[@]}" | median)" \
    '{ printf "| custan, 1 thread | %.3f | %.1f | %.3f | %.6f | %.0f |\n", k, $2, g, $5, $7 / 1048576 }'
  [ ${#sk1[@]} -gt 0 ] && echo "$sres1" | awk -v v="$skv" -v k="$(printf '%s\n' "${sk1[@]}" | median)" -v g="$(printf '%s\n' "${sg1[@]}" | median)" \
    '{ printf "| scikit-learn %s, 1 thread | %.3f | %.1f | %.3f | %.6f | %.0f |\n", v, k, $2, g, $5, $7 / 1048576 }'
  if [ ${#sk1[@]} -gt 0 ]; then
    echo
    echo "1 thread against 1 thread: k-means $(awk -v a="$(printf '%s\n' "${ck1[@]}" | median)" -v b="$(printf '%s\n' "${sk1[@]}" | median)" 'BEGIN { printf "%.2f", a / b }'),"\
      "GMM $(awk -v a="$(printf '%s\n' "${cg1[@]}" | median)" -v b="$(printf '%s\n' "${sg1[@]}" | median)" 'BEGIN { printf "%.2f", a / b }') (custan / scikit-learn)"
  fi
  echo
  echo "custan runs (s): k-means ${ck[*]}; GMM ${cg[*]}"
  [ ${#sk[@]} -gt 0 ] && echo "scikit-learn runs (s): k-means ${sk[*]}; GMM ${sg[*]}"
  echo
  echo "| points | custan peak RSS (MB) | of which the loaded frame and before (MB) |"
  echo "|---|---|---|"
  for n in 500000 1000000 2000000; do
    "$custan" run bench/cluster_bench.lua "/tmp/custan_bench_blobs_$n.csv" |
      awk -v n="$n" '{ printf "| %d | %.0f | %.0f |\n", n, $7 / 1048576, $8 / 1048576 }'
  done
  echo
}

bench_churn() {
  echo "### Churn models"
  echo
  local big=/tmp/custan_bench_cls_1m.csv mid=/tmp/custan_bench_cls_200k.csv
  [ -s "$big" ] || "$custan" run bench/gen_classification.lua 1000000 20 "$big"
  [ -s "$mid" ] || "$custan" run bench/gen_classification.lua 200000 20 "$mid"
  echo "$(nproc) cores, $(date -u +%Y-%m-%d), $reps runs each; fits timed inside each process, 2 threads"
  echo
  local cl=() cx=() sl=() sx=() cl1=() sl1=() cres sres="" xres="" pyx=""
  local have_py=0
  /usr/bin/python3 -c "import sklearn, xgboost" 2>/dev/null && have_py=1
  for _ in $(seq "$reps"); do
    cres=$(CUSTAN_THREADS=2 "$custan" run bench/churn_bench.lua "$big" 0 2); cl+=("$(echo "$cres" | cut -d' ' -f1)")
    cl1+=("$(CUSTAN_THREADS=1 "$custan" run bench/churn_bench.lua "$big" 0 1 | cut -d' ' -f1)")
    xres=$(CUSTAN_THREADS=2 "$custan" run bench/churn_bench.lua "$mid" 100 2); cx+=("$(echo "$xres" | cut -d' ' -f4)")
    if [ $have_py -eq 1 ]; then
      sres=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/py_churn.py "$big" 0 2); sl+=("$(echo "$sres" | cut -d' ' -f1)")
      sl1+=("$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/py_churn.py "$big" 0 1 | cut -d' ' -f1)")
      pyx=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/py_churn.py "$mid" 100 2); sx+=("$(echo "$pyx" | cut -d' ' -f4)")
    fi
  done
  local versions
  versions=$(/usr/bin/python3 -c "import sklearn, xgboost; print('scikit-learn', sklearn.__version__, '/ xgboost', xgboost.__version__)" 2>/dev/null || echo "?")
  echo "| fit | custan: median (s) | iterations / AUC | peer: median (s) | iterations / AUC |"
  echo "|---|---|---|---|---|"
  echo "| logistic regression (L2, C = 1), 1,000,000 x 20 | $(printf '%s\n' "${cl[@]}" | median) | $(echo "$cres" | cut -d' ' -f2) / $(echo "$cres" | cut -d' ' -f3) | ${sl[*]:+$(printf '%s\n' "${sl[@]}" | median)} | $(echo "$sres" | cut -d' ' -f2) / $(echo "$sres" | cut -d' ' -f3) |"
  echo "| XGBoost, 100 rounds, 200,000 x 20 | $(printf '%s\n' "${cx[@]}" | median) | $(echo "$xres" | cut -d' ' -f5) | ${sx[*]:+$(printf '%s\n' "${sx[@]}" | median)} | $(echo "$pyx" | cut -d' ' -f5) |"
  echo "| logistic regression, 1 thread each | $(printf '%s\n' "${cl1[@]}" | median) | | ${sl1[*]:+$(printf '%s\n' "${sl1[@]}" | median)} | |"
  [ ${#sl1[@]} -gt 0 ] && echo && echo "logistic regression, 1 thread against 1 thread: $(awk -v a="$(printf '%s\n' "${cl1[@]}" | median)" -v b="$(printf '%s\n' "${sl1[@]}" | median)" 'BEGIN { printf "%.2f", a / b }') (custan / scikit-learn)"
  echo
  echo "peers: $versions (scikit-learn's lbfgs; xgboost.train with the same parameters)"
  echo "custan runs (s): logistic ${cl[*]}; XGBoost ${cx[*]}"
  [ ${#sl[@]} -gt 0 ] && echo "peer runs (s): logistic ${sl[*]}; XGBoost ${sx[*]}"
  echo
  local w=()
  for _ in $(seq "$reps"); do
    local t0; t0=$(now)
    CUSTAN_THREADS=2 "$custan" run churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-09 --window 91 -q
    w+=("$(since "$t0")")
  done
  echo "whole \`churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-09 --window 91\`"
  echo "(3 models, 5-fold CV each, permutation importance, scores): median $(printf '%s\n' "${w[@]}" | median) s; runs ${w[*]}"
  echo
}

bench_policy() {
  echo "### Policy simulation"
  echo
  local big=/tmp/custan_bench_cust_100k.csv small=/tmp/custan_bench_cust_4k.csv
  [ -s "$big" ] || "$custan" run bench/gen_customers.lua 100000 "$big"
  [ -s "$small" ] || "$custan" run bench/gen_customers.lua 4000 "$small"
  echo "$(nproc) cores, $(date -u +%Y-%m-%d), $reps runs each; simulation timed inside each process (custan on 2 threads)"
  echo
  local c1=() c2=() t1=() t2=() n1=() n2=() nc=() r1 r2 p1="" p2="" pc=""
  local have_np=0
  /usr/bin/python3 -c "import numpy, pandas" 2>/dev/null && have_np=1
  for _ in $(seq "$reps"); do
    r1=$(CUSTAN_THREADS=2 "$custan" run bench/policy_bench.lua "$big" 10000 0.01); c1+=("$(echo "$r1" | cut -d' ' -f2)")
    r2=$(CUSTAN_THREADS=2 "$custan" run bench/policy_bench.lua "$big" 10000 0.001); c2+=("$(echo "$r2" | cut -d' ' -f2)")
    t1+=("$(CUSTAN_THREADS=1 "$custan" run bench/policy_bench.lua "$big" 10000 0.01 | cut -d' ' -f2)")
    t2+=("$(CUSTAN_THREADS=1 "$custan" run bench/policy_bench.lua "$big" 10000 0.001 | cut -d' ' -f2)")
    if [ $have_np -eq 1 ]; then
      p1=$(/usr/bin/python3 bench/numpy_policy.py "$big" 10000 grouped 0.01); n1+=("$(echo "$p1" | cut -d' ' -f1)")
      p2=$(/usr/bin/python3 bench/numpy_policy.py "$big" 10000 grouped 0.001); n2+=("$(echo "$p2" | cut -d' ' -f1)")
      pc=$(/usr/bin/python3 bench/numpy_policy.py "$small" 10000 customers); nc+=("$(echo "$pc" | cut -d' ' -f1)")
    fi
  done
  local npv
  npv=$(/usr/bin/python3 -c "import numpy; print(numpy.__version__)" 2>/dev/null || echo "?")
  echo "| simulation, 10,000 draws | groups | custan, 2 threads: median (s) | custan, 1 thread (s) | mean net | numpy $npv (lean), 1 thread: median (s) | mean net | 1 thread vs 1 thread |"
  echo "|---|---|---|---|---|---|---|---|"
  local m1 m2 q1 q2
  m1=$(printf '%s\n' "${t1[@]}" | median); m2=$(printf '%s\n' "${t2[@]}" | median)
  q1=${n1[*]:+$(printf '%s\n' "${n1[@]}" | median)}; q2=${n2[*]:+$(printf '%s\n' "${n2[@]}" | median)}
  echo "| 100,000 customers, retention to 0.01 (default) | $(echo "$r1" | cut -d' ' -f3) | $(printf '%s\n' "${c1[@]}" | median) | $m1 | $(echo "$r1" | cut -d' ' -f4) | $q1 | $(echo "$p1" | cut -d' ' -f3) | ${q1:+$(awk -v a="$m1" -v b="$q1" 'BEGIN { printf "%.2f", a / b }')} |"
  echo "| 100,000 customers, retention to 0.001 | $(echo "$r2" | cut -d' ' -f3) | $(printf '%s\n' "${c2[@]}" | median) | $m2 | $(echo "$r2" | cut -d' ' -f4) | $q2 | $(echo "$p2" | cut -d' ' -f3) | ${q2:+$(awk -v a="$m2" -v b="$q2" 'BEGIN { printf "%.2f", a / b }')} |"
  echo "| numpy, one Bernoulli per customer, 4,000 customers | 4000 | | | | ${nc[*]:+$(printf '%s\n' "${nc[@]}" | median)} | $(echo "$pc" | cut -d' ' -f3) | |"
  echo
  echo "custan runs (s): 0.01 ${c1[*]}; 0.001 ${c2[*]}; on 1 thread: 0.01 ${t1[*]}; 0.001 ${t2[*]}"
  [ ${#n1[@]} -gt 0 ] && echo "numpy runs (s): grouped 0.01 ${n1[*]}; grouped 0.001 ${n2[*]}; per customer ${nc[*]}"
  echo
}

bench_clv() {
  echo "### CLV model fits"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d); times inside the process"
  echo
  "$custan" run bench/clv_bench.lua 21
  echo
  # the peer, in the same run: lifetimes from its public source (PEERS: a
  # folder with the lifetimes and autograd source trees; docs/benchmarks.md)
  if [ -n "${PEERS:-}" ] && [ -d "$PEERS/lifetimes" ] && [ -d "$PEERS/autograd" ]; then
    : > "$out/dill.py" # lifetimes imports dill only to save models
    echo "| model (CDNOW) | peer | median fit (ms) | parameters |"
    echo "|---|---|---|---|"
    PYTHONPATH="$PEERS:$out" /usr/bin/python3 bench/lifetimes_fit.py "$reps"
  else
    echo "(lifetimes not measured: set PEERS to a folder with its and autograd's source trees)"
  fi
  echo
}

bench_join() {
  echo "### Joins"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; orders (order, customer, amount)"
  echo "joined many-to-one to customers (customer, segment, score), inner and left; every tool loads"
  echo "both tables first and times the join warm in its own process (median of $reps joins); the"
  echo "first row of each size is custan on 2 threads, the second on 1; DuckDB on 2, pandas on 1"
  echo
  local pv dv
  pv=$(/usr/bin/python3 -c "import pandas; print(pandas.__version__)" 2>/dev/null || echo "?")
  dv=$( [ $have_duckdb -eq 1 ] && duck_version || echo "?")
  echo "| orders x customers | custan inner (ms) | custan left (ms) | DuckDB $dv inner | left | pandas $pv inner | left | rows inner / left | same answer |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  for scale in 0.1 1 3; do
    local d="/tmp/custan_bench_join_$scale"
    mkdir -p "$d"
    local c2 c1 dd="" pp=""
    c2=$(CUSTAN_THREADS=2 "$custan" run bench/join_bench.lua "$d" "$reps" "$scale")
    c1=$(CUSTAN_THREADS=1 "$custan" run bench/join_bench.lua "$d" "$reps" "$scale")
    [ $have_duckdb -eq 1 ] && dd=$(node bench/duckdb_join.mjs "$d" "$reps" 2)
    /usr/bin/python3 -c "import pandas" 2>/dev/null && pp=$(/usr/bin/python3 bench/pandas_join.py "$d" "$reps")
    local rows same=yes
    rows="$(echo "$c2" | cut -d' ' -f3) / $(echo "$c2" | cut -d' ' -f4)"
    for other in "$c1" "$dd" "$pp"; do
      [ -z "$other" ] && continue
      [ "$(echo "$other" | cut -d' ' -f3-5)" = "$(echo "$c2" | cut -d' ' -f3-5)" ] || same=no
    done
    local n; n=$(awk -v s="$scale" 'BEGIN { printf "%d x %d", 1000000 * s, 100000 * s }')
    echo "| $n | $(echo "$c2" | cut -d' ' -f1) | $(echo "$c2" | cut -d' ' -f2) | $(echo "$dd" | cut -d' ' -f1) | $(echo "$dd" | cut -d' ' -f2) | $(echo "$pp" | cut -d' ' -f1) | $(echo "$pp" | cut -d' ' -f2) | $rows | $same |"
    echo "| (custan on 1 thread) | $(echo "$c1" | cut -d' ' -f1) | $(echo "$c1" | cut -d' ' -f2) | | | | | | |"
  done
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo
}

bench_interval() {
  echo "### CLV interval"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; BG/NBD with Gamma-Gamma, 12 months, 200 parameter"
  echo "draws (bench/clv_interval_bench.lua: customers simulated at CDNOW's estimates); interval timed inside"
  echo "the process, median of $reps; peak memory of the whole process (simulation and fits included)"
  echo
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  echo "| customers | threads | interval (s) | distinct (x, t_x, T) | peak memory (MB) |"
  echo "|---|---|---|---|---|"
  for n in 100000 1000000 3000000; do
    for th in 2 1; do
      local line mem
      line=$( { CUSTAN_THREADS=$th /usr/bin/time -f "MEM %M" "$custan" run bench/clv_interval_bench.lua "$n" 200 "$reps"; } 2>&1 )
      mem=$(echo "$line" | awk '/^MEM/ { printf "%.0f", $2 / 1024 }')
      line=$(echo "$line" | grep -v '^MEM')
      echo "| $n | $th | $(echo "$line" | cut -d' ' -f5) | $(echo "$line" | cut -d' ' -f6) | $mem |"
    done
  done
  echo
  local sum=/tmp/custan_bench_clv_23570.csv
  [ -s "$sum" ] || "$custan" run bench/gen_clv_summary.lua 23570 "$sum"
  local w=() o=()
  for _ in $(seq "$reps"); do
    local t0; t0=$(now)
    "$custan" run clv.lua --summary "$sum" --customer customer -q
    w+=("$(since "$t0")")
    if [ -n "${OLD:-}" ]; then
      t0=$(now)
      "$OLD" run clv.lua --summary "$sum" --customer customer -q
      o+=("$(since "$t0")")
    fi
  done
  echo "whole \`clv.lua --summary\` on 23,570 simulated customers (the full CDNOW cohort's size; default 100 draws):"
  echo "median $(printf '%s\n' "${w[@]}" | median) s (runs ${w[*]})${OLD:+; the previous Lua interval ($OLD): median $(printf '%s\n' "${o[@]}" | median) s (runs ${o[*]})}"
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo
}

bench_pipeline() {
  echo "### The whole pipeline"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; whole process, wall clock, median of $reps;"
  echo "default draws (CLV interval 100, policies 10,000 with 100 parameter sets), output written"
  echo
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  echo "| log | rows | custan threads | pipeline (s) | runs |"
  echo "|---|---|---|---|---|"
  local name input preset rows th
  for spec in "Online Retail|examples/data/online_retail.csv.gz|online_retail|541,909" \
      "CDNOW sample|examples/data/cdnow_sample.txt|cdnow|6,919" \
      "event log (generated)|examples/data/events_sample.csv.gz|retailrocket|73,180"; do
    IFS='|' read -r name input preset rows <<<"$spec"
    for th in 2 1; do
      local w=()
      for _ in $(seq "$reps"); do
        local t0; t0=$(now)
        CUSTAN_THREADS=$th "$custan" run pipeline.lua --input "$input" --preset "$preset" --output "$out/pipe" --quiet
        w+=("$(since "$t0")")
      done
      echo "| $name | $rows | $th | $(printf '%s\n' "${w[@]}" | median) | ${w[*]} |"
    done
  done
  # the same work as separate scripts, as a user had to run it before
  local w=()
  for _ in $(seq "$reps"); do
    local t0; t0=$(now)
    "$custan" run rfm.lua --input examples/data/online_retail.csv.gz --output "$out/s_rfm" --quiet
    "$custan" run segment.lua --input "$out/s_rfm/customers.csv" --id customer --method gmm --k 4 --output "$out/s_seg" --quiet
    "$custan" run clv.lua --input examples/data/online_retail.csv.gz --model all --holdout-start 2011-09-07 --draws 0 --output "$out/s_clvh" --quiet
    "$custan" run clv.lua --input examples/data/online_retail.csv.gz --model mbgnbd --output "$out/s_clv" --quiet
    "$custan" run churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-10 --window 90 --output "$out/s_churn" --quiet
    w+=("$(since "$t0")")
  done
  echo
  echo "the same stages as five separate script runs (rfm, segment, clv twice, churn; no join, policies"
  echo "or insights): median $(printf '%s\n' "${w[@]}" | median) s (runs ${w[*]})"
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo
}

bench_dashboard() {
  echo "### Dashboards in headless Chromium"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; the pages of pipeline.lua --dashboards on Online Retail;"
  echo "'ready' is the page's own clock (performance.now() when every chart has drawn: parsing, Chart.js"
  echo "and the charts), 'load' the whole headless Chromium process (start, load, render, exit); median of $reps"
  echo
  "$custan" run pipeline.lua --input examples/data/online_retail.csv.gz --output "$out/dash" --dashboards --quiet
  local browser; browser=$(command -v chromium || true)
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  echo "| page | size (MB) | charts | ready (ms) | load (s) |"
  echo "|---|---|---|---|---|"
  local f
  for f in "$out"/dash/dashboards/*.html; do
    local ready=() load=() line
    for _ in $(seq "$reps"); do
      local t0; t0=$(now)
      line=$(tests/browser/check.sh "$f")
      load+=("$(since "$t0")")
      ready+=("$(sed -n 's/.*ready_ms \([0-9.]*\).*/\1/p' <<<"$line")")
    done
    echo "| $(basename "$f") | $(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.2f", b / 1e6 }') | $(cut -d' ' -f2 <<<"$line") | $(printf '%s\n' "${ready[@]}" | median) | $(printf '%s\n' "${load[@]}" | median) |"
  done
  echo
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo "browser: $("$browser" --version 2>/dev/null)"
  echo
}

bench_busy() {
  echo "### Busy machines: quiet against two CPU-burning processes"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d); whole process, wall clock, median of $reps; custan's default threads (2, fewer"
  echo "for XGBoost when the cores are taken: engine/kernels/core/parallel.h); 'busy' runs beside two shell loops"
  echo "(\`while :; do :; done\`) this benchmark starts before and kills by their process ids after"
  echo
  "$custan" run rfm.lua --input "$file" --output "$out/busy_rfm" --quiet
  local names=("churn.lua (Online Retail)" "segment.lua (its RFM table)" "rfm.lua (the customer summary)")
  local cmds=("$custan run churn.lua --input $file --cutoff 2011-09-10 --output $out/busy_churn --force --quiet"
    "$custan run segment.lua --input $out/busy_rfm/customers.csv --id customer --output $out/busy_seg --force --quiet"
    "$custan run rfm.lua --input $file --output $out/busy_rfm2 --force --quiet")
  echo "| run | quiet (s) | busy (s) | busy / quiet | quiet runs | busy runs |"
  echo "|---|---|---|---|---|---|"
  local k
  for k in 0 1 2; do
    local q=() b=() spin=()
    for _ in $(seq "$reps"); do local t0; t0=$(now); ${cmds[$k]}; q+=("$(since "$t0")"); done
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
    sleep 0.5
    for _ in $(seq "$reps"); do local t0; t0=$(now); ${cmds[$k]}; b+=("$(since "$t0")"); done
    for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${spin[@]}" 2>/dev/null || true
    local mq mb
    mq=$(printf '%s\n' "${q[@]}" | median)
    mb=$(printf '%s\n' "${b[@]}" | median)
    echo "| ${names[$k]} | $mq | $mb | $(awk -v a="$mb" -v b="$mq" 'BEGIN { printf "%.2f", a / b }') | ${q[*]} | ${b[*]} |"
  done
  echo
}

bench_columns() {
  echo "### Column operations against numpy"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; float64 values (i mod 1000) / 100 and two bool"
  echo "columns without missing values; in-process and warm: each operation 3 times unmeasured, then the"
  echo "median of 21 (bench/column_bench.lua, bench/numpy_columns.py); the two processes alternate $reps times and"
  echo "the table gives the median of the $reps medians, in ms. Both run on one thread (custan's element-wise"
  echo "operations are single-threaded; numpy's are). numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')."
  echo
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  local n
  for n in 1000000 10000000; do
    : > "$out/cu.txt"; : > "$out/np.txt"
    for _ in $(seq "$reps"); do
      CUSTAN_THREADS=1 "$custan" run bench/column_bench.lua "$n" >> "$out/cu.txt"
      /usr/bin/python3 bench/numpy_columns.py "$n" >> "$out/np.txt"
    done
    echo "| $n values | custan (ms) | numpy (ms) | custan / numpy |"
    echo "|---|---|---|---|"
    local op
    while read -r op; do
      local c p
      c=$(awk -v op="$op" '{ v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == op) print v }' "$out/cu.txt" | median)
      p=$(awk -v op="$op" '{ v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == op) print v }' "$out/np.txt" | median)
      echo "| \`${op//|/\\|}\` | $c | $p | $(awk -v a="$c" -v b="$p" 'BEGIN { printf "%.2f", a / b }') |"
    done < <(awk '{ $NF = ""; sub(/ $/, ""); print }' "$out/np.txt" | awk '!seen[$0]++')
    echo
  done
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
}

bench_generate() {
  echo "### The generated world"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)${BUSY:+, busy (two spinning processes alongside)}; generate.lua with the default world"
  echo "(lua/custan/rules/world.lua), seed 1, whole process, wall clock, median of $reps; peak memory"
  echo "(max RSS); 'md5' is of orders.csv, truth.csv and customers.csv together"
  echo
  local spin=()
  if [ -n "${BUSY:-}" ]; then
    for _ in 1 2; do (while :; do :; done) & spin+=($!); done
  fi
  echo "| customers | files | threads | order lines | orders.csv (MB) | time (s) | peak (MB) | md5 | runs |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local n th flags
  for spec in "100000|" "1000000|" "100000|--events"; do
    IFS='|' read -r n flags <<<"$spec"
    for th in 2 1; do
      local w=() mem=""
      for _ in $(seq "$reps"); do
        local t0; t0=$(now)
        /usr/bin/time -f "%M" -o "$out/gen.mem" "$custan" run generate.lua --customers "$n" --seed 1 \
          --threads "$th" $flags --output "$out/gen" --quiet
        w+=("$(since "$t0")")
        mem=$(( $(cat "$out/gen.mem") / 1024 ))
      done
      local lines mb md5
      lines=$(sed -n 's/.*"lines": *\([0-9]*\).*/\1/p' "$out/gen/summary.json")
      mb=$(( $(stat -c %s "$out/gen/orders.csv") / 1000000 ))
      md5=$(cat "$out/gen/orders.csv" "$out/gen/truth.csv" "$out/gen/customers.csv" | md5sum | cut -c1-8)
      local what="orders, truth"
      [ -n "$flags" ] && what="$what, events ($(( $(stat -c %s "$out/gen/events.csv") / 1000000 )) MB, $(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$out/gen/summary.json") rows)"
      echo "| $n | $what | $th | $lines | $mb | $(printf '%s\n' "${w[@]}" | median) | $mem | $md5 | ${w[*]} |"
      rm -rf "$out/gen"
    done
  done
  for p in "${spin[@]}"; do kill "$p" 2>/dev/null || true; done
  echo
}

case "$what" in
  busy) bench_busy ;;
  columns) bench_columns ;;
  generate) bench_generate ;;
  load) bench_load ;;
  rfm) bench_rfm ;;
  stream) bench_stream ;;
  dist) bench_dist ;;
  distpipe) bench_distpipe ;;
  clv) bench_clv ;;
  cluster) bench_cluster ;;
  churn) bench_churn ;;
  policy) bench_policy ;;
  join) bench_join ;;
  interval) bench_interval ;;
  pipeline) bench_pipeline ;;
  dashboard) bench_dashboard ;;
  all) bench_load; bench_rfm; bench_clv; bench_cluster; bench_churn; bench_policy; bench_join; bench_interval; bench_pipeline; bench_dashboard; bench_generate; bench_columns; bench_busy; bench_stream ;;
  *) echo "usage: bench/run.sh [load|rfm|stream|dist|distpipe|clv|cluster|churn|policy|join|interval|pipeline|dashboard|generate|columns|busy|all] [REPS]" >&2; exit 2 ;;
esac
