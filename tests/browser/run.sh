#!/usr/bin/env bash
# Browser tests: the dashboards load in headless Chromium (Debian's
# chromium) with every chart rendered, no script error, and every section;
# the segment filter works; screenshots go to BUILD_DIR/screenshots/.
# usage: tests/browser/run.sh BUILD_DIR     (prints "N passed, N failed")
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
custan="$build/custan"
root=$(cd "$(dirname "$0")/../.." && pwd)
check_page="$root/tests/browser/check.sh"
shots="$build/screenshots"
mkdir -p "$shots"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | head -5 | sed 's/^/    /'; failed=$((failed + 1)); }
# page NAME FILE[#hash] [SCREENSHOT]: the page renders every chart, with no error
page() {
  local out
  if out=$("$check_page" "$2" ${3:+"$3"} 2>&1); then ok; echo "ok $1: $out"; else fail "$1" "$out"; fi
}
# has NAME FILE TEXT...: the page holds each text (section titles)
has() {
  local name=$1 file=$2 t
  shift 2
  for t in "$@"; do
    grep -qF -- "$t" "$file" || { fail "$name: no '$t'"; return; }
  done
  ok
}

retail="$root/examples/data/online_retail.csv.gz"
if "$custan" run pipeline.lua --input "$retail" --output "$work/retail" --dashboards --draws 1000 --quiet; then ok
else fail "pipeline --dashboards on Online Retail"; fi
op="$work/retail/dashboards/operational.html"
page "operational dashboard (Online Retail)" "$op" "$shots/operational.png"
has "operational dashboard sections" "$op" "Revenue and orders by week" "New and returning customers" \
  "Churn risk tiers" "Customers per segment" "Revenue per segment" "Contact list" "Segments"
size=$(stat -c %s "$op")
if [ "$size" -le 5000000 ]; then ok; else fail "operational dashboard is $size bytes (at most 5 MB)"; fi
# the segment filter: charts and rows follow it (a #segment= link applies it on load)
out=$("$check_page" "$op#segment=At%20Risk" 2>&1)
if grep -q "segment 'At Risk' rows [1-9]" <<<"$out"; then ok; else fail "segment filter" "$out"; fi
out=$("$check_page" "$op#segment=Nobody" 2>&1)
if grep -q "no segment Nobody" <<<"$out"; then ok; else fail "an unknown segment is an error the page records" "$out"; fi

# the strategic dashboard: every section, every chart drawn
strat="$work/retail/dashboards/strategic.html"
page "strategic dashboard (Online Retail)" "$strat" "$shots/strategic.png"
has "strategic dashboard sections" "$strat" "CLV by segment" "Cohort retention" \
  "Cohort survival and the sBG projection" "Revenue concentration" "ABC products" "Countries" \
  "Segment map" "Policy scenarios side by side" "Net value over the draws" "Sensitivity" \
  "Targeting curves" "ROC on the test split" "cumulative gain" "calibration" "feature importance"
size=$(stat -c %s "$strat")
if [ "$size" -le 5000000 ]; then ok; else fail "strategic dashboard is $size bytes (at most 5 MB)"; fi

# the diagnostics page: its numbers are the CLV model's (every cell of both
# matrices against the model's own predictions from clv/summary.json)
diag="$work/retail/dashboards/diagnostics.html"
page "diagnostics page (Online Retail)" "$diag" "$shots/diagnostics.png"
has "diagnostics sections" "$diag" "Expected purchases in the next" "P(alive) by frequency and recency" \
  "Customers by number of repeat purchases" "Calibration against holdout" "Repeat transactions per week" \
  "Cumulative repeat transactions"
out=$("$custan" -e "
local custan, clv, json = require 'custan', require 'custan.clv', require 'custan.json'
local d = json.decode(io.open('$work/retail/clv/summary.json'):read('a')).diagnostics
local m = clv.from_params(d.model, d.params)
local page = io.open('$diag'):read('a')
local cells, n = {}, 0
for r, c, v in page:gmatch('data%-row=\"(%d+)\" data%-col=\"(%d+)\" data%-v=\"([^\"]+)\"') do
  n = n + 1
  cells[n] = {tonumber(r), tonumber(c), tonumber(v)}
end
assert(n > 100 and n % 2 == 0, 'matrix cells: ' .. n)
local half = n // 2
local f, r, t = {}, {}, {}
for i = 1, half do f[i], r[i], t[i] = cells[i][1], cells[i][2], d.T end
local g = custan.frame({frequency = custan.column(f, 'float64'), recency = custan.column(r, 'float64'),
  T = custan.column(t, 'float64')}, {'frequency', 'recency', 'T'})
local e, pa = m:conditional(g, d.horizon):to_table(), m:p_alive(g):to_table()
for i = 1, half do
  assert(math.abs(cells[i][3] - e[i]) <= 1e-12 * math.max(1, e[i]), 'expected at ' .. i)
  assert(math.abs(cells[half + i][3] - pa[i]) <= 1e-12, 'p_alive at ' .. i)
end
print('cells', n)" 2>&1)
if grep -q "^cells" <<<"$out"; then ok; else fail "diagnostics' matrices are the model's predictions" "$out"; fi

# static forms: the report as a PDF (the strategic dashboard and the
# diagnostics), each chart as a PNG; a clear message without Chromium
if "$custan" run dashboard.lua --input "$work/retail" --pdf "$work/report.pdf" --quiet &&
    [ "$(head -c 5 "$work/report.pdf")" = "%PDF-" ]; then ok
else fail "dashboard.lua --pdf writes a PDF"; fi
pages=$(/usr/bin/python3 -c "import re, sys; print(len(re.findall(rb'/Type\s*/Page(?!s)', open(sys.argv[1], 'rb').read())))" "$work/report.pdf")
if [ "${pages:-0}" -ge 5 ]; then ok; else fail "the report has $pages pages (at least 5)"; fi
if "$custan" run dashboard.lua --input "$work/retail" --layout strategic --png "$work/png" --quiet; then ok
else fail "dashboard.lua --png"; fi
n=$(ls "$work/png" | grep -c '\.png$')
if [ "$n" -eq 12 ] && [ "$(head -c 4 "$work/png/01_clv_by_segment.png" | tail -c 3)" = "PNG" ]; then ok
else fail "--png wrote $n charts (12 expected, PNG files)"; fi
out=$(CUSTAN_BROWSER=no-such-browser "$custan" run pipeline.lua --input "$retail" --output "$work/nobrowser" --pdf 2>&1)
if [ $? -eq 1 ] && grep -qF "apt-get install chromium" <<<"$out" && [ ! -e "$work/nobrowser" ]; then ok
else fail "--pdf without Chromium: a clear message and no output" "$out"; fi

# dashboard.lua on the pipeline's folder gives the same page
if "$custan" run dashboard.lua --input "$work/retail" --output "$work/op.html" --quiet; then ok
else fail "dashboard.lua on a pipeline folder"; fi
page "dashboard.lua page" "$work/op.html"
if "$custan" run dashboard.lua --input "$work/retail" --layout diagnostics --output "$work/diag.html" --quiet; then ok
else fail "dashboard.lua --layout diagnostics"; fi
page "dashboard.lua diagnostics page" "$work/diag.html"

# an event log: the funnel chart, no policies
events="$root/examples/data/events_sample.csv.gz"
if "$custan" run pipeline.lua --input "$events" --preset retailrocket --output "$work/events" --dashboards --quiet; then ok
else fail "pipeline --dashboards on the event log"; fi
page "operational dashboard (event log)" "$work/events/dashboards/operational.html" "$shots/operational_events.png"
has "event-log dashboard has the funnel" "$work/events/dashboards/operational.html" "Funnel"

# a layout of one's own: sections reordered, one chart, one table
cat > "$work/mine.lua" <<'LUA'
return {title = "Mine", segment_filter = false, sections = {
  {kpis = {"revenue", "churn_rate"}},
  {chart = "segment_revenue", data = "segments", title = "Where the money is"},
  {chart = "segment_map", data = "segment_map_tsne", title = "Segment map (t-SNE)"},
  {table = "segments", title = "All segments"},
}}
LUA
if "$custan" run dashboard.lua --input "$work/retail" --layout "$work/mine.lua" --output "$work/mine.html" --quiet; then ok
else fail "dashboard.lua --layout"; fi
page "a layout of one's own" "$work/mine.html"
has "a layout of one's own has its sections" "$work/mine.html" "Where the money is" "All segments" \
  "Segment map (t-SNE)"
printf 'return {sections = {{chart = "pie_in_the_sky"}}}\n' > "$work/bad.lua"
out=$("$custan" run dashboard.lua --input "$work/retail" --layout "$work/bad.lua" --output "$work/bad.html" 2>&1)
if [ $? -eq 1 ] && grep -qF "layout $work/bad.lua: sections[1]: no chart 'pie_in_the_sky'" <<<"$out" && [ ! -e "$work/bad.html" ]; then ok
else fail "a layout naming an unknown chart" "$out"; fi
printf 'return {sections = {{text = io.open("/etc/passwd"):read("a")}}}\n' > "$work/evil.lua"
out=$("$custan" run dashboard.lua --input "$work/retail" --layout "$work/evil.lua" --output "$work/evil.html" 2>&1)
if [ $? -eq 1 ] && grep -qF "nonexistent global 'io'" <<<"$out"; then ok
else fail "layout files are sandboxed" "$out"; fi
out=$("$custan" run dashboard.lua --input "$work" --output "$work/none.html" 2>&1)
if [ $? -eq 1 ] && grep -qF "no insights.json" <<<"$out"; then ok
else fail "dashboard.lua on a folder that is no pipeline output" "$out"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
