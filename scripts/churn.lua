--- churn.lua: train, compare and evaluate churn models, and score customers.
--
--   custan run churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-09 --window 91
--   custan run churn.lua --input crm.csv --label churned --id client --model logistic --save m.json
--   custan run churn.lua --score --model-file m.json --input new.csv --output out/
--
-- From a transaction log, customers are summarised up to --cutoff and
-- labelled churned when they buy nothing in the --window days after it;
-- from a ready table, --label names the label column.  Features come from
-- an editable Lua file (lua/custan/rules/churn_features.lua, or --features).  The
-- rows are split (stratified, seeded), each model is cross-validated on the
-- training rows and judged on the test rows, and every customer is scored
-- by the best one and given a risk tier (lua/custan/rules/tiers.lua).
-- The work is custan.analysis.churn; the reports are custan.report.churn
-- and custan.report.churn_score.

local analysis = require "custan.analysis.churn"
local cli = require "custan.cli"
local util = require "custan.util"

local p = cli.parser("churn.lua",
  "Churn prediction: labels from a transaction log (cut-off and window) or a label column, " ..
  "features from an editable Lua table, regularised logistic regression, XGBoost trees and " ..
  "random forests, cross-validation, test-set evaluation, and a churn probability and risk " ..
  "tier for every customer.",
  "Examples:\n" ..
  "  custan run churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-09 --window 91\n" ..
  "  custan run churn.lua --input crm.csv --label churned --id client --save model.json\n" ..
  "  custan run churn.lua --score --model-file model.json --input new.csv --output out/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--cutoff", "Calibration cut-off (YYYY-MM-DD); default the last date less --window.")
p:option("--window", "Days after the cut-off in which a purchase means 'not churned'.", "90")
  :convert(math.tointeger)
p:option("--label", "Label column of a ready customer table (1/true = churned).")
p:option("--id", "Id column of a ready customer table (default: the first column).")
p:option("--activity-days", "Recent window of the activity features, in days.", "90")
  :convert(tonumber)
p:option("--model", "Which models to train.", "all"):choices{"logistic", "xgboost", "forest", "all"}
p:option("--cv", "Cross-validation folds on the training rows (0: none).", "5"):convert(math.tointeger)
p:option("--test-size", "Share of customers held out for testing.", "0.25"):convert(tonumber)
p:option("--features", "Feature definition file (default: lua/custan/rules/churn_features.lua).")
p:option("--tiers", "Risk tier file (default: lua/custan/rules/tiers.lua).")
p:option("--costs", "Cost table for the profit-optimal threshold (default: lua/custan/rules/costs.lua).")
p:option("--grid", "Grid-search hyperparameters by cross-validated AUC (file; default " ..
  "lua/custan/rules/grid.lua).")
  :args("?")
p:flag("--smote", "Balance the training rows with SMOTE instead of class weights.")
p:option("--penalty", "Logistic regression penalty.", "l2"):choices{"l2", "l1", "none"}
p:option("--C", "Logistic regression inverse penalty strength (as scikit-learn's C).", "1")
  :convert(tonumber)
p:option("--rounds", "XGBoost boosting rounds."):convert(math.tointeger)
p:option("--max-depth", "XGBoost tree depth."):convert(math.tointeger)
p:option("--eta", "XGBoost learning rate."):convert(tonumber)
p:option("--threshold", "Probability from which a customer counts as predicted to churn.", "0.5")
  :convert(tonumber)
p:option("--importance-repeats", "Shuffles per feature for permutation importance.", "5")
  :convert(math.tointeger)
p:option("--save", "Write the best model here (XGBoost JSON for trees, custan JSON for logistic).")
p:flag("--score", "Score --input with a saved model (--model-file) instead of training.")
p:option("--model-file", "Saved model to score with.")
local args = cli.parse(p, arg)

-- checks of the flags ---------------------------------------------------------------
if args.window and args.window < 1 then cli.usage_error("--window must be at least 1 day") end
if not (args.test_size and args.test_size > 0 and args.test_size < 1) then
  cli.usage_error("--test-size must be between 0 and 1")
end
if args.cv and args.cv ~= 0 and args.cv < 2 then cli.usage_error("--cv must be 0 or at least 2") end
if args.score and not args.model_file then cli.usage_error("--score needs --model-file") end
if args.model_file and not args.score then cli.usage_error("--model-file is for --score") end
if not (args.C and args.C > 0) then cli.usage_error("--C must be a positive number") end
cli.check_date(args.cutoff, "--cutoff")

local options = cli.transaction_options(args)
for _, k in ipairs{"window", "label", "id", "activity_days", "model", "cv", "test_size", "features",
    "tiers", "costs", "smote", "penalty", "C", "rounds", "max_depth", "eta", "threshold",
    "importance_repeats", "seed", "model_file"} do
  options[k] = args[k]
end
options.cutoff = args.cutoff and args.cutoff:sub(1, 10)
if args.grid then options.grid = args.grid[1] or true end
options.progress = function(message) cli.progress(args, message) end

cli.progress(args, "reading " .. args.input)
if args.score then
  cli.finish(args, cli.try(analysis.score, args.input, options))
  return
end
local doc = cli.try(analysis.train, args.input, options)
if args.save then
  -- a model saved into the --output folder is part of its set of files
  local text = cli.try(doc.model.to_json, doc.model, doc.meta)
  local out = args.output and args.output:gsub("/+$", "")
  local dir, file = args.save:match("^(.*)/([^/]+)$")
  if out and dir and dir:gsub("/+$", "") == out then
    doc.extra = {{file, text}}
  else
    local ok, err = util.write_file_atomic(args.save, text)
    if not ok then cli.fail(err) end
  end
  doc.summary.saved = args.save
end
cli.finish(args, doc)
