#!/usr/bin/env bash
# bench/compare.sh OLD_TREE NEW_TREE [REPS]: the same jobs on two builds of
# custan, interleaved (old, new, old, new, ...) so both see the same machine
# state; prints a Markdown table of medians and new/old ratios.  Each tree is
# a checkout built with ./dev setup (its build/custan uses its own lua/ and
# scripts/).  Used to check that a change slows no benchmark down:
#   git worktree add /tmp/base <old commit> && (cd /tmp/base && ./dev setup)
#   bench/compare.sh /tmp/base . 7
set -eu
old=$(cd "${1:?usage: compare.sh OLD_TREE NEW_TREE [REPS]}" && pwd)
new=$(cd "${2:?usage: compare.sh OLD_TREE NEW_TREE [REPS]}" && pwd)
reps=${3:-7}
file=/tmp/custan_bench_online_retail.csv # the plain CSV, decompressed once
[ -s "$file" ] || gzip -dc "$new/examples/data/online_retail.csv.gz" > "$file"
customers=/tmp/custan_bench_cust_100k.csv # bench/run.sh policy's customers
[ -s "$customers" ] || (cd "$new" && build/custan run bench/gen_customers.lua 100000 "$customers")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# The jobs: a name and a command run from the tree's folder ($F is the
# plain Online Retail CSV, $P 100,000 generated customers, $O a scratch
# folder, $X flags given to the new
# tree only: a feature the old one lacks, switched off to compare the
# same work).
jobs=(
  "read_csv, Online Retail (bench/load_csv.lua)|build/custan run bench/load_csv.lua \$F 2"
  "customer summary written (bench/rfm_summary.lua)|build/custan run bench/rfm_summary.lua \$F \$O/c.csv 2011-12-09"
  "CLV fits: CDNOW x 21, 23,570 and 1,000,000 simulated (bench/clv_bench.lua)|build/custan run bench/clv_bench.lua 21"
  "policy, 100,000 customers, 10,000 draws (bench/policy_bench.lua)|CUSTAN_THREADS=2 build/custan run bench/policy_bench.lua \$P 10000 0.01"
  "summary.lua, Online Retail|build/custan run summary.lua --input \$F --quiet"
  "rfm.lua, Online Retail to files|build/custan run rfm.lua --input \$F --output \$O/rfm --quiet"
  "cohort.lua, Online Retail (new: --retention-model none)|build/custan run cohort.lua --input \$F --quiet \$X|--retention-model none"
  "cohort.lua, Online Retail (new: with the sBG model)|build/custan run cohort.lua --input \$F --quiet"
  "clv.lua, CDNOW holdout, all models|build/custan run clv.lua --input examples/data/cdnow_sample.txt --no-header --columns master,customer,date,cds,amount --delimiter whitespace --customer customer --date date --amount amount --date-format %Y%m%d --holdout-start 1997-10-01 --model all --draws 0 --quiet"
  "segment.lua, Online Retail, k-means k = 2..6|build/custan run segment.lua --input \$F --k-range 2..6 --quiet"
  "churn.lua, Online Retail, three models|build/custan run churn.lua --input \$F --cutoff 2011-09-09 --window 91 --quiet"
  "experiment.lua, four policies, 10,000 draws|build/custan run experiment.lua --customers examples/data/customers.csv.gz --policy examples/policies/winback_at_risk.lua --policy examples/policies/vip_perks.lua --policy examples/policies/onboarding_new.lua --policy examples/policies/winback_from_test.lua --quiet"
)

run_job() { # run_job TREE CMD EXTRA: prints seconds
  local tree=$1 cmd=$2 extra=$3 t0
  [ "$tree" = "$new" ] || extra=""
  cmd=${cmd//\$X/$extra}
  cmd=${cmd//\$F/$file}
  cmd=${cmd//\$P/$customers}
  cmd=${cmd//\$O/$out/$(basename "$tree")}
  mkdir -p "$out/$(basename "$tree")"
  rm -rf "$out/$(basename "$tree")"/*
  t0=$(now)
  (cd "$tree" && eval "$cmd" >/dev/null) || { echo "compare: failed in $tree: $cmd" >&2; exit 1; }
  since "$t0"
}

echo "old: $old ($(git -C "$old" rev-parse --short HEAD)), new: $new ($(git -C "$new" rev-parse --short HEAD))"
echo "$reps interleaved runs each, whole process (s), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%d)"
echo
echo "| job | old median (s) | new median (s) | new / old | old runs | new runs |"
echo "|---|---|---|---|---|---|"
for j in "${jobs[@]}"; do
  name=${j%%|*}
  rest=${j#*|}
  cmd=${rest%%|*}
  extra=""
  [ "$rest" != "$cmd" ] && extra=${rest#*|}
  o=() n=()
  for _ in $(seq "$reps"); do
    o+=("$(run_job "$old" "$cmd" "$extra")")
    n+=("$(run_job "$new" "$cmd" "$extra")")
  done
  mo=$(printf '%s\n' "${o[@]}" | median)
  mn=$(printf '%s\n' "${n[@]}" | median)
  awk -v name="$name" -v mo="$mo" -v mn="$mn" -v ro="${o[*]}" -v rn="${n[*]}" \
    'BEGIN { printf "| %s | %.3f | %.3f | %.3f | %s | %s |\n", name, mo, mn, mn / mo, ro, rn }'
done
