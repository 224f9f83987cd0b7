# CLI tests of distributed runs (custan.dist, the distributed summary):
# sourced by run.sh (it has expect, check, $custan, $root and $work).  The
# bundled Online Retail is cut into 5 shards in time order; runs on the
# shards under `mpirun -np 1, 2 and 4` must write what one process writes
# from the whole file.  Without MPI in the build the mpirun part is
# skipped (the sanitizer build is made without it).

# make_shards LOG.csv.gz DIR N: the log's lines after the header cut into N
# gzipped shards in file order, each with the header (DIR/part00.csv.gz, ...)
make_shards() {
  mkdir -p "$2"
  zcat "$1" > "$work/log.csv"
  head -1 "$work/log.csv" > "$work/log_header"
  tail -n +2 "$work/log.csv" > "$work/log_body"
  split -n "l/$3" -d "$work/log_body" "$2/part"
  for f in "$2"/part0?; do cat "$work/log_header" "$f" | gzip -c > "$f.csv.gz"; rm "$f"; done
  rm -f "$work/log.csv" "$work/log_body" "$work/log_header"
}
shards="$work/shards"
make_shards "$root/examples/data/online_retail.csv.gz" "$shards" 5

# one process, the whole file: what every distributed run must match
"$custan" run rfm.lua --input "$root/examples/data/online_retail.csv.gz" --end 2011-12-09 --output "$work/rfm_one" -q
"$custan" run clv.lua --input "$root/examples/data/online_retail.csv.gz" --output "$work/clv_one" -q
"$custan" run rfm.lua --input "$shards/*.csv.gz" --end 2011-12-09 --output "$work/rfm_shards" -q
for f in customers.csv segments.csv; do
  check "shards: rfm.lua's $f from 5 shards is the whole file's" cmp "$work/rfm_one/$f" "$work/rfm_shards/$f"
done
expect "shards: a pattern that matches nothing is named" 1 "no file matches '$shards/*.csv.zip'" -- \
  "$custan" run rfm.lua --input "$shards/*.csv.zip"

# --parts without mpirun: the customer table as one part and a manifest
"$custan" run pipeline.lua --input "$root/examples/data/online_retail.csv.gz" --output "$work/parts_one" --parts -q
check "pipeline --parts in one process: one part, the whole customer table, and its manifest" bash -c "
  test ! -e '$work/parts_one/customers.csv' &&
  head -1 '$work/parts_one/customers.part-0000.csv' | grep -q '^customer,frequency,recency,T,' &&
  grep -q '\"ranks\": 1' '$work/parts_one/customers.manifest.json' &&
  [ \$(tail -n +2 '$work/parts_one/customers.part-0000.csv' | wc -l) = 4339 ]"

if "$custan" version | grep -q "^MPI none"; then
  echo "skip: mpirun tests (this custan is built without MPI)"
elif ! command -v mpirun >/dev/null; then
  echo "FAIL mpirun is not installed (./dev setup installs openmpi-bin)"; failed=$((failed + 1))
else
  mpi=(timeout 300 mpirun --oversubscribe --bind-to none)
  [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
  for np in 1 2 4; do
    "${mpi[@]}" -np "$np" "$custan" run rfm.lua --input "$shards/*.csv.gz" --end 2011-12-09 \
      --output "$work/rfm_np$np" -q
    for f in customers.csv segments.csv; do
      check "mpirun -np $np: rfm.lua's $f is one process's" cmp "$work/rfm_one/$f" "$work/rfm_np$np/$f"
    done
    check "mpirun -np $np: rfm.lua's summary.json differs only in the input" bash -c \
      "diff <(grep -v '\"input\"' '$work/rfm_one/summary.json') <(grep -v '\"input\"' '$work/rfm_np$np/summary.json')"
  done
  for np in 2 4; do
    "${mpi[@]}" -np "$np" "$custan" run clv.lua --input "$shards/*.csv.gz" --output "$work/clv_np$np" -q
    for f in "$work/clv_one"/*.csv; do
      check "mpirun -np $np: clv.lua's $(basename "$f") is one process's" cmp "$f" "$work/clv_np$np/$(basename "$f")"
    done
    check "mpirun -np $np: clv.lua's fit is one process's" bash -c \
      "diff <(grep -v '\"input\"' '$work/clv_one/summary.json') <(grep -v '\"input\"' '$work/clv_np$np/summary.json')"
  done
  # the pipeline: each rank reads its run of the shards and keeps its
  # customers' rows; every table and insights.json is one process's
  "$custan" run pipeline.lua --input "$root/examples/data/online_retail.csv.gz" --output "$work/pl_one" -q
  for np in 1 2 4; do
    "${mpi[@]}" -np "$np" "$custan" run pipeline.lua --input "$shards/*.csv.gz" --output "$work/pl_np$np" \
      2> "$work/pl_np$np.err" > /dev/null
    check "mpirun -np $np: the pipeline's tables are one process's" bash -c \
      "cd '$work/pl_one' && for f in \$(find . -name '*.csv'); do cmp -s \"\$f\" '$work/pl_np$np/'\"\$f\" || { echo \"differs: \$f\"; exit 1; }; done"
    check "mpirun -np $np: the pipeline's result documents differ only in the input and timings" bash -c \
      "cd '$work/pl_one' && for f in \$(find . -name '*.json' ! -name '.custan-manifest.json'); do diff -q <(grep -v '\"input\"\\|seconds' \"\$f\") <(grep -v '\"input\"\\|seconds' '$work/pl_np$np/'\"\$f\") > /dev/null || { echo \"differs: \$f\"; exit 1; }; done"
  done
  check "mpirun -np 4: each rank holds part of the log, and rank 0 alone reports progress" bash -c \
    "grep -q 'the 4 ranks hold [0-9]* to [0-9]* rows each' '$work/pl_np4.err' &&
     [ \$(grep -c '\\[1/10\\] read: done' '$work/pl_np4.err') = 1 ] &&
     max=\$(sed -n 's/.*ranks hold [0-9]* to \\([0-9]*\\) rows.*/\\1/p' '$work/pl_np4.err') &&
     [ \"\$max\" -lt 541909 ]"
  # an event log (counts only, a funnel) in 3 shards on 4 ranks: one rank
  # reads no file and still takes its customers
  make_shards "$root/examples/data/events_sample.csv.gz" "$work/ev_shards" 3
  "$custan" run pipeline.lua --input "$root/examples/data/events_sample.csv.gz" --preset retailrocket \
    --output "$work/ev_one" -q
  "${mpi[@]}" -np 4 "$custan" run pipeline.lua --input "$work/ev_shards/*.csv.gz" --preset retailrocket \
    --output "$work/ev_np4" -q
  check "mpirun -np 4 on 3 shards: the event log's pipeline (funnel, counts only) is one process's" bash -c \
    "cd '$work/ev_one' && for f in \$(find . -name '*.csv' -o -name '*.json' ! -name '.custan-manifest.json'); do diff -q <(grep -v '\"input\"\\|seconds' \"\$f\") <(grep -v '\"input\"\\|seconds' '$work/ev_np4/'\"\$f\") > /dev/null || { echo \"differs: \$f\"; exit 1; }; done"
  # --parts: the customer table as one file per rank (each rank's own
  # customers) and a manifest, in the same set; together the one process's
  "${mpi[@]}" -np 2 "$custan" run pipeline.lua --input "$shards/*.csv.gz" --output "$work/pl_parts" --parts -q
  check "mpirun -np 2 --parts: customers.csv is two parts and a manifest, together the one process's table" bash -c "
    test ! -e '$work/pl_parts/customers.csv' &&
    grep -q 'customers.part-0001.csv' '$work/pl_parts/customers.manifest.json' &&
    grep -q 'customers.part-0001.csv' '$work/pl_parts/.custan-manifest.json' &&
    diff <(tail -n +2 '$work/pl_one/customers.csv' | sort) \
         <(for f in '$work/pl_parts'/customers.part-*.csv; do tail -n +2 \"\$f\"; done | sort) > /dev/null &&
    [ \$(head -1 '$work/pl_parts/customers.part-0000.csv') = \$(head -1 '$work/pl_one/customers.csv') ] &&
    [ \$(tail -n +2 '$work/pl_parts/customers.part-0000.csv' | wc -l) -gt 0 ] &&
    cmp -s '$work/pl_one/clv/customers.csv' '$work/pl_parts/clv/customers.csv'"
  # XGBoost's own collective (python3-xgboost's tracker): one model on every
  # rank, as good as rank 0's training on every row
  expect "mpirun -np 2: XGBoost's collective trains one model on every rank" 0 \
    "ranks 2, same model on every rank: true" -- \
    "${mpi[@]}" -np 2 "$custan" run "$root/tests/fixtures/dist_xgb_collective.lua" "$fx/online_retail_rfm.csv"
  check "mpirun -np 2: the collective's AUC is within 0.01 of rank 0's" bash -c \
    "${mpi[*]} -np 2 '$custan' run '$root/tests/fixtures/dist_xgb_collective.lua' '$fx/online_retail_rfm.csv' 2>/dev/null |
     awk '/AUC collective/ { gsub(\",\", \"\"); c = \$(NF - 3); r = \$NF; d = c - r; if (d < 0) d = -d; ok = d < 0.01 } END { exit !ok }'"
  # the fits and samplers split their blocks across the ranks: one process's
  # bits at every rank count, and each rank computed its share
  fits="$root/tests/fixtures/dist_fits.lua"
  "$custan" run "$fits" "$root/examples/data/online_retail.csv.gz" | grep -v '^blocks' > "$work/fits_one"
  for np in 1 2 3 4; do
    "${mpi[@]}" -np "$np" "$custan" run "$fits" "$shards/*.csv.gz" > "$work/fits_np$np"
    check "mpirun -np $np: CLV fits, CLV interval, logistic, policy draws, k-means and GMM are one process's bits" \
      bash -c "grep -v '^blocks' '$work/fits_np$np' | cmp - '$work/fits_one'"
  done
  check "mpirun -np 3: each rank computed part of the blocks, together all of them" awk '
    /^blocks/ { found = 1; ran = 0
                for (i = 2; i <= NF; i++) { split($i, p, "/"); if (p[1] <= 0 || p[1] >= p[2]) bad = 1; ran += p[1] }
                if (NF != 4 || ran != p[2]) bad = 1 }
    END { exit !found || bad }' "$work/fits_np3"
  # custan.dist in a user's script: exact sums, gather and broadcast, rank 0 prints
  cat > "$work/ranks.lua" <<'LUA'
local dist = require "custan.dist"
local total = dist.sum(0.1 * (dist.rank() + 1))
local names = dist.gather("rank " .. dist.rank())
local word = dist.broadcast(dist.is_root() and "from the root" or "ignored")
print(dist.size(), string.format("%.17g", total), names and table.concat(names, ",") or "", word,
  dist.max(dist.rank()), dist.all(true), dist.any(dist.rank() == 2))
LUA
  expect "mpirun -np 3: custan.dist sums exactly, gathers and broadcasts; rank 0 prints" 0 \
    "3	0.60000000000000009	rank 0,rank 1,rank 2	from the root	2.0	true	true" -- "${mpi[@]}" -np 3 "$custan" run "$work/ranks.lua"
  check "mpirun -np 3: only rank 0 prints" bash -c "[ \$(${mpi[*]} -np 3 '$custan' run '$work/ranks.lua' 2>/dev/null | wc -l) = 1 ]"
  # a rank that cannot read its shard stops every rank, naming file and line
  cp -r "$shards" "$work/bad_shards"
  zcat "$shards/part03.csv.gz" | awk -F, 'NR == 100 { OFS = ","; $4 = "abc" } { print }' | gzip -c > "$work/bad_shards/part03.csv.gz"
  expect "mpirun -np 2: a bad value in one shard stops every rank, naming file, line and column" 1 \
    "bad_shards/part03.csv.gz:100: column 4 (Quantity): cannot read 'abc' as float64" -- \
    "${mpi[@]}" -np 2 "$custan" run rfm.lua --input "$work/bad_shards/*.csv.gz" --output "$work/rfm_bad"
  check "mpirun -np 2: the failed run wrote nothing" test ! -e "$work/rfm_bad"
  expect "mpirun -np 4: the pipeline's read stops every rank at a bad value, naming file, line and column" 1 \
    "bad_shards/part03.csv.gz:100: column 4 (Quantity)" -- \
    "${mpi[@]}" -np 4 "$custan" run pipeline.lua --input "$work/bad_shards/*.csv.gz" --output "$work/pl_bad"
  check "mpirun -np 4: the failed pipeline wrote nothing" test ! -e "$work/pl_bad"
fi
