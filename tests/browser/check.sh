#!/usr/bin/env bash
# tests/browser/check.sh PAGE.html[#segment=NAME] [SCREENSHOT.png]: loads a dashboard in
# headless Chromium (Debian's chromium) and fails when a script raised an
# error, when a chart did not finish rendering, or when the page never got
# ready.  The page records those in <div id="custan-status">
# (custan.report.html). Prints "charts N rendered N" on success.
set -u
file=${1%%#*} hash=""
[ "$file" != "$1" ] && hash="#${1#*#}"
page=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")$hash
shot=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "check.sh: chromium is not installed (apt-get install chromium)"; exit 1; }
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --disable-extensions --hide-scrollbars --virtual-time-budget=10000)
dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$page" 2>/dev/null)
status=$(grep -o '<div id="custan-status"[^>]*>' <<<"$dom" | head -1)
[ -n "$status" ] || { echo "check.sh: $1: no status element (the page did not load)"; exit 1; }
attr() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$status"; }
charts=$(attr data-charts) rendered=$(attr data-rendered) errors=$(attr data-errors) ready=$(attr data-ready)
if [ "$ready" != 1 ]; then echo "check.sh: $1: the page's script did not finish"; exit 1; fi
if [ -n "$errors" ]; then echo "check.sh: $1: script errors: $errors"; exit 1; fi
if [ "$charts" != "$rendered" ]; then echo "check.sh: $1: $rendered of $charts charts rendered"; exit 1; fi
if [ -n "$shot" ]; then
  timeout 60 "$browser" "${flags[@]}" --window-size=1400,2600 --screenshot="$shot" "file://$page" >/dev/null 2>&1
  [ -s "$shot" ] || { echo "check.sh: $1: no screenshot"; exit 1; }
fi
echo "charts $charts rendered $rendered segment '$(attr data-segment)' rows $(attr data-rows-shown) ready_ms $(attr data-ms)"
