--- classify.lua: a segment classifier that assigns segments to new
-- customers from their early behaviour and attributes.
--
--   custan run classify.lua --input out/customers.csv --label cluster_segment \
--       --orders orders.csv --output classifier/
--   custan run classify.lua --input world/truth.csv --label segment --join world/customers.csv \
--       --orders world/orders.csv --output classifier/
--   custan run classify.lua --score classifier/model_forest.json --input new.csv \
--       --join new_attributes.csv --orders new_orders.csv --output scores/
--
-- Multi-class XGBoost (multi:softprob) and a random forest (XGBoost's
-- recipe), on a stratified split: accuracy, macro F1, per-class precision
-- and recall, confusion matrix, gain importance.  The work is
-- custan.analysis.classify; the report custan.report.classify.

local analysis = require "custan.analysis.classify"
local cli = require "custan.cli"

local p = cli.parser("classify.lua",
  "Train a segment classifier on a customer table (a label column, attributes, and the early " ..
  "behaviour from the order log), or score new customers with a saved one (--score).",
  "Examples:\n" ..
  "  custan run classify.lua --input out/customers.csv --label cluster_segment --orders orders.csv --output clf/\n" ..
  "  custan run classify.lua --input world/truth.csv --label segment --join world/customers.csv --orders world/orders.csv\n" ..
  "  custan run classify.lua --score clf/model_forest.json --input new.csv --orders new_orders.csv --output scores/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--label", "The segment column to learn (training).")
p:option("--id", "Customer id column (default: the first).")
p:option("--join", "A per-customer table to join on its first column (repeat): attributes, truth."):count("*")
p:option("--orders", "The order log, for early-behaviour features.")
p:option("--early-days", "Days after the first purchase that count as early behaviour.", "60")
  :convert(cli.whole(0))
p:option("--features", "Feature columns, comma-separated (default: early behaviour and the joined " ..
  "tables' columns; without --orders and --join, every column but the id and the label).")
p:option("--model", "xgboost, forest or all.", "all"):choices{"xgboost", "forest", "all"}
p:option("--trees", "Trees of the forest.", "100"):convert(cli.whole(1))
p:option("--depth", "Depth of every tree.", "6"):convert(cli.whole(1))
p:option("--rounds", "Boosting rounds of xgboost.", "200"):convert(cli.whole(1))
p:option("--test-size", "Share of customers held out for the evaluation.", "0.25"):convert(tonumber)
p:option("--score", "A saved classifier (model_*.json): score --input instead of training.")
local args = cli.parse(p, arg)
if not args.input then cli.usage_error("--input is required") end

local read = cli.transaction_options(args)
local o = {label = args.label, id = args.id, join = args.join, orders = args.orders, read = read,
  early_days = args.early_days, model = args.model, trees = args.trees, depth = args.depth,
  rounds = args.rounds, test_size = args.test_size, seed = args.seed}
if args.features then
  o.features = {}
  for f in args.features:gmatch("[^,]+") do o.features[#o.features + 1] = f end
end
if args.score then
  cli.finish(args, cli.try(analysis.score, args.score, args.input, o))
else
  if not args.label then cli.usage_error("--label is required to train (or give --score MODEL)") end
  if not (args.test_size > 0 and args.test_size < 1) then cli.usage_error("--test-size must be in (0, 1)") end
  cli.progress(args, "training on " .. args.input)
  cli.finish(args, cli.try(analysis.train, args.input, o))
end
