# CLI tests of generate.lua and the recovery tests: sourced by run.sh (it
# has expect, check, $custan, $root, $fx and $work).  The worlds are
# examples/worlds/; sizes keep this part near 30 s.

# --- generate.lua -----------------------------------------------------------
expect "generate: default world" 0 "wrote orders.csv, customers.csv, products.csv, truth.csv, experiment.csv, events.csv" -- \
  "$custan" run generate.lua --customers 2000 --seed 3 --events --output "$work/gen1"
"$custan" run generate.lua --customers 2000 --seed 3 --events --threads 1 --output "$work/gen2" -q
"$custan" run generate.lua --customers 2000 --seed 3 --events --threads 3 --output "$work/gen3" -q
for f in orders.csv customers.csv products.csv truth.csv experiment.csv events.csv world.json; do
  check "generate: $f the same on 1 and 3 threads" cmp "$work/gen2/$f" "$work/gen3/$f"
done
"$custan" run generate.lua --customers 2000 --seed 4 --output "$work/gen4" -q
check "generate: another seed, another log" bash -c "! cmp -s '$work/gen2/orders.csv' '$work/gen4/orders.csv'"
check "generate: Online Retail's header" bash -c "head -1 '$work/gen1/orders.csv' | grep -qx 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'"
expect "generate: summary.lua reads the order log" 0 "cancelled rows" -- "$custan" run summary.lua --input "$work/gen1/orders.csv"
expect "generate: rfm.lua reads the order log" 0 "customers" -- "$custan" run rfm.lua --input "$work/gen1/orders.csv"
expect "generate: the event log reads with --preset retailrocket" 0 "funnel" -- \
  "$custan" run pipeline.lua --input "$work/gen1/events.csv" --preset retailrocket --output "$work/gen1_events"
"$custan" run generate.lua --customers 500 --layout online_retail_ii --output "$work/gen_ii" -q
expect "generate: Online Retail II layout reads with its preset" 0 "customers" -- \
  "$custan" run rfm.lua --input "$work/gen_ii/orders.csv" --preset online_retail_ii
# every customer in the log is in the truth file, and the truth's order counts are the log's
truth_counts() {
  "$custan" -e "
    local custan = require 'custan'
    local t = custan.read_csv('$work/gen1/truth.csv')
    local s = require('custan.rfm').summary(require('custan.data.transactions').read('$work/gen1/orders.csv'), {period = 'day'})
    print(t:nrows(), s:nrows(), t.orders:sum())" 
}
expect "generate: one truth row per customer" 0 "2000	2000" -- truth_counts
printf 'return {segments = {{name = "x", purchase = {r = -1, alpha = 1, a = 1, b = 1}, spend = {p = 1, q = 2, gamma = 1}}}}\n' > "$work/bad_world.lua"
expect "generate: a bad parameter is named" 1 "segment 'x': r must be positive (got -1)" -- \
  "$custan" run generate.lua --world "$work/bad_world.lua" --output "$work/gen_bad"
check "generate: a failed run leaves no folder" test ! -e "$work/gen_bad"
printf 'return {segments = {{name = "x", purchase = {r = 1, alpha = 10, a = 1, b = 1}, spend = {p = 1, q = 2, gamma = 1}, categories = {Shoes = 2}}}}\n' > "$work/bad_world2.lua"
expect "generate: an unknown category is named" 1 "unknown name 'Shoes' (known: General)" -- \
  "$custan" run generate.lua --world "$work/bad_world2.lua" --output "$work/gen_bad"
printf 'return 42\n' > "$work/bad_world3.lua"
expect "generate: a world file must return a table" 1 "the file must return a table" -- \
  "$custan" run generate.lua --world "$work/bad_world3.lua" --output "$work/gen_bad"
printf 'os.exit(3)\n' > "$work/bad_world4.lua"
expect "generate: world files run sandboxed" 1 "os" -- \
  "$custan" run generate.lua --world "$work/bad_world4.lua" --output "$work/gen_bad"
expect "generate: --output is required" 2 "--output is required" -- "$custan" run generate.lua --customers 10

# --- recovery: the whole pipeline against the truth --------------------------
# A one-segment BG/NBD world: the fits recover the generating parameters
# within 3 standard errors, and the BG/NBD's holdout purchases match the
# truth in all and by frequency bucket.
"$custan" run generate.lua --world "$root/examples/worlds/one_segment.lua" --customers 20000 --seed 5 --output "$work/w1" -q
"$custan" run clv.lua --input "$work/w1/orders.csv" --model bgnbd --draws 0 --json > "$work/w1_clv.json"
expect "recovery: BG/NBD and Gamma-Gamma parameters within 3 SE" 0 "ok   bgnbd alpha" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" params "$work/w1_clv.json"
printf 'local s = require "custan.pipeline"\nreturn {stages = {s.read, s.customers, s.segments, s.clv, s.churn, s.recovery},\n  options = {segments = {k = 2}, clv = {model = "bgnbd", draws = 0}}}\n' > "$work/recovery_pipeline.lua"
"$custan" run pipeline.lua --input "$work/w1/orders.csv" --truth "$work/w1/truth.csv" \
  --pipeline "$work/recovery_pipeline.lua" --output "$work/w1_out" --quiet
expect "recovery: holdout purchases match the truth, in all and by frequency" 0 "ok   frequency 0" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" holdout "$work/w1_out/recovery"
expect "recovery: churn AUC against the truth beside the observed one" 0 "against the observed label" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" churn "$work/w1_out/recovery"
# The default world (four segments, seasonality, a test): the churn scores
# rank the truly gone above the alive (AUC 0.70 at 20,000 customers, seed
# 7; the bound leaves room for the smaller world's noise).
"$custan" run generate.lua --customers 5000 --seed 7 --output "$work/w2" -q
printf 'local s = require "custan.pipeline"\nreturn {stages = {s.read, s.customers, s.segments, s.clv, s.churn, s.recovery},\n  options = {clv = {draws = 0}}}\n' > "$work/churn_pipeline.lua"
"$custan" run pipeline.lua --input "$work/w2/orders.csv" --truth "$work/w2/truth.csv" \
  --pipeline "$work/churn_pipeline.lua" --output "$work/w2_out" --quiet
expect "recovery: churn scores rank the truly gone first on the default world" 0 "AUC at least 0.6" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" churn "$work/w2_out/recovery" 0.6
# The default world's four segments without its seasonality and test: one
# BG/NBD fitted to the mixture still predicts the holdout within 5% (0.6%
# at 20,000 customers; with the seasonality the slow January-June holdout
# is over-predicted by about 30%, docs/guide.md).
"$custan" run generate.lua --world "$fx/world_flat.lua" --trust --customers 20000 --seed 7 --output "$work/w8" -q
"$custan" run pipeline.lua --input "$work/w8/orders.csv" --truth "$work/w8/truth.csv" \
  --pipeline "$work/recovery_pipeline.lua" --output "$work/w8_out" --quiet
expect "recovery: a mixture of BG/NBD segments is predicted in all and by frequency" 0 "ok   holdout purchases" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" holdout "$work/w8_out/recovery"
# Three planted segments: the Gaussian mixture with k = 3 finds them.
"$custan" run generate.lua --world "$root/examples/worlds/planted.lua" --customers 3000 --seed 2 --output "$work/w3" -q
printf 'local s = require "custan.pipeline"\nreturn {stages = {s.read, s.customers, s.segments, s.recovery},\n  options = {segments = {method = "gmm", k = 3}}}\n' > "$work/planted_pipeline.lua"
"$custan" run pipeline.lua --input "$work/w3/orders.csv" --truth "$work/w3/truth.csv" \
  --pipeline "$work/planted_pipeline.lua" --output "$work/w3_out" --quiet
expect "recovery: planted segments found (adjusted Rand >= 0.9)" 0 "adjusted Rand index" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" ari "$work/w3_out/recovery" 0.9
# A policy simulated on the CLV baseline as of the test's start, against the
# generated test's analysed lift.
"$custan" run generate.lua --world "$root/examples/worlds/experiment.lua" --customers 20000 --seed 11 --output "$work/w4" -q
"$custan" run pipeline.lua --input "$work/w4/orders.csv" --as-of 1998-04-01 --pipeline "$fx/world_pipeline.lua" \
  --policy "$fx/world_offer.lua" --output "$work/w4_out" --quiet
"$custan" run experiment.lua analyze --input "$work/w4/experiment.csv" --group arm --outcome revenue --json > "$work/w4_test.json"
expect "recovery: the test's interval covers the simulated lift" 0 "simulated revenue lift" -- \
  "$custan" run "$root/tests/cli/world_checks.lua" experiment "$work/w4_out/policies/summary.json" "$work/w4_test.json"

# --- classify.lua: the segment classifier -------------------------------------
"$custan" run generate.lua --customers 20000 --seed 21 --output "$work/w5" -q
"$custan" run classify.lua --input "$work/w5/truth.csv" --id customer_id --label segment \
  --join "$work/w5/customers.csv" --orders "$work/w5/orders.csv" --output "$work/w5_clf" --json > "$work/w5_clf.json"
# scikit-learn 1.2.1 (Debian python3-sklearn), RandomForestClassifier with
# 100 trees and depth 6 on the same split (features.csv), mean of 5 seeds:
# accuracy 0.6508 (tests/reference/classify_sklearn.py; seeds 0.6473..0.6545)
forest_vs_sklearn() {
  "$custan" -e "
    local d = require('custan.json').decode(io.open('$work/w5_clf.json'):read('a'))
    local acc = d.models.forest.accuracy
    print(string.format('forest accuracy %.4f, scikit-learn 0.6508', acc))
    os.exit(math.abs(acc - 0.6508) <= 0.01 and 0 or 1)"
}
expect "classify: forest accuracy within 0.01 of scikit-learn's" 0 "forest accuracy" -- forest_vs_sklearn
check "classify: xgboost and forest report macro F1, per class and confusion" \
  "$custan" -e "local d = require('custan.json').decode(io.open('$work/w5_clf.json'):read('a'))
    for _, k in ipairs{'xgboost', 'forest'} do local m = d.models[k]
      assert(m.macro_f1 > 0.5 and #m.per_class == 4 and #m.confusion == 4 and #m.importance > 0) end"
for f in model_xgboost.json model_forest.json confusion_forest.csv metrics_xgboost.csv importance_forest.csv features.csv; do
  check "classify wrote $f" test -s "$work/w5_clf/$f"
done
# new customers of the same world (another seed), scored with the saved forest
"$custan" run generate.lua --customers 3000 --seed 22 --output "$work/w6" -q
expect "classify: --score applies a saved model" 0 "3000 customers scored" -- \
  "$custan" run classify.lua --score "$work/w5_clf/model_forest.json" --input "$work/w6/truth.csv" \
  --id customer_id --join "$work/w6/customers.csv" --orders "$work/w6/orders.csv" --output "$work/w6_scores"
scored_accuracy() {
  "$custan" -e "
    local custan = require 'custan'
    local s = custan.read_csv('$work/w6_scores/scores.csv')
    local t = custan.read_csv('$work/w6/truth.csv')
    local right = (s.predicted:eq(t.segment)):sum() / s:nrows()
    print(string.format('accuracy on new customers %.3f', right))
    os.exit(right > 0.6 and 0 or 1)"
}
expect "classify: the saved model holds on new customers" 0 "accuracy on new customers" -- scored_accuracy
expect "classify: --score needs the order log it was trained with" 1 "give the order log (--orders)" -- \
  "$custan" run classify.lua --score "$work/w5_clf/model_forest.json" --input "$work/w6/truth.csv" --id customer_id
# a column that is the label in numbers (the segment's position in the file)
awk -F, 'NR == 1 {print "customer_id,code"; next} {if (!($2 in c)) c[$2] = ++k; print $1 "," c[$2]}' \
  "$work/w5/truth.csv" > "$work/w5_code.csv"
expect "classify: a label-like feature is flagged" 0 "is it the label in disguise?" -- \
  "$custan" run classify.lua --input "$work/w5/truth.csv" --id customer_id --label segment \
  --join "$work/w5_code.csv" --features orders,code --model forest
expect "classify: no label column" 1 "no label column 'nope'" -- \
  "$custan" run classify.lua --input "$work/w5/truth.csv" --label nope
expect "classify: --label or --score" 2 "--label is required" -- "$custan" run classify.lua --input "$work/w5/truth.csv"
# the seam: the pipeline's customer table is the classifier's input
expect "classify: trains on the pipeline's customers.csv" 0 "segment classifier of 'cluster_segment'" -- \
  "$custan" run classify.lua --input "$work/w1_out/customers.csv" --label cluster_segment --orders "$work/w1/orders.csv"
