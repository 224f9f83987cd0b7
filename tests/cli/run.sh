#!/usr/bin/env bash
# CLI tests: exit codes, messages and behaviour of the custan command.
# usage: tests/cli/run.sh BUILD_DIR     (prints "N passed, N failed")
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
custan="$build/custan"
root=$(cd "$(dirname "$0")/../.." && pwd)
fx="$root/tests/fixtures"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# expect NAME CODE PATTERN -- COMMAND...: runs COMMAND, checks its exit code
# and that stdout+stderr contain PATTERN (a fixed string; "" for any).
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    echo "FAIL $name: exit $rc, expected $code"; echo "$out" | head -5 | sed 's/^/    /'
    failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks '$pattern'"; echo "$out" | head -5 | sed 's/^/    /'
    failed=$((failed + 1)); return
  fi
  passed=$((passed + 1))
}

# check NAME CONDITION...: a plain test
check() {
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

# --- commands and usage ---------------------------------------------------
expect "version" 0 "Lua 5.4" -- "$custan" version
expect "version names GSL" 0 "GSL" -- "$custan" version
expect "version names libcsv" 0 "libcsv" -- "$custan" version
expect "help" 0 "usage: custan" -- "$custan" help
expect "no command" 2 "usage: custan" -- "$custan"
expect "unknown command" 2 "unknown command 'frobnicate'" -- "$custan" frobnicate
expect "run without script" 2 "run needs a script" -- "$custan" run
expect "-e without code" 2 "-e needs a line of Lua" -- "$custan" -e
expect "script not found" 1 "cannot find script 'nope.lua'" -- "$custan" run nope.lua
expect "scripts list" 0 "summary.lua" -- "$custan" scripts

# --- running Lua ----------------------------------------------------------
expect "arg as in lua" 0 "args:	2	one	two" -- "$custan" run "$fx/echo_args.lua" one two
expect "varargs" 0 "one	two" -- "$custan" run "$fx/echo_args.lua" one two
expect "file as command" 0 "args:	1	x" -- "$custan" "$fx/echo_args.lua" x
expect "-e" 0 "2" -- "$custan" -e 'print(1 + 1)'
expect "-e has custan" 0 "541,909" -- "$custan" -e 'print(require("custan.util").commas(541909))'
expect "lfs, cjson, argparse" 0 "ok" -- "$custan" -e 'require "lfs"; require "cjson"; require "argparse"; print("ok")'
expect "syntax error" 1 "custan: $fx/syntax_error.lua:3: unexpected symbol near <eof>" -- "$custan" run "$fx/syntax_error.lua"
expect "runtime error" 1 "custan: $fx/runtime_error.lua:2: attempt to index a nil value" -- "$custan" run "$fx/runtime_error.lua"
expect "no traceback by default" 1 "" -- "$custan" run "$fx/runtime_error.lua"
check "no traceback without --trace" bash -c "! '$custan' run '$fx/runtime_error.lua' 2>&1 | grep -q traceback"
expect "--trace" 1 "stack traceback:" -- "$custan" --trace run "$fx/runtime_error.lua"
expect "error in -e" 1 "custan: (command line):1: boom" -- "$custan" -e 'error("boom")'
expect "os.exit code" 3 "" -- "$custan" -e 'os.exit(3)'
# Ctrl-C: the script marks that it runs, then loops; SIGINT must stop it
interrupt_test() {
  rm -f "$work/running"
  "$custan" -e "io.open('$work/running', 'w'):close() while true do end" 2>"$work/int.err" &
  local pid=$! i
  for i in $(seq 200); do [ -e "$work/running" ] && break; sleep 0.05; done
  kill -INT "$pid"
  wait "$pid"
  local rc=$?
  cat "$work/int.err"
  return "$rc"
}
expect "Ctrl-C stops a runaway script" 1 "custan: interrupted" -- interrupt_test
# SIGTERM (timeout, CI, docker stop) ended the process with no cleanup; it
# stops a script as Ctrl-C does now
term_test() {
  rm -f "$work/running"
  "$custan" -e "io.open('$work/running', 'w'):close() while true do end" 2>"$work/term.err" &
  local pid=$! i
  for i in $(seq 200); do [ -e "$work/running" ] && break; sleep 0.05; done
  kill -TERM "$pid"
  wait "$pid"
  local rc=$?
  cat "$work/term.err"
  return "$rc"
}
expect "SIGTERM stops a runaway script" 1 "custan: interrupted" -- term_test
expect "repl" 0 "42" -- bash -c "echo 'return 6 * 7' | '$custan' repl"
expect "repl multi-line" 0 "6" -- bash -c "printf 'local function f(x)\nreturn x * 2 end print(f(3))\n' | '$custan' repl"

# the environment must not change which code runs
mkdir -p "$work/evil/custan"
echo 'error("shadowed by LUA_PATH")' > "$work/evil/custan/init.lua"
expect "LUA_PATH ignored" 0 "ok" -- env LUA_PATH="$work/evil/?.lua;$work/evil/?/init.lua" LUA_PATH_5_4="$work/evil/?/init.lua" "$custan" -e 'require "custan"; print("ok")'

# --- hardening: crashes and memory (regressions) ---------------------------
# Crafted bytecode crashed the host; no chunk may be binary.
expect "load refuses bytecode" 0 "attempt to load a binary chunk" -- \
  "$custan" -e 'print(select(2, load(string.dump(function() end))))'
expect "loadfile refuses bytecode" 0 "attempt to load a binary chunk" -- \
  "$custan" -e "local f = io.open('$work/bc.luac', 'wb') f:write(string.dump(function() end)) f:close()
print(select(2, loadfile('$work/bc.luac')))"
expect "dofile refuses bytecode" 1 "attempt to load a binary chunk" -- "$custan" -e "dofile('$work/bc.luac')"
# A missing or unreadable input said "(error object is a nil value)".
for s in rfm cohort clv segment summary churn; do
  expect "$s.lua: missing input named" 1 "custan: $work/nope.csv: cannot open: No such file or directory" -- \
    "$custan" run $s.lua --input "$work/nope.csv"
done
expect "rfm.lua: empty input named" 1 "empty.csv: the file is empty" -- "$custan" run rfm.lua --input "$fx/empty.csv"
# 100,000 columns took 91 s (quadratic in the column count); linear now (about 0.3 s).
"$custan" -e "local h, v = {}, {}
for i = 0, 99999 do h[#h + 1] = 'c' .. i; v[#v + 1] = i % 7 end
print(table.concat(h, ',')) print(table.concat(v, ','))" > "$work/cols100k.csv"
expect "100,000 columns read in seconds" 0 "100000" -- \
  timeout 20 "$custan" -e "print(require('custan').read_csv('$work/cols100k.csv'):ncols())"

# --- bindings (architecture issue) -----------------------------------------
expect "custan.sim alone: columns have their metatable" 0 "true" -- "$custan" run "$fx/sim_alone.lua"
# describe() raised on a bad quantile while C held the distribution's table
# (LeakSanitizer: 24 bytes); this fails under the sanitizer build if it leaks.
expect "describe: no leak on a bad argument" 0 "false" -- \
  "$custan" -e 'print((pcall(require("custan.core.sim").describe, require("custan.sim").discrete({1, 2, 3}), "x")))'

# --- output (report layer; hardening issue) ---------------------------------
orders=(--input "$fx/orders.csv" --customer customer --date date --amount amount)
# the set of files is replaced whole: a second run with other files leaves none of the first
"$custan" run rfm.lua "${orders[@]}" --output "$work/set" --quiet
"$custan" run cohort.lua "${orders[@]}" --output "$work/set" --quiet
check "a second run replaces the whole set" bash -c "[ ! -e '$work/set/customers.csv' ] && [ -s '$work/set/cohorts.csv' ]"
check "no temporary folders are left beside the output" bash -c "! ls -a '$work' | grep -q '^\.set\.'"
mkdir -p "$work/mine" && echo keep > "$work/mine/notes.txt"
expect "a folder with other files is refused" 1 "holds files custan did not write (notes.txt)" -- \
  "$custan" run rfm.lua "${orders[@]}" --output "$work/mine"
check "the refused folder is untouched" bash -c "[ \"\$(ls '$work/mine')\" = notes.txt ]"
expect "--force writes beside other files" 0 "wrote customers.csv" -- \
  "$custan" run rfm.lua "${orders[@]}" --output "$work/mine" --force
check "--force keeps the other files" test -s "$work/mine/notes.txt" -a -s "$work/mine/customers.csv"
# two runs into one folder could interleave; a killed run left temp folders
mkdir -p "$work/locked" "$work/.locked.lock" && echo $$ > "$work/.locked.lock/pid"
expect "a folder another run is writing is refused" 1 "another custan run (process $$) is writing this folder" -- \
  "$custan" run rfm.lua "${orders[@]}" --output "$work/locked"
echo 999999 > "$work/.locked.lock/pid"
mkdir -p "$work/.locked.new-999998-000001"
expect "a killed run's lock is taken over" 0 "" -- "$custan" run rfm.lua "${orders[@]}" --output "$work/locked" --quiet
check "... and its temporary folder removed, and the lock released" bash -c "[ ! -e '$work/.locked.new-999998-000001' ] && [ ! -e '$work/.locked.lock' ]"
# CSV files were created 0600 while JSON files were 0644; both follow the umask now
check "CSV and JSON files get the same mode" bash -c "umask 022; '$custan' run rfm.lua ${orders[*]} --output '$work/modes' --quiet &&
  [ \"\$(stat -c %a '$work/modes/customers.csv')\" = 644 ] && [ \"\$(stat -c %a '$work/modes/summary.json')\" = 644 ]"
# a failed write to stdout exited 0 with an empty file
expect "a full stdout is an error (--json)" 1 "stdout: cannot write" -- \
  bash -c "'$custan' run rfm.lua ${orders[*]} --json > /dev/full"
expect "a full stdout is an error (tables)" 1 "stdout: cannot write" -- \
  bash -c "'$custan' run experiment.lua design --baseline 0.1 --mde 0.02 > /dev/full"
# negative values were read as options ("unknown option '-0'")
expect "a negative value after an option" 0 "an effect of -3.00%" -- \
  "$custan" run experiment.lua design --baseline 0.1 --mde -0.03
expect "a negative count is a usage error" 2 "expected a whole number of at least 0, got '-5'" -- \
  "$custan" run rfm.lua "${orders[@]}" --top -5
expect "design: zero eligible a day" 2 "--eligible-per-day must be a positive number" -- \
  "$custan" run experiment.lua design --baseline 0.1 --mde 0.02 --eligible-per-day 0
expect "experiment: an unknown segment column" 1 "no segment column 'nope'" -- \
  "$custan" run experiment.lua --customers "$root/examples/data/customers.csv.gz" \
  --policy "$root/examples/policies/vip_perks.lua" --segment nope --draws 100

expect "a policy with referral_rate (the assumption registry)" 0 "assumptions.referral_rate" -- \
  "$custan" run experiment.lua --customers "$root/examples/data/customers.csv.gz" \
  --policy "$root/examples/policies/referral_bonus.lua" --draws 1000
printf 'arm,x\ncontrol,5\ncontrol,5\ntreatment,5\ntreatment,5\n' > "$work/constant.csv"
expect "analyze: a constant outcome is a warning, not a NaN" 0 '"warnings"' -- \
  "$custan" run experiment.lua analyze --input "$work/constant.csv" --group arm --outcome x --json
zcat "$root/examples/data/customers.csv.gz" | head -1 > "$work/header_only.csv"
expect "experiment: a header-only customer table" 1 "header_only.csv: the customer table has no rows" -- \
  "$custan" run experiment.lua --customers "$work/header_only.csv" --policy "$root/examples/policies/vip_perks.lua"

# text in Quantity ended in "cannot apply * to string and float64" (summary.lua)
printf 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n1,A,x,2011-01-01 10:00,2.5,1,UK\n' > "$work/textqty.csv"
expect "summary.lua: text in Quantity names the line and column" 1 "textqty.csv:2: column 3 (Quantity): cannot read 'x' as float64" -- \
  "$custan" run summary.lua --input "$work/textqty.csv"
# a file with lone-CR line ends was read as one header line of many
# columns (then refused); each CR ends a line now, as in old Mac exports
printf 'a,b\r1,2\r3,4\r' > "$work/lone_cr.csv"
expect "lone CR line ends are read" 0 "2 rows, sums 4 6" -- \
  "$custan" -e "local f = require('custan').read_csv('$work/lone_cr.csv'); print(('%d rows, sums %d %d'):format(f:nrows(), f.a:sum(), f.b:sum()))"
tr '\n' '\r' < "$fx/orders.csv" > "$work/orders_cr.csv"
"$custan" run rfm.lua --input "$work/orders_cr.csv" --customer customer --date date --amount amount --json | grep -v '"input":' > "$work/rfm_cr.json"
"$custan" run rfm.lua --input "$fx/orders.csv" --customer customer --date date --amount amount --json | grep -v '"input":' > "$work/rfm_lf.json"
check "rfm.lua reads a lone-CR log as its LF twin" cmp "$work/rfm_cr.json" "$work/rfm_lf.json"
# A .csv.gz cut short (a broken download) was read with exit 0.
zcat "$root/examples/data/online_retail.csv.gz" | head -1000 | gzip > "$work/whole.csv.gz"
head -c $(( $(stat -c %s "$work/whole.csv.gz") - 8 )) "$work/whole.csv.gz" > "$work/no_trailer.csv.gz"
head -c 9000 "$work/whole.csv.gz" > "$work/cut.csv.gz"
expect "a .gz without its trailer is an error" 1 "no_trailer.csv.gz: the compressed file is truncated" -- \
  "$custan" run summary.lua --input "$work/no_trailer.csv.gz"
expect "a .gz cut mid-stream is an error" 1 "cut.csv.gz: the compressed file is truncated" -- \
  "$custan" run rfm.lua --input "$work/cut.csv.gz"
expect "the whole .gz reads" 0 "" -- "$custan" run summary.lua --input "$work/whole.csv.gz" --quiet

# --period week with a holdout starting mid-week moved holdout purchases
# into calibration: on CDNOW (calibration ends Tuesday 1997-09-30) the
# calibration frequencies summed to 2,248, where Monday-to-Sunday weeks of
# purchases up to 1997-09-30 give 2,216 (the issue's count).
"$custan" run clv.lua --input "$root/examples/data/cdnow_sample.txt" --preset cdnow --period week --unit week \
  --holdout-start 1997-10-01 --draws 0 --output "$work/weekly" --quiet
check "weekly periods never cross the calibration end (2,216)" "$custan" -e "
assert(require('custan').read_csv('$work/weekly/customers.csv').frequency:sum() == 2216)"

# --- the sandbox (hardening issue) ------------------------------------------
# Policy, rule and feature files, and the feature source a saved model
# carries, ran with all of os and io: a planted os.execute in a model.json
# ran on churn.lua --score.
printf 'local sim = require "custan.sim"\nos.execute("touch %s/pwned")\nreturn {name = "x", target = "all", baseline = {retention = 0.5, order_value = 10}, assumptions = {uptake = 0.1}}\n' "$work" > "$work/evil_policy.lua"
expect "a policy file has no os" 1 "evil_policy.lua:2: attempted to access nonexistent global 'os'" -- \
  "$custan" run experiment.lua --customers "$root/examples/data/customers.csv.gz" --policy "$work/evil_policy.lua" --draws 100
check "... and ran nothing" test ! -e "$work/pwned"
expect "--trust runs your own file as plain Lua" 0 "" -- \
  "$custan" run experiment.lua --customers "$root/examples/data/customers.csv.gz" --policy "$work/evil_policy.lua" --draws 100 --trust --quiet
check "... which then ran" test -e "$work/pwned"
rm -f "$work/pwned"
printf 'return {segments = {{name = "All", when = function(c) return os.remove("%s/victim") end}}}\n' "$work" > "$work/evil_rules.lua"
touch "$work/victim"
expect "a segment rule has no os" 1 "attempted to access nonexistent global 'os'" -- \
  "$custan" run rfm.lua "${orders[@]}" --rules "$work/evil_rules.lua"
check "... and removed nothing" test -e "$work/victim"
"$custan" run churn.lua --input "$root/examples/data/online_retail.csv.gz" --cutoff 2011-09-09 --window 91 --model logistic --cv 0 \
  --save "$work/honest_model.json" --quiet
"$custan" -e "
local json = require 'cjson'
local m = json.decode(io.open('$work/honest_model.json'):read('a'))
assert(m.meta.definition.spec and not m.meta.definition.source, 'a saved model carries data, not code')
m.meta.definition = {name = 'planted', source = 'os.execute(\"touch $work/pwned\")\nreturn {}'}
io.open('$work/tampered_model.json', 'w'):write(json.encode(m))"
expect "a tampered model.json runs no code" 1 "attempted to access nonexistent global 'os'" -- \
  "$custan" run churn.lua --score --model-file "$work/tampered_model.json" --input "$root/examples/data/online_retail.csv.gz"
check "... and ran nothing" test ! -e "$work/pwned"

# --- time zones (architecture issue) ---------------------------------------
# clv.lua turned the holdout start into a calibration end through local
# os.time: under Pacific/Kiritimati r was 0.2390, under UTC 0.2426.  Dates
# are computed in UTC by the datetime kernel now: identical bytes in any zone.
tz_same() { # tz_same NAME ARGS...: the script's --json and --output files under three zones
  local name=$1 tz
  shift
  for tz in UTC America/Los_Angeles Pacific/Kiritimati; do
    rm -rf "$work/tz_$tz"
    TZ=$tz "$custan" run "$@" --output "$work/tz_$tz" --json > "$work/tz_$tz.json" 2>/dev/null || return 1
  done
  for tz in America/Los_Angeles Pacific/Kiritimati; do
    cmp -s "$work/tz_UTC.json" "$work/tz_$tz.json" || return 1
    diff -r "$work/tz_UTC" "$work/tz_$tz" >/dev/null || return 1
  done
}
mkdir -p "$work/tz_America" "$work/tz_Pacific"
check "clv.lua: same bytes under UTC, Los Angeles and Kiritimati" tz_same clv clv.lua \
  --input "$root/examples/data/cdnow_sample.txt" --no-header --columns master,customer,date,cds,amount \
  --delimiter whitespace --customer customer --date date --amount amount --date-format %Y%m%d \
  --period day --unit week --holdout-start 1997-10-01 --draws 0
check "clv.lua under Kiritimati: the UTC fit (r 0.2426, Fader-Hardie-Lee's setting)" \
  grep -q '"r": 0.2425' "$work/tz_Pacific/Kiritimati.json"
check "churn.lua: same bytes under UTC, Los Angeles and Kiritimati" tz_same churn churn.lua \
  --input "$root/examples/data/online_retail.csv.gz" --window 91 --model logistic --cv 0

# --- prepared script: summary.lua ----------------------------------------
expect "summary --help" 0 "Usage: summary.lua" -- "$custan" run summary.lua --help
expect "summary without input" 2 "error: missing option '-i'" -- "$custan" run summary.lua
expect "summary bad flag" 2 "error: unknown option '--bogus'" -- "$custan" run summary.lua --input x --bogus
expect "summary missing file" 1 "custan: /nonexistent.csv: cannot open: No such file or directory" -- "$custan" run summary.lua --input /nonexistent.csv
expect "summary empty file" 1 "empty.csv: the file is empty" -- "$custan" run summary.lua --input "$fx/empty.csv"
expect "summary ragged" 1 "custan: $fx/ragged.csv:3: expected 3 fields, found 2" -- "$custan" run summary.lua --input "$fx/ragged.csv"
expect "summary unterminated quote" 1 "unterminated.csv:3: unterminated quoted field" -- "$custan" run summary.lua --input "$fx/unterminated.csv"
expect "summary binary" 1 "binary.csv:3: binary data" -- "$custan" run summary.lua --input "$fx/binary.csv"
expect "summary skip bad rows" 0 "skipped 1 bad row (first at line 3)" -- "$custan" run summary.lua --input "$fx/ragged.csv" --skip-bad-rows
expect "summary orders" 0 "4 rows x 4 columns" -- "$custan" run summary.lua --input "$fx/orders.csv" --date date --amount amount --order order --customer customer
(cd "$work" && "$custan" run summary.lua --input "$fx/orders.csv" --json > a.json 2>&1; "$custan" run summary.lua --input "$fx/orders.csv" --json > b.json 2>&1)
check "summary --json is valid JSON" "$custan" -e "require(\"cjson\").decode(io.open(\"$work/a.json\"):read(\"a\"))"
check "summary --json is the same every run" cmp -s "$work/a.json" "$work/b.json"
expect "summary --output" 0 "wrote" -- "$custan" run summary.lua --input "$fx/orders.csv" --output "$work/out"
check "summary wrote columns.csv" test -s "$work/out/columns.csv"
check "summary wrote summary.json" "$custan" -e "require(\"cjson\").decode(io.open(\"$work/out/summary.json\"):read(\"a\"))"
expect "summary output not writable" 1 "cannot" -- "$custan" run summary.lua --input "$fx/orders.csv" --output /proc/custan-out
check "no partial files" bash -c "! ls '$work/out' | grep -q tmp"
expect "summary from another folder" 0 "541,909 rows" -- bash -c "cd / && '$custan' run summary.lua --input '$root/examples/data/online_retail.csv.gz' --quiet; '$custan' run summary.lua --input '$root/examples/data/online_retail.csv.gz' | head -1"

# --- prepared script: rfm.lua ----------------------------------------------
retail="$root/examples/data/online_retail.csv.gz"
expect "rfm --help" 0 "Usage: rfm.lua" -- "$custan" run rfm.lua --help
expect "rfm on Online Retail" 0 "4,339 customers from 397,924 purchase rows" -- "$custan" run rfm.lua --input "$retail"
expect "rfm segments" 0 "Can't Lose Them" -- "$custan" run rfm.lua --input "$retail"
expect "rfm --output" 0 "wrote customers.csv, segments.csv and summary.json" -- "$custan" run rfm.lua --input "$retail" --output "$work/rfm"
check "rfm customers.csv columns" grep -q "^customer,frequency,recency,T,monetary_value,recency_days,orders,revenue" "$work/rfm/customers.csv"
check "rfm customers.csv rows" test "$(wc -l < "$work/rfm/customers.csv")" -eq 4340
check "rfm segments.csv" grep -q "^Champions,931," "$work/rfm/segments.csv"
expect "rfm custom rules" 0 "Lapsed VIP" -- "$custan" run rfm.lua --input "$retail" --rules "$root/examples/segments/value_tiers.lua"
expect "rfm bad rules file" 1 "custan: rules $fx/syntax_error.lua:3:" -- "$custan" run rfm.lua --input "$retail" --rules "$fx/syntax_error.lua"
expect "rfm bad period" 2 "error: argument for option '--period' must be one of" -- "$custan" run rfm.lua --input "$retail" --period year
expect "rfm bad end date" 2 "--end expects a date as YYYY-MM-DD, got 'soon'" -- "$custan" run rfm.lua --input "$retail" --end soon
expect "rfm --no-header without --columns" 2 "--no-header needs --columns" -- "$custan" run rfm.lua --input "$fx/orders.csv" --no-header
expect "rfm missing column" 1 "orders.csv: no customer column 'client' (columns: " -- "$custan" run rfm.lua --input "$fx/orders.csv" --customer client --date date --amount amount
expect "rfm small file" 0 "3 customers from 4 purchase rows" -- "$custan" run rfm.lua --input "$fx/orders.csv" --customer customer --date date --amount amount --order order
expect "rfm CDNOW flags" 0 "2,357 customers" -- "$custan" run rfm.lua --input "$root/examples/data/cdnow_sample.txt" --delimiter whitespace --no-header --columns master,id,date,cds,amount --customer id --date date --amount amount --date-format %Y%m%d --unit week --end 1997-09-30
(cd "$work" && "$custan" run rfm.lua --input "$retail" --json > r1.json 2>&1; "$custan" run rfm.lua --input "$retail" --json > r2.json 2>&1)
check "rfm --json is the same every run" cmp -s "$work/r1.json" "$work/r2.json"
check "rfm --json is valid" "$custan" -e "assert(require('cjson').decode(io.open('$work/r1.json'):read('a')).customers == 4339)"

# --- prepared script: cohort.lua -------------------------------------------
expect "cohort --help" 0 "Usage: cohort.lua" -- "$custan" run cohort.lua --help
expect "cohort on Online Retail" 0 "2010-12   885  37%  32%  38%" -- "$custan" run cohort.lua --input "$retail"
expect "cohort --output" 0 "wrote cohorts.csv" -- "$custan" run cohort.lua --input "$retail" --output "$work/cohort"
check "cohort files" test -s "$work/cohort/cohorts.csv" -a -s "$work/cohort/lorenz.csv" -a -s "$work/cohort/abc.csv" -a -s "$work/cohort/monthly.csv" -a -s "$work/cohort/summary.json"
expect "cohort bad --abc" 2 "--abc needs two limits" -- "$custan" run cohort.lua --input "$retail" --abc 0.9,0.5
expect "cohort small file" 0 "3 customers" -- "$custan" run cohort.lua --input "$fx/orders.csv" --customer customer --date date --amount amount --order order

expect "cohort: an sBG retention model on the cohorts' survival" 0 "retention model: sbg" -- \
  "$custan" run cohort.lua --input "$retail" --output "$work/cohort_sbg"
check "cohort: survival.csv and retention_projection.csv" test -s "$work/cohort_sbg/survival.csv" \
  -a -s "$work/cohort_sbg/retention_projection.csv"

# --- prepared script: clv.lua ----------------------------------------------
cdnow_flags=(--input "$root/examples/data/cdnow_sample.txt" --delimiter whitespace --no-header --columns master,id,date,cds,amount --customer id --date date --amount amount --date-format %Y%m%d)
expect "clv --help" 0 "Usage: clv.lua" -- "$custan" run clv.lua --help
expect "clv needs input" 2 "give --input (transactions) or --summary" -- "$custan" run clv.lua
expect "clv bad model" 2 "must be one of" -- "$custan" run clv.lua --summary x.csv --model magic
expect "clv CDNOW" 0 "r = 0.2426" -- "$custan" run clv.lua "${cdnow_flags[@]}" --end 1997-09-30 --draws 0
expect "clv CDNOW holdout" 0 "holdout (39 weeks)" -- "$custan" run clv.lua "${cdnow_flags[@]}" --holdout-start 1997-10-01 --end 1998-06-30 --model all --draws 20 --output "$work/clv"
expect "clv Pareto/NBD" 0 "pareto  r = 0.5533" -- "$custan" run clv.lua --summary "$root/examples/data/cdnow_summary.csv" --customer ID --model pareto
printf 'frequency,recency,n_periods,n\n0,0,6,3464\n1,1,6,1091\n6,6,6,1203\n3,5,6,207\n2,6,6,295\n' > "$work/bgbb.csv"
expect "clv BG/BB summary with weights" 0 "bgbb    alpha" -- "$custan" run clv.lua --summary "$work/bgbb.csv" --model bgbb --weight n --draws 0
check "clv files" test -s "$work/clv/customers.csv" -a -s "$work/clv/comparison.csv" -a -s "$work/clv/holdout_by_frequency.csv" -a -s "$work/clv/tracking.csv"
check "clv customers.csv columns" grep -q "^customer,frequency,recency,T,monetary_value,frequency_holdout,p_alive,expected_purchases,expected_spend,clv,clv_low,clv_high" "$work/clv/customers.csv"
expect "clv summary table" 0 "r = 0.2426" -- "$custan" run clv.lua --summary "$root/examples/data/cdnow_summary.csv" --customer ID
(cd "$work" && "$custan" run clv.lua "${cdnow_flags[@]}" --end 1997-09-30 --draws 10 --json > c1.json 2>&1; "$custan" run clv.lua "${cdnow_flags[@]}" --end 1997-09-30 --draws 10 --json > c2.json 2>&1)
check "clv --json is the same every run" cmp -s "$work/c1.json" "$work/c2.json"
check "clv --json names the parameters as the papers" "$custan" -e "local d = require('cjson').decode(io.open('$work/c1.json'):read('a')); assert(d.models.bgnbd.params.alpha and d.models.gamma_gamma.params.gamma and d.models.bgnbd.converged == true)"
expect "clv bad summary" 1 "customer row" -- "$custan" run clv.lua --summary "$fx/bad_summary.csv"

# --- prepared script: segment.lua ------------------------------------------
retail="$root/examples/data/online_retail.csv.gz"
expect "segment --help" 0 "Usage: segment.lua" -- "$custan" run segment.lua --help
expect "segment transactions" 0 "High-Value Loyal" -- "$custan" run segment.lua --input "$retail" --output "$work/seg"
check "segment files" test -s "$work/seg/customers.csv" -a -s "$work/seg/segments.csv" -a -s "$work/seg/summary.json"
check "segment customers.csv columns" grep -q "^customer,recency_days,orders,revenue,cluster,cluster_segment,pc1,pc2$" "$work/seg/customers.csv"
check "segment customers.csv has every customer" test "$(wc -l < "$work/seg/customers.csv")" -eq 4340
expect "segment customer table" 0 "customer table" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k 3
expect "segment k range" 0 "highest silhouette" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k-range 2..5
expect "segment gmm range" 0 "lowest BIC" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k-range 2..4 --method gmm --covariance diag
(cd "$work" && "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k-range 3..4 --method gmm --json > s1.json 2>&1; "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k-range 3..4 --method gmm --json > s2.json 2>&1)
check "segment --json is the same every run" cmp -s "$work/s1.json" "$work/s2.json"
check "segment --json names the metrics" "$custan" -e "local d = require('cjson').decode(io.open('$work/s1.json'):read('a')); local f = d.fits[1]; assert(f.k == 3 and f.loglik and f.mean_loglik and f.bic and f.silhouette and f.calinski_harabasz and f.davies_bouldin)"
expect "segment kmeans json has inertia" 0 '"inertia"' -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --json --quiet
expect "segment bad k range" 2 "--k-range must look like 2..10" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k-range 5..2
expect "segment k and range" 2 "give --k or --k-range, not both" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --k 3 --k-range 2..4
expect "segment unknown feature" 1 "no column nope to cluster on" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --features recency_days,nope
expect "segment too many segments" 1 "customers cannot make 9 segments" -- "$custan" run segment.lua --input "$fx/orders.csv" --customer customer --date date --amount amount --k 9
printf 'id,a,b\n1,1,2\n2,,3\n3,4,5\n4,5,5\n' > "$work/gap.csv"
expect "segment missing value" 1 "feature 'a', row 2: missing value" -- "$custan" run segment.lua --input "$work/gap.csv" --features a,b --k 2
printf 'id,a,b\n1,-5,2\n2,1,3\n3,4,5\n4,5,5\n' > "$work/neg.csv"
expect "segment log of negative" 1 "a: log1p needs values above -1, found -5" -- "$custan" run segment.lua --input "$work/neg.csv" --features a,b --k 2
expect "segment negative without log" 0 "k = 2" -- "$custan" run segment.lua --input "$work/neg.csv" --features a,b --k 2 --scale standard
expect "segment missing rules" 1 "no_such_rules.lua" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --rules "$fx/no_such_rules.lua"
printf 'return {name = function(rows) local out = {} for i = 1, #rows do out[i] = {segment = "Group " .. i, strategy = "x"} end return out end}\n' > "$work/rules.lua"
expect "segment custom rules" 0 "Group 1" -- "$custan" run segment.lua --input "$fx/online_retail_rfm.csv" --rules "$work/rules.lua"

# --- seams: one script's customers.csv is the next one's input ----------------
# segment.lua wrote frequency = orders and recency = days since the last
# purchase, where rfm.lua and clv.lua mean lifetimes' fields (frequency
# differed for all 4,339 customers).  A column name means one thing in
# every output: where two files share a column, they agree on every row.
same_columns() { # same_columns A.csv B.csv: shared columns hold the same values
  "$custan" -e "
local custan = require 'custan'
local a, b = custan.read_csv('$1'), custan.read_csv('$2')
assert(a:nrows() == b:nrows(), 'row counts differ')
local shared = 0
for _, n in ipairs(a:names()) do
  if b:has(n) then
    shared = shared + 1
    local x, y = a:col(n):to_table(), b:col(n):to_table()
    for i = 1, a:nrows() do
      assert(x[i] == y[i] or math.abs(x[i] - y[i]) < 1e-9 * math.max(1, math.abs(x[i])),
        n .. ' differs at row ' .. i)
    end
  end
end
assert(shared >= 2, 'only ' .. shared .. ' shared columns')"
}
"$custan" run rfm.lua --input "$retail" --output "$work/seam_rfm" --quiet
"$custan" run clv.lua --input "$retail" --period day --unit day --draws 0 --output "$work/seam_clv" --quiet
check "seam: segment.lua and rfm.lua customers.csv agree" same_columns "$work/seg/customers.csv" "$work/seam_rfm/customers.csv"
check "seam: clv.lua and rfm.lua customers.csv agree (frequency, recency, T)" same_columns "$work/seam_clv/customers.csv" "$work/seam_rfm/customers.csv"
expect "seam: rfm.lua's customers.csv is segment.lua's input" 0 "customer table" -- \
  "$custan" run segment.lua --input "$work/seam_rfm/customers.csv" --id customer --k 3
expect "seam: rfm.lua's customers.csv is clv.lua's summary" 0 "bgnbd" -- \
  "$custan" run clv.lua --summary "$work/seam_rfm/customers.csv" --customer customer --unit day --draws 0
# rfm's segments and churn's model make the customer table the policies
# run on (examples/make_customers.lua): it must rebuild the bundled table
# byte for byte, and experiment.lua must run on what it wrote.
expect "seam: make_customers.lua builds the policies' customer table" 0 "wrote 4339 customers" -- \
  "$custan" run "$root/examples/make_customers.lua" "$work/made_customers.csv"
check "seam: the bundled customers.csv.gz is what make_customers.lua writes" \
  bash -c "zcat '$root/examples/data/customers.csv.gz' | cmp - '$work/made_customers.csv'"
expect "seam: experiment.lua runs on the rebuilt table" 0 "Win-back coupon for At Risk" -- \
  "$custan" run experiment.lua --customers "$work/made_customers.csv" --policy "$root/examples/policies/winback_at_risk.lua" --draws 200

# --- the one reader (architecture issue) -----------------------------------
# churn.lua failed on any log without Online Retail's names ("a type is given
# for column 'UnitPrice', which the file does not have"); summary.lua counted
# 4,337 customers and 9,288 cancelled rows where rfm.lua counts 4,339 and
# 10,624; cohort.lua and summary.lua disagreed on UK revenue.
expect "churn.lua reads the CDNOW log through its preset" 0 "2,357 customers" -- \
  "$custan" run churn.lua --input "$root/examples/data/cdnow_sample.txt" --preset cdnow \
  --cutoff 1997-09-30 --window 91 --model logistic --cv 0
expect "churn.lua reads a log by column flags" 0 "1,955 churned" -- \
  "$custan" run churn.lua --input "$root/examples/data/cdnow_sample.txt" --no-header \
  --columns master,customer,date,cds,amount --delimiter whitespace --customer customer \
  --date date --amount amount --date-format %Y%m%d --cutoff 1997-09-30 --window 91 --model logistic --cv 0
"$custan" run summary.lua --input "$retail" --json > "$work/agree_summary.json"
"$custan" run rfm.lua --input "$retail" --json > "$work/agree_rfm.json"
"$custan" run cohort.lua --input "$retail" --json > "$work/agree_cohort.json"
agree() {
  "$custan" -e "
local json = require 'cjson'
local function read(f) return json.decode(io.open('$work/' .. f):read('a')) end
local s, r, c = read('agree_summary.json'), read('agree_rfm.json'), read('agree_cohort.json')
local t = s.transactions
assert(t.customers == 4339 and r.customers == 4339 and c.customers == 4339, 'customers')
assert(t.cancelled_rows == 10624, 'cancelled rows ' .. t.cancelled_rows)
assert(t.purchase_rows == c.purchase_rows, 'purchase rows')
local uk_s, uk_c
for _, x in ipairs(t.top_countries) do if x.country == 'United Kingdom' then uk_s = x.revenue end end
for _, x in ipairs(c.countries) do if x.country == 'United Kingdom' then uk_c = x.revenue end end
assert(string.format('%.2f', uk_s) == '9003097.96' and string.format('%.2f', uk_c) == '9003097.96',
  'UK revenue ' .. uk_s .. ' ' .. uk_c)"
}
check "summary, rfm and cohort count and sum alike (4,339 customers, 10,624 cancelled rows, UK 9,003,097.96)" agree
# --returns net: each customer's revenue less what their cancellations gave
# back; the total checked against the cancelled rows of known customers,
# summed by frame operations rather than the summary kernel
"$custan" run rfm.lua --input "$retail" --returns net --output "$work/net" --quiet
net_returns() {
  "$custan" -e "
local custan = require 'custan'
local t = require('custan.data.transactions').read('$retail')
local c = custan.read_csv('$work/net/customers.csv')
local buyers = {}
for _, id in ipairs(c.customer:to_table()) do buyers[math.tointeger(id)] = true end
-- customers with cancellations and no purchase are in no summary
local k = t:filter(t.cancelled & ~t.customer:is_missing())
local back = 0
for i, id in ipairs(k.customer:to_table()) do
  if buyers[math.tointeger(tonumber(id))] then back = back + k.amount:get(i) end
end
assert(math.abs(c.net_revenue:sum() - (c.revenue:sum() + back)) < 1e-5, 'net revenue')
assert(math.abs(c.returned:sum() + back) < 1e-5, 'returned ' .. c.returned:sum() .. ' ' .. back)
assert(string.format('%.2f', c.net_revenue:sum()) == '8310477.05', c.net_revenue:sum())"
}
check "rfm.lua --returns net: net_revenue = revenue - returned (8,310,477.05)" net_returns
expect "summary.lua --returns net" 0 "revenue net of returns" -- "$custan" run summary.lua --input "$retail" --returns net
expect "summary.lua takes --date-format" 0 "2,357" -- "$custan" run summary.lua \
  --input "$root/examples/data/cdnow_sample.txt" --preset cdnow
expect "clv.lua reports skipped bad rows" 0 "skipped 1 bad row" -- "$custan" run clv.lua \
  --input "$fx/orders_ragged.csv" --customer customer --date date --amount amount --skip-bad-rows --draws 0
expect "summary.lua takes the column flags and --date-format" 0 "2,357" -- "$custan" run summary.lua \
  --input "$root/examples/data/cdnow_sample.txt" --no-header --columns master,customer,date,cds,amount \
  --delimiter whitespace --customer customer --date date --amount amount --date-format %Y%m%d
expect "segment.lua reports skipped bad rows" 0 "skipped 1 bad row" -- "$custan" run segment.lua \
  --input "$fx/orders_ragged.csv" --customer customer --date date --amount amount --skip-bad-rows --k 1
printf 'a,b\n1,2\n' > "$work/ab.csv"
for s in rfm cohort clv churn; do
  expect "$s.lua: one message for a missing column" 1 "ab.csv: no customer column 'CustomerID' (columns: a, b)" -- \
    "$custan" run $s.lua --input "$work/ab.csv"
done
expect "segment.lua: neither a customer table nor a log" 1 "no customer column 'CustomerID' of a transaction log (columns: a, b)" -- \
  "$custan" run segment.lua --input "$work/ab.csv"

# --- prepared script: churn.lua --------------------------------------------
# Regression (pipeline issue): churn.lua's training run scored customers as
# of the cut-off only; every customer is also scored as of the log's end
"$custan" run churn.lua --input "$root/examples/data/online_retail.csv.gz" --cutoff 2011-09-09 --window 91 \
  --model logistic --cv 0 --output "$work/churn_now" --quiet
check "churn.lua scores every customer as of the log's end (current_scores.csv)" \
  bash -c "[ \$(wc -l < '$work/churn_now/current_scores.csv') -eq 4340 ] &&
    grep -q '\"scored_as_of\": \"2011-12-09\"' '$work/churn_now/summary.json'"
# Peer AUCs on the same features and split (tests/reference/churn.py with
# Debian's python3-sklearn 1.2.1 and python3-xgboost 1.7.4): base features
# (tests/fixtures/churn_base_features.lua) logistic 0.7286 (newton-cg;
# lbfgs 0.7286), xgboost 0.7242, forest 0.7299; all features logistic
# 0.7311, xgboost 0.7301, forest 0.7348; BG/NBD expected purchases alone 0.7096.
# (Rerun on 2026-11-30, when the CLV fits began adding their likelihood in
# fixed blocks: BG/NBD's parameters moved by 2e-8 and the trees on its
# features with them; before, xgboost 0.7278 and forest 0.7383.)
churn=(--input "$retail" --cutoff 2011-09-09 --window 91)
expect "churn --help" 0 "Usage: churn.lua" -- "$custan" run churn.lua --help
expect "churn trains and compares" 0 "BG/NBD E[purchases] alone" -- "$custan" run churn.lua "${churn[@]}" --output "$work/churn" --save "$work/churn/model.json"
check "churn files" test -s "$work/churn/scores.csv" -a -s "$work/churn/models.csv" -a -s "$work/churn/lift.csv" -a -s "$work/churn/calibration.csv" -a -s "$work/churn/importance.csv" -a -s "$work/churn/coefficients.csv" -a -s "$work/churn/features.csv" -a -s "$work/churn/model.json"
check "churn scores every customer" test "$(wc -l < "$work/churn/scores.csv")" -eq 3371
check "churn scores columns" grep -q "^customer,churn_probability,risk_tier,churned,set$" "$work/churn/scores.csv"
"$custan" run churn.lua "${churn[@]}" --json > "$work/c1.json" 2>&1
"$custan" run churn.lua "${churn[@]}" --json > "$work/c2.json" 2>&1
check "churn --json is the same every run" cmp -s "$work/c1.json" "$work/c2.json"
check "churn 3,370 customers, 1,449 churned" "$custan" -e "local d = require('cjson').decode(io.open('$work/c1.json'):read('a')); assert(d.customers == 3370 and d.churners == 1449, d.customers)"
# the best model is within 0.01 of the best peer (0.7348), and beats the
# best base-feature peer (0.7299) and BG/NBD alone (0.7096)
check "churn AUC against the peers" "$custan" -e "local d = require('cjson').decode(io.open('$work/c1.json'):read('a')); local a = d.models[d.best].test.roc_auc; assert(math.abs(a - 0.7348) < 0.01 and a > 0.7299 and a > d.baseline.roc_auc and math.abs(d.baseline.roc_auc - 0.7096) < 1e-3, a); for _, k in ipairs{'logistic', 'xgboost', 'forest'} do assert(d.models[k].cv_auc and d.models[k].test.pr_auc and d.models[k].test.brier) end"
check "churn xgboost equals the Python package" "$custan" -e "local d = require('cjson').decode(io.open('$work/c1.json'):read('a')); assert(math.abs(d.models.xgboost.test.roc_auc - 0.730145028) < 1e-8 and math.abs(d.models.forest.test.roc_auc - 0.734823895) < 1e-8 and math.abs(d.models.logistic.test.roc_auc - 0.731134899) < 1e-6)"
expect "churn base features" 0 "8 features" -- "$custan" run churn.lua "${churn[@]}" --features "$fx/churn_base_features.lua" --model logistic --cv 0
expect "churn score with a saved model" 0 "scored 4,339 customers" -- "$custan" run churn.lua --score --model-file "$work/churn/model.json" --input "$retail" --output "$work/scored"
check "churn scores.csv" grep -q "^customer,churn_probability,risk_tier$" "$work/scored/scores.csv"
zcat "$fx/churn_features.csv.gz" | cut -d, -f1-10 > "$work/crm.csv"
expect "churn ready table" 0 "8 features" -- "$custan" run churn.lua --input "$work/crm.csv" --label churned --id customer --model xgboost --cv 3 --smote --save "$work/tab.json"
check "churn table model loads as XGBoost JSON" grep -q '"learner"' "$work/tab.json"
# Regressions (hardening issue): SMOTE's synthetic rows leaked into the CV
# folds (XGBoost's CV AUC 0.7726 against a test AUC of 0.72; with SMOTE
# inside each fold it is 0.735 against 0.730 on Online Retail); an id column
# was one-hot encoded; a label in disguise gave AUC 1.0 with no warning.
"$custan" run churn.lua --input "$retail" --cutoff 2011-09-09 --window 91 --model xgboost --smote --json > "$work/smote.json"
check "churn --smote: CV AUC close to the test AUC" "$custan" -e "local d = require('cjson').decode(io.open('$work/smote.json'):read('a')); local m = d.models.xgboost; assert(m.cv_auc < 0.75 and math.abs(m.cv_auc - m.test.roc_auc) < 0.02, m.cv_auc)"
"$custan" -e "
local c = require 'custan'
local t = c.read_csv('$work/crm.csv')
t.leak = t.churned:cast('float64') * 3 + 1
local ids = {}
for i = 1, t:nrows() do ids[i] = 'cust' .. i end
t.code = c.column(ids)
t:write_csv('$work/leaky.csv')"
expect "churn: a label-like feature is a warning" 0 "warning: the feature 'leak' alone separates churners" -- \
  "$custan" run churn.lua --input "$work/leaky.csv" --label churned --id customer --model logistic --cv 0 --output "$work/leaky"
check "churn: an id-like text column is no feature" bash -c "! head -1 '$work/leaky/features.csv' | grep -q code"
check "churn: the id-like column left out is named" "$custan" -e "local d = require('cjson').decode(io.open('$work/leaky/summary.json'):read('a')); assert(d.ids_left_out[1] == 'code' and #d.ids_left_out == 1)"
printf 'customer,churned,x\n1,yes,1\n2,YES,2\n3,no,3\n4,maybe,4\n' > "$work/lbl_mixed.csv"
expect "churn: an unknown label value is an error naming it" 1 "neither churned" -- \
  "$custan" run churn.lua --input "$work/lbl_mixed.csv" --label churned --id customer --model logistic --cv 0
expect "churn judge on another file" 0 "against 'churned': ROC AUC" -- "$custan" run churn.lua --score --model-file "$work/tab.json" --input "$work/crm.csv" --output "$work/tabscore"
check "churn scores every row" test "$(wc -l < "$work/tabscore/scores.csv")" -eq 3371
expect "churn grid search" 0 "logistic *" -- "$custan" run churn.lua --input "$work/crm.csv" --label churned --id customer --model logistic --cv 3 --grid
expect "churn l1" 0 "logistic" -- "$custan" run churn.lua "${churn[@]}" --model logistic --penalty l1 --C 0.1 --cv 0
expect "churn score needs a model" 2 "--score needs --model-file" -- "$custan" run churn.lua --score --input "$retail"
expect "churn bad window" 2 "--window must be at least 1 day" -- "$custan" run churn.lua --input "$retail" --window 0
expect "churn bad cutoff" 2 "--cutoff expects a date" -- "$custan" run churn.lua --input "$retail" --cutoff 9/9/2011
expect "churn no label column" 1 "no label column 'nope'" -- "$custan" run churn.lua --input "$work/crm.csv" --label nope --id customer
printf 'customer,x,churned\n1,1,0\n2,2,0\n3,3,0\n4,4,0\n5,5,0\n' > "$work/oneclass.csv"
expect "churn one class" 1 "a model needs both classes" -- "$custan" run churn.lua --input "$work/oneclass.csv" --label churned --id customer
printf 'customer,x,churned\n1,1,0\n2,,1\n3,3,0\n4,4,1\n5,5,0\n6,6,1\n7,7,0\n8,8,1\n9,9,0\n10,1,1\n' > "$work/gapchurn.csv"
expect "churn missing feature value" 1 "feature x is missing for customer 2" -- "$custan" run churn.lua --input "$work/gapchurn.csv" --label churned --id customer --model logistic --cv 0
printf 'return {{name = "nope"}}\n' > "$work/badfeat.lua"
expect "churn unknown feature column" 1 "feature nope: no column 'nope'" -- "$custan" run churn.lua "${churn[@]}" --features "$work/badfeat.lua"
printf 'return {{name = "x", transform = "cube"}}\n' > "$work/badfeat2.lua"
expect "churn bad feature file" 1 "badfeat2.lua: feature 1 (x): transform must be" -- "$custan" run churn.lua "${churn[@]}" --features "$work/badfeat2.lua"
printf 'return {contact = -1}\n' > "$work/badcost.lua"
expect "churn bad cost table" 1 "contact must be a number >= 0" -- "$custan" run churn.lua "${churn[@]}" --costs "$work/badcost.lua" --model logistic --cv 0
expect "churn not a model file" 1 "not a JSON model file" -- "$custan" run churn.lua --score --model-file "$fx/orders.csv" --input "$retail"

# --- pipeline.lua (pipeline issue) ------------------------------------------
schema="$root/docs/insights.schema.json"
valid_insights() { /usr/bin/python3 "$root/tests/cli/validate_insights.py" "$schema" "$@"; }
json_field() { # json_field FILE LUA_EXPR: prints the expression of the decoded document `d`
  "$custan" -e "local d = require('custan.json').decode(io.open('$1'):read('a')); print($2)"
}
export -f json_field valid_insights
export custan schema root
expect "pipeline: Online Retail end to end" 0 "customers at high risk, by value at stake" -- \
  "$custan" run pipeline.lua --input "$retail" --output "$work/pipe"
for f in customers.csv insights.json summary.json read/summary.json customers/customers.csv \
    customers/weekly.csv cohorts/cohorts.csv clv/frequency_recency.csv clv/tracking.csv \
    segments/customers.csv clv/customers.csv clv/holdout_comparison.csv churn/current_scores.csv \
    policies/scenarios.csv test_design/summary.json; do
  check "pipeline wrote $f" test -s "$work/pipe/$f"
done
check "pipeline: customers.csv has one row per customer" \
  bash -c "[ \$(wc -l < '$work/pipe/customers.csv') -eq 4340 ]"
check "pipeline: customers.csv has every per-customer column" \
  bash -c "head -1 '$work/pipe/customers.csv' | grep -q 'segment,segment_action,orders_90d,cluster,cluster_segment,p_alive,expected_purchases,expected_spend,clv,clv_low,clv_high,churn_probability,risk_tier,value_at_stake'"
check "pipeline: insights.json is valid against docs/insights.schema.json" valid_insights "$work/pipe/insights.json"
# the dashboard's "last 4 weeks" are the 28 days to the end of as-of: the
# revenue of the purchases from 2011-11-12 00:00:00 on, summed directly
last4() {
  "$custan" -e "
local tx = require('custan.data.transactions').read('$retail')
local p = tx:filter(tx.purchase & ~tx.customer:is_missing() & tx.date:ge('2011-11-12 00:00:00'))
local d = require('custan.json').decode(io.open('$work/pipe/customers/summary.json'):read('a'))
local want, got = p.amount:sum(), d.periods.last.revenue
assert(math.abs(want - got) < 1e-9 * want, want .. ' ~= ' .. got)
assert(math.tointeger(d.periods.last.customers) == p.customer:n_unique(), 'customers')"
}
check "pipeline: the last 4 weeks' revenue and customers, computed directly" last4
# the validator fails on a document that breaks the schema (a share of 2)
sed 's/"p_positive": [0-9.e-]*/"p_positive": 2/' "$work/pipe/insights.json" > "$work/bad_insights.json"
check "pipeline: the schema check can fail" bash -c "! valid_insights '$work/bad_insights.json' >/dev/null 2>&1"
check "pipeline: policies carry the CLV models' uncertainty" \
  bash -c "[ \"\$(json_field '$work/pipe/insights.json' 'd.policies[1].baseline .. \" \" .. tostring(d.policies[1].uncertainty.model_share > 0)')\" = 'clv true' ]"
# progress: plain lines on stderr when it is not a terminal; none with --quiet
expect "pipeline: progress on stderr" 0 "[9/10] test_design: done" -- \
  bash -c "'$custan' run pipeline.lua --input '$retail' --draws 200 2>&1 >/dev/null"
check "pipeline: --quiet prints nothing" \
  bash -c "[ -z \"\$('$custan' run pipeline.lua --input '$retail' --draws 200 --quiet 2>&1)\" ]"
# the pipeline's numbers are the separate scripts' numbers with the same options
"$custan" run rfm.lua --input "$retail" --output "$work/sep_rfm" --quiet
"$custan" run cohort.lua --input "$retail" --output "$work/sep_cohort" --quiet
for f in cohorts.csv lorenz.csv abc.csv countries.csv retention_projection.csv; do
  check "pipeline = cohort.lua ($f)" cmp "$work/pipe/cohorts/$f" "$work/sep_cohort/$f"
done
check "pipeline = rfm.lua (customers)" cmp "$work/pipe/customers/customers.csv" "$work/sep_rfm/customers.csv"
check "pipeline = rfm.lua (segments)" cmp "$work/pipe/customers/segments.csv" "$work/sep_rfm/segments.csv"
"$custan" run segment.lua --input "$work/sep_rfm/customers.csv" --id customer --method gmm --k 4 \
  --output "$work/sep_seg" --quiet
check "pipeline = segment.lua --method gmm --k 4" cmp "$work/pipe/segments/customers.csv" "$work/sep_seg/customers.csv"
chosen=$(json_field "$work/pipe/clv/summary.json" "d.selection.chosen")
hstart=$(json_field "$work/pipe/clv/summary.json" "d.selection.holdout_start")
"$custan" run clv.lua --input "$retail" --model "$chosen" --output "$work/sep_clv" --quiet
check "pipeline = clv.lua --model $chosen (every customer's CLV and interval)" \
  cmp "$work/pipe/clv/customers.csv" "$work/sep_clv/customers.csv"
"$custan" run clv.lua --input "$retail" --model all --holdout-start "$hstart" --draws 0 --output "$work/sep_clvh" --quiet
check "pipeline's model choice = clv.lua --model all --holdout-start $hstart" \
  same_columns "$work/pipe/clv/holdout_comparison.csv" "$work/sep_clvh/comparison.csv"
"$custan" run churn.lua --input "$retail" --cutoff 2011-09-10 --window 90 --output "$work/sep_churn" --quiet
for f in models.csv current_scores.csv scores.csv; do
  check "pipeline = churn.lua --cutoff 2011-09-10 --window 90 ($f)" cmp "$work/pipe/churn/$f" "$work/sep_churn/$f"
done
expect "pipeline with the example policies" 0 "" -- "$custan" run pipeline.lua --input "$retail" \
  --policy "$root/examples/policies/winback_at_risk.lua" --policy "$root/examples/policies/vip_perks.lua" \
  --draws 1000 --output "$work/pipe_ex" --quiet
"$custan" run experiment.lua --customers "$work/pipe_ex/customers.csv" --id customer \
  --policy "$root/examples/policies/winback_at_risk.lua" --policy "$root/examples/policies/vip_perks.lua" \
  --draws 1000 --output "$work/sep_exp" --quiet
check "pipeline = experiment.lua on its customers.csv (scenarios)" cmp "$work/pipe_ex/policies/scenarios.csv" "$work/sep_exp/scenarios.csv"
"$custan" run pipeline.lua --input "$root/examples/data/cdnow_sample.txt" --preset cdnow --draws 200 --json \
  > "$work/pipe_cdnow.json" 2>/dev/null
check "pipeline --json prints a valid insights document" valid_insights "$work/pipe_cdnow.json"
expect "pipeline: CDNOW end to end" 0 "purchase model:" -- \
  "$custan" run pipeline.lua --input "$root/examples/data/cdnow_sample.txt" --preset cdnow --output "$work/pipe_cdnow"
check "pipeline: CDNOW insights.json is valid" valid_insights "$work/pipe_cdnow/insights.json"
# a second run replaces the first's folder (its subfolders are custan's),
# and a file of someone else's in it is still refused
expect "pipeline: a rerun replaces its own output" 0 "" -- "$custan" run pipeline.lua \
  --input "$root/examples/data/cdnow_sample.txt" --preset cdnow --output "$work/pipe_cdnow" --quiet
touch "$work/pipe_cdnow/clv/mine.txt"
expect "pipeline: a foreign file in a stage folder is refused" 1 "holds files custan did not write" -- \
  "$custan" run pipeline.lua --input "$root/examples/data/cdnow_sample.txt" --preset cdnow --output "$work/pipe_cdnow" --quiet
# an event log in RetailRocket's layout (examples/make_events.lua): counts
# only, a funnel, no policies (nothing to value)
events="$root/examples/data/events_sample.csv.gz"
expect "pipeline: event log end to end" 0 "funnel: 2,000 visitors" -- \
  "$custan" run pipeline.lua --input "$events" --preset retailrocket --output "$work/pipe_events"
check "pipeline: event-log insights.json is valid" valid_insights "$work/pipe_events/insights.json"
check "pipeline: event log's funnel by segment and week" \
  bash -c "test -s '$work/pipe_events/funnel/funnel_segments.csv' && test -s '$work/pipe_events/funnel/funnel_weekly.csv'"
check "pipeline: event log counts transactions as purchases" \
  bash -c "[ \"\$(json_field '$work/pipe_events/insights.json' 'math.tointeger(d.data_quality.purchase_rows) .. \" \" .. tostring(d.data_quality.counts_only)')\" = '3049 true' ]"
expect "event log: clv.lua counts only" 0 "counts only" -- "$custan" run clv.lua --input "$events" --preset retailrocket
expect "event log: the rebuilt fixture is the bundled one" 0 "wrote 73180 events" -- \
  "$custan" run "$root/examples/make_events.lua" "$work/events.csv"
check "event log: make_events.lua is deterministic" bash -c "zcat '$events' | cmp - '$work/events.csv'"
# --as-of: later rows left out, churn trained on the window before it
expect "pipeline --as-of" 0 "rows after it left out" -- "$custan" run pipeline.lua --input "$retail" \
  --as-of 2011-10-31 --draws 200 --output "$work/pipe_asof"
check "pipeline --as-of: scored as of that day" \
  bash -c "[ \"\$(json_field '$work/pipe_asof/churn/summary.json' 'd.scored_as_of .. \" \" .. d.cutoff')\" = '2011-10-31 2011-08-02' ]"
expect "pipeline --as-of before the data" 1 "is before the first purchase" -- "$custan" run pipeline.lua --input "$retail" --as-of 2009-01-01
expect "pipeline --as-of not a date" 2 "--as-of" -- "$custan" run pipeline.lua --input "$retail" --as-of 2011-13-01
expect "pipeline missing input" 1 "nope.csv" -- "$custan" run pipeline.lua --input "$work/nope.csv" --output "$work/pipe_none"
check "pipeline failure left no output folder" test ! -e "$work/pipe_none"
# pipeline files: a stage replaced, one skipped, one added; sandboxed
cat > "$work/my_pipeline.lua" <<'LUA'
local stages = require "custan.pipeline"
return {
  stages = {
    stages.read, stages.customers,
    {name = "vip_flag", title = "my flag", run = function(ctx)
      ctx.customers.vip = ctx.customers.revenue:gt(5000)
      return {summary = {vips = ctx.customers.vip:sum()}, tables = {{"vips.csv", ctx.customers:filter(ctx.customers.vip):select{"customer", "revenue"}}}}
    end},
    {name = "segments", run = function(ctx, options) return stages.segments.run(ctx, {method = "kmeans", k = options.k}) end},
    stages.clv, stages.churn, stages.policies,
  },
  skip = {"policies"},
  options = {segments = {k = 3}, clv = {draws = 0}},
  after = {function(ctx, insights) insights.warnings[#insights.warnings + 1] = "after hook ran" end},
}
LUA
expect "pipeline file: replace, skip and add stages" 0 "vip_flag" -- \
  "$custan" run pipeline.lua --input "$retail" --pipeline "$work/my_pipeline.lua" --output "$work/pipe_mine"
check "pipeline file: the added stage's column and folder" \
  bash -c "head -1 '$work/pipe_mine/customers.csv' | grep -q ',vip,' && test -s '$work/pipe_mine/vip_flag/vips.csv'"
check "pipeline file: the replaced stage ran (k-means, k = 3)" \
  bash -c "[ \"\$(json_field '$work/pipe_mine/segments/summary.json' 'd.method .. math.tointeger(d.k)')\" = 'kmeans3' ]"
check "pipeline file: the skipped stage wrote nothing" test ! -e "$work/pipe_mine/policies"
check "pipeline file: an after hook sees the insights" grep -q "after hook ran" "$work/pipe_mine/insights.json"
printf 'return {stages = {{name = "x", run = function() os.execute("touch %s/owned") end}}}\n' "$work" > "$work/evil_pipeline.lua"
expect "pipeline file is sandboxed" 1 "nonexistent global 'os'" -- \
  "$custan" run pipeline.lua --input "$retail" --pipeline "$work/evil_pipeline.lua"
check "sandboxed pipeline file ran nothing" test ! -e "$work/owned"
printf 'return {stages = {{name = "x"}}}\n' > "$work/bad_pipeline.lua"
expect "pipeline file: a stage without run" 1 "pipeline $work/bad_pipeline.lua: stages[1] (x): run must be a function" -- \
  "$custan" run pipeline.lua --input "$retail" --pipeline "$work/bad_pipeline.lua"
printf 'return {stages = {{name = "x", run = function() return {summary = {}} end}}, skip = {"y"}}\n' > "$work/skip_pipeline.lua"
expect "pipeline file: skipping an unknown stage" 1 "skip: no stage named 'y'" -- \
  "$custan" run pipeline.lua --input "$retail" --pipeline "$work/skip_pipeline.lua"
expect "policy baseline clv outside the pipeline" 1 "needs the fitted CLV models" -- \
  "$custan" run experiment.lua --customers "$work/pipe/customers.csv" --policy "$root/lua/custan/rules/policies/vip_perks.lua" --draws 200

# --- prepared script: experiment.lua ---------------------------------------
cust="$root/examples/data/customers.csv.gz"
pol="$root/examples/policies"
expect "experiment --help" 0 "Usage: experiment.lua" -- "$custan" run experiment.lua --help
expect "experiment scenarios" 0 "do nothing (baseline)" -- "$custan" run experiment.lua --customers "$cust" --policy "$pol/winback_at_risk.lua" --policy "$pol/vip_perks.lua" --policy "$pol/onboarding_new.lua" --policy "$pol/winback_from_test.lua" --draws 2000 --output "$work/exp"
check "experiment files" test -s "$work/exp/scenarios.csv" -a -s "$work/exp/segments.csv" -a -s "$work/exp/sensitivity.csv" -a -s "$work/exp/draws.csv" -a -s "$work/exp/targeting_vip_perks_for_champions.csv" -a -s "$work/exp/summary.json"
check "experiment draws.csv has every draw" test "$(wc -l < "$work/exp/draws.csv")" -eq 8001
"$custan" run experiment.lua --customers "$cust" --policy "$pol/vip_perks.lua" --draws 1000 --seed 5 --json > "$work/e1.json" 2>&1
"$custan" run experiment.lua --customers "$cust" --policy "$pol/vip_perks.lua" --draws 1000 --seed 5 --json > "$work/e2.json" 2>&1
check "experiment same seed, same output" cmp -s "$work/e1.json" "$work/e2.json"
check "experiment json" "$custan" -e "local d = require('cjson').decode(io.open('$work/e1.json'):read('a')); local t = d.scenarios[1].total; assert(t.net.mean and t.net.p05 and t.net.p975 and t.p_positive and t.roi and t.conversion_rate and t.retention_lift and #d.scenarios[1].sensitivity > 0)"
# statsmodels 0.13.5 NormalIndPower: nobs1 3834.5957 for 10% -> 12% (tests/reference/experiment.py)
expect "experiment design" 0 "treatment 3,835, control 3,835: 7,670 in all" -- "$custan" run experiment.lua design --baseline 0.10 --mde 0.02
check "experiment design json" "$custan" -e "local d = require('cjson').decode(io.popen('$custan run experiment.lua design --baseline 0.10 --mde 0.2 --relative --json'):read('a')); assert(d.n_per_arm == 3835 and d.n_total == 7670)"
expect "experiment design from n" 0 "an effect of" -- "$custan" run experiment.lua design --baseline 0.10 --n 2000 --eligible-per-day 500
expect "experiment design means" 0 "treatment 1,570" -- "$custan" run experiment.lua design --metric mean --sd 20 --mde 2
expect "experiment analyze" 0 "P(treatment beats control)" -- "$custan" run experiment.lua analyze --input "$root/examples/data/winback_test.csv" --group arm --outcome redeemed
expect "experiment analyze means" 0 "Welch t 2.0853, p = 0.06031" -- "$custan" run experiment.lua analyze --input "$fx/experiment_means.csv" --group arm --outcome spend
expect "experiment design needs an effect" 2 "design needs --mde or --n" -- "$custan" run experiment.lua design --baseline 0.1
expect "experiment bad baseline" 1 "the baseline must be a proportion" -- "$custan" run experiment.lua design --baseline 1.5 --mde 0.1
expect "experiment needs customers" 2 "give --customers FILE" -- "$custan" run experiment.lua --policy "$pol/vip_perks.lua"
printf 'local sim = require "custan.sim"\nreturn {name = "x", target = "all", baseline = {retention = 0.5, order_value = 10}, assumptions = {uptake = 1.3}}\n' > "$work/badpol.lua"
expect "experiment impossible assumption" 1 "badpol.lua: assumptions.uptake: uptake is a share" -- "$custan" run experiment.lua --customers "$cust" --policy "$work/badpol.lua"
printf 'return {name = "x", target = "all", baseline = {retention = 0.5, order_value = 10}, assumptions = {uptake = 0.2}, costs = {contact = -2}}\n' > "$work/badpol2.lua"
expect "experiment negative cost" 1 "badpol2.lua: costs.contact: a cost cannot be negative" -- "$custan" run experiment.lua --customers "$cust" --policy "$work/badpol2.lua"
printf 'return {name = "x", target = "all", baseline = {retention = "nope", order_value = 10}, assumptions = {uptake = 0.2}}\n' > "$work/badpol3.lua"
expect "experiment missing column" 1 "baseline.retention: no column 'nope'" -- "$custan" run experiment.lua --customers "$cust" --policy "$work/badpol3.lua"
expect "experiment missing policy" 1 "no_such_policy.lua" -- "$custan" run experiment.lua --customers "$cust" --policy "$work/no_such_policy.lua"
expect "experiment analyze bad group" 1 "must hold exactly two groups" -- "$custan" run experiment.lua analyze --input "$fx/orders.csv" --group customer --outcome amount

# --- degenerate data: a warning and a result, or a clear error --------------
# All prices 0: cohort.lua crashed in the revenue concentration (a division
# by a total of 0 left the Lorenz curve without values).
{ echo "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
  for i in $(seq 1 40); do echo "$i,A,1,2011-01-$(printf %02d $((i % 28 + 1))) 10:00,0,$((i % 7 + 1)),UK"; done
} > "$work/zero_prices.csv"
sed 's/,0,\([0-9]*\),UK$/,-2,\1,UK/' "$work/zero_prices.csv" > "$work/negative_prices.csv"
expect "rfm all prices 0" 0 "warning: total revenue is 0.00" -- "$custan" run rfm.lua --input "$work/zero_prices.csv"
expect "cohort all prices 0" 0 "warning: total revenue is 0.00: shares and the Gini" -- "$custan" run cohort.lua --input "$work/zero_prices.csv"
expect "cohort all prices 0 json" 0 '"warnings"' -- "$custan" run cohort.lua --input "$work/zero_prices.csv" --json
expect "rfm negative prices" 0 "warning: total revenue is -80.00" -- "$custan" run rfm.lua --input "$work/negative_prices.csv"
expect "cohort negative prices" 0 "warning: total revenue is -80.00" -- "$custan" run cohort.lua --input "$work/negative_prices.csv"
expect "clv holdout after the data" 1 "the holdout starting 2030-01-01 has no days of data" -- "$custan" run clv.lua --input "$fx/orders.csv" --customer customer --date date --amount amount --holdout-start 2030-01-01
# Every customer buys four times a month all year: no dropout to fit.
{ echo "customer,date,amount"
  for c in $(seq 0 39); do for m in 01 02 03 04 05 06 07 08 09 10 11 12; do for d in 1 8 15 22; do
    echo "c$c,2011-$m-$(printf %02d $((d + c % 6))),$((10 + c % 5))"; done; done; done
} > "$work/no_dropout.csv"
expect "clv no dropout warns" 0 "is at the edge of what the data can identify" -- "$custan" run clv.lua --input "$work/no_dropout.csv" --customer customer --date date --amount amount --draws 0
expect "clv no dropout warns in json" 0 "is at the edge of what the data can identify" -- "$custan" run clv.lua --input "$work/no_dropout.csv" --customer customer --date date --amount amount --draws 0 --json
printf 'id,a,b\n1,1,2\n2,2,3\n3,4,5\n4,5,5\n5,10,1\n6,11,2\n7,12,1\n8,3,3\n' > "$work/ab.csv"
expect "segment k at the edge" 0 "warning: the suggested k = 3 is at the edge of the range 2..3" -- "$custan" run segment.lua --input "$work/ab.csv" --features a,b --scale standard --method kmeans --k-range 2..3
expect "segment plain names for other features" 0 "Cluster 2: high a" -- "$custan" run segment.lua --input "$work/ab.csv" --features a,b --scale standard --method kmeans --k 2
printf 'return {name = function(rows) return nil end}\n' > "$work/nil_rules.lua"
expect "segment rules returning nil" 1 "cluster rules: name() returned nil, not a table of names" -- "$custan" run segment.lua --input "$work/ab.csv" --features a,b --k 2 --rules "$work/nil_rules.lua"
printf 'return {name = function(rows) local out = {} for i = 1, #rows do out[i] = {segment = "Group", strategy = "x"} end return out end}\n' > "$work/same_rules.lua"
expect "segment rules repeating a name" 1 "clusters 1 and 2 are both named 'Group'" -- "$custan" run segment.lua --input "$work/ab.csv" --features a,b --scale standard --method kmeans --k 2 --rules "$work/same_rules.lua"
expect "churn failure" 1 "custan:" -- "$custan" run churn.lua --input "$work/zero_prices.csv" --cutoff 2030-01-01 --output "$work/churn_failed"
check "churn failure left no output folder" test ! -e "$work/churn_failed"

# --- busy machines (performance issue) --------------------------------------
# OpenMP's spin count is read when the library loads: custan restarts itself
# once with a short one, unless the user set a wait policy (the cliff: a
# 2-second churn.lua took 16 to 117 s beside two CPU burners)
expect "OpenMP threads spin briefly" 0 "10000" -- env -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY "$custan" -e 'print(os.getenv("GOMP_SPINCOUNT"))'
expect "a user's OpenMP wait policy is kept" 0 "nil	passive" -- env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=passive "$custan" -e 'print(os.getenv("GOMP_SPINCOUNT"), os.getenv("OMP_WAIT_POLICY"))'
expect "the restart keeps the arguments" 0 "args:	2	one	two" -- env -u GOMP_SPINCOUNT "$custan" run "$fx/echo_args.lua" one two

# --- generate.lua and the recovery tests (tests/cli/world.sh) ---------------
source "$root/tests/cli/world.sh"

# --- distributed runs: shards and mpirun (tests/cli/dist.sh) ---------------
source "$root/tests/cli/dist.sh"

# --- the README's example script ------------------------------------------
expect "README example" 0 "14646.0     280206.02" -- "$custan" run "$root/examples/top_customers.lua" "$root/examples/data/online_retail.csv.gz" "$work/customers.csv"
check "README example wrote CSV" grep -q "^14646.0,280206.02,74,2011-12-08 12:12:00$" "$work/customers.csv"

# --- the installed tree ----------------------------------------------------
if cmake --install "$build" --prefix "$work/prefix" >/dev/null 2>&1; then
  expect "installed binary runs prepared script" 0 "4 rows x 4 columns" -- bash -c "cd / && '$work/prefix/bin/custan' run summary.lua --input '$fx/orders.csv'"
  expect "installed binary finds its library" 0 "$work/prefix/bin/../share/custan/lua" -- "$work/prefix/bin/custan" -e 'print(require("custan.core.host").lua_dir)'
else
  echo "FAIL cmake --install"; failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
