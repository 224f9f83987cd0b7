--- churn.lua: train, compare and evaluate churn models, and score customers.
--
--   custan run churn.lua --input examples/data/online_retail.csv.gz --cutoff 2011-09-09 --window 91
--   custan run churn.lua --input crm.csv --label churned --id client --model logistic --save m.json
--   custan run churn.lua --score --model-file m.json --input new.csv --output out/
--
-- From a transaction log, customers are summarised up to --cutoff and
-- labelled churned when they buy nothing in the --window days after it;
-- from a ready table, --label names the label column.  Features come from
-- an editable Lua file (lua/custan/churn/features.lua, or --features).  The
-- rows are split (stratified, seeded), each model is cross-validated on the
-- training rows and judged on the test rows, and every customer is scored
-- by the best one and given a risk tier (lua/custan/churn/tiers.lua).

local custan = require "custan"
local rfm = require "custan.rfm"
local ml = require "custan.ml"
local churn = require "custan.churn"
local cli = require "custan.cli"
local util = require "custan.util"
local json = require "custan.json"

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
p:option("--country", "Text column whose last value per customer becomes 'country'.", "Country")
p:option("--activity-days", "Recent window of the activity features, in days.", "90")
  :convert(tonumber)
p:option("--model", "Which models to train.", "all"):choices{"logistic", "xgboost", "forest", "all"}
p:option("--cv", "Cross-validation folds on the training rows (0: none).", "5"):convert(math.tointeger)
p:option("--test-size", "Share of customers held out for testing.", "0.25"):convert(tonumber)
p:option("--features", "Feature definition file (default: lua/custan/churn/features.lua).")
p:option("--tiers", "Risk tier file (default: lua/custan/churn/tiers.lua).")
p:option("--costs", "Cost table for the profit-optimal threshold (default: lua/custan/churn/costs.lua).")
p:option("--grid", "Grid-search hyperparameters by cross-validated AUC (file; default " ..
  "lua/custan/churn/grid.lua).")
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
local say = cli.printer(args)

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
if args.cutoff then args.cutoff = args.cutoff:sub(1, 10) end
local function try(fn, ...)
  local ok, a, b, c = pcall(fn, ...)
  if not ok then cli.fail(tostring(a)) end
  return a, b, c
end

-- reading customers -------------------------------------------------------------------
local function transactions_options()
  local o = cli.transaction_options(args)
  o.encoding = cli.encoding(args)
  return o
end

-- Customers (with churned when a window applies) of a transaction log.
local function read_transactions(path, window, cutoff)
  local o = transactions_options()
  local read = rfm.read_options(o, cli.csv_options(args, nil, args.date))
  cli.progress(args, "reading " .. path)
  local tx = try(custan.read_csv, path, read)
  if o.encoding and tx:has(args.country) and tx:col(args.country):type() == "string" then
    tx[args.country] = tx:col(args.country):transcode(o.encoding)
  end
  o.cutoff, o.window, o.country = cutoff, window, args.country
  o.activity_days = args.activity_days
  local customers, info = try(churn.customers, tx, o)
  return customers, info
end

local function read_table(path)
  local t = try(custan.read_csv, path, cli.csv_options(args))
  return t
end

-- Features of customers under a definition; fails naming a bad value.
local function featurize(customers, definition, state, window, where)
  local ok, frame, names, st = pcall(churn.build, customers, definition, state, {window = window})
  if not ok then cli.fail(where .. ": " .. tostring(frame)) end
  return frame, names, st
end

local function check_values(frame, names, ids, where, allow_missing)
  if allow_missing then return end
  local bad = churn.find_bad_value(frame, names, ids)
  if bad then cli.fail(where .. ": " .. bad) end
end

local tiers = try(churn.load_tiers, args.tiers)
local costs = try(churn.load_costs, args.costs)
local dir = cli.output_dir(args)

-- ========================================================================== scoring ==
if args.score then
  local model = try(ml.load, args.model_file)
  local meta = model.meta or {}
  if not meta.definition then
    cli.fail(args.model_file .. ": the model has no custan feature definition (was it saved by " ..
      "churn.lua?)")
  end
  local definition = try(churn.features_from_source, meta.definition.source, meta.definition.name)
  local customers, ids, id_name, info
  if meta.input == "transactions" then
    customers, info = read_transactions(args.input, nil, args.cutoff)
    ids, id_name = customers:col("customer"), meta.id or "customer"
  else
    customers = read_table(args.input)
    id_name = args.id or meta.id or customers:names()[1]
    if not customers:has(id_name) then cli.fail(string.format("%s: no id column '%s'", args.input, id_name)) end
    ids = customers:col(id_name)
  end
  local X, names = featurize(customers, definition, meta.state, meta.state and meta.state.window,
    args.input)
  check_values(X, names, ids, args.input, model.kind ~= "logistic")
  local prob = try(model.predict, model, X)
  local out = custan.frame({[id_name] = ids, churn_probability = prob,
                            risk_tier = churn.tiers(prob, tiers)}, {id_name, "churn_probability", "risk_tier"})
  local result = {input = args.input, model_file = args.model_file, model = model.kind,
                  customers = out:nrows(), mean_probability = prob:mean(),
                  cutoff = info and info.cutoff or nil}
  local label = args.label or meta.label
  if meta.input ~= "transactions" and label and customers:has(label) then
    local y = try(ml.labels, customers, label)
    result.evaluation = try(ml.evaluate, y, prob, {threshold = args.threshold})
    result.evaluation.lift, result.evaluation.calibration = nil, nil
  end
  say(string.format("scored %s customers of %s with %s (%s)", util.commas(out:nrows()), args.input,
    args.model_file, model.kind))
  if result.evaluation then
    local ev = result.evaluation
    say(string.format("against '%s': ROC AUC %.4f, PR AUC %.4f, log loss %.4f, Brier %.4f",
      label, ev.roc_auc or 0 / 0, ev.pr_auc or 0 / 0, ev.log_loss or 0 / 0, ev.brier or 0 / 0))
  end
  if dir then
    cli.write_results(dir, {{"scores.csv", out}}, result, say)
  else
    say(out:preview(10))
  end
  cli.print_json(args, result)
  return
end

-- ========================================================================= training ==
local definition
local customers, info, id_name, y
if args.label then
  customers = read_table(args.input)
  id_name = args.id or customers:names()[1]
  if not customers:has(id_name) then cli.fail(string.format("%s: no id column '%s'", args.input, id_name)) end
  y = try(ml.labels, customers, args.label)
  definition = args.features and try(churn.load_features, args.features)
    or try(churn.table_features, customers, id_name, args.label)
else
  customers, info = read_transactions(args.input, args.window, args.cutoff)
  id_name = "customer"
  y = customers:col("churned"):cast("float64")
  definition = try(churn.load_features, args.features)
end
local ids = customers:col(id_name)
local n, churners = y:len(), y:sum()
if churners == 0 or churners == n then
  cli.fail(string.format("%s: all %d customers are %s; a model needs both classes", args.input, n,
    churners == 0 and "retained" or "churned"))
end
if math.min(churners, n - churners) < 4 then
  cli.fail(string.format("%s: only %d customers in the smaller class", args.input,
    math.min(churners, n - churners)))
end

-- split, features ----------------------------------------------------------------------
local is_test = ml.split(y, args.test_size, args.seed)
local train_rows, test_rows = customers:filter(~is_test), customers:filter(is_test)
local y_train, y_test = y:filter(~is_test), y:filter(is_test)
local window = not args.label and args.window or nil
local X_train, names, state = featurize(train_rows, definition, nil, window, args.input)
local X_test = featurize(test_rows, definition, state, window, args.input)
local X_all = featurize(customers, definition, state, window, args.input)

local kinds = args.model == "all" and ml.kinds or {args.model}
local needs_complete = false
for _, k in ipairs(kinds) do needs_complete = needs_complete or k == "logistic" end
check_values(X_all, names, ids, args.input, not needs_complete)

local options = {
  logistic = {penalty = args.penalty, C = args.C},
  xgboost = {rounds = args.rounds, max_depth = args.max_depth, eta = args.eta},
  forest = {max_depth = args.max_depth},
}
for _, o in pairs(options) do o.seed = args.seed end
local grid
if args.grid then
  local path = args.grid[1] or churn.default_path("grid")
  grid = try(util.load_lua, path, "grid")
end

-- the training rows the models see: as they are (class weights), or with
-- SMOTE's synthetic churners or stayers
local fit_X, fit_y = X_train, y_train
if args.smote then
  fit_X, fit_y = try(ml.smote, X_train, names, y_train, {seed = args.seed, label = "__label"})
  for _, o in pairs(options) do o.class_weight = "none" end
end

-- models --------------------------------------------------------------------------------
local result = {
  input = args.input, customers = n, churners = churners, churn_rate = churners / n,
  cutoff = info and info.cutoff or nil, window = window, window_end = info and info.window_end,
  label = args.label or "churned", features = names, seed = args.seed,
  split = {train = y_train:len(), test = y_test:len(), test_size = args.test_size,
           stratified = true},
  balancing = args.smote and "smote" or "class weights (balanced)",
  models = {},
}
local trained, order = {}, {}
for _, kind in ipairs(kinds) do
  cli.progress(args, "training " .. kind)
  local o = options[kind]
  local entry = {}
  if grid and grid[kind] then
    local search = {folds = args.cv > 0 and args.cv or 5}
    for k, v in pairs(o) do search[k] = v end
    local best, rows = try(ml.grid_search, kind, fit_X, names, fit_y, grid[kind], search)
    entry.grid = rows
    for k, v in pairs(best) do o[k] = v end
    o.folds = nil
  end
  if args.cv > 0 then
    local co = {folds = args.cv, seed = args.seed}
    for k, v in pairs(o) do co[k] = v end
    local cv = try(ml.cross_validate, kind, fit_X, names, fit_y, co)
    entry.cv_auc, entry.cv_sd, entry.cv_folds = cv.mean, cv.sd, cv.folds
  end
  local model = try(ml.train, kind, fit_X, names, fit_y, o)
  local prob = try(model.predict, model, X_test)
  entry.test = try(ml.evaluate, y_test, prob, {threshold = args.threshold})
  entry.permutation_importance = ml.permutation_importance(model, X_test, y_test,
    {repeats = args.importance_repeats, seed = args.seed})
  if model.booster then entry.gain_importance = model:gain_importance("total_gain") end
  if kind == "logistic" then
    entry.coefficients = model:coefficients()
    entry.intercept, entry.converged, entry.iterations = model.intercept, model.converged, model.iterations
  else
    entry.params = model.params
  end
  result.models[kind] = entry
  trained[kind] = model
  order[#order + 1] = kind
end

-- the CLV model's expected purchases used alone, as a score (fewer expected
-- purchases, more likely to churn)
if X_test:has("expected_purchases") then
  local e = X_test:col("expected_purchases")
  result.baseline = {name = "BG/NBD expected purchases alone",
                     roc_auc = ml.auc(y_test, -e)}
end

-- the best model: highest cross-validated AUC (test AUC without CV)
local best
for _, kind in ipairs(order) do
  local e = result.models[kind]
  local score = args.cv > 0 and e.cv_auc or e.test.roc_auc
  local b = best and (args.cv > 0 and result.models[best].cv_auc or result.models[best].test.roc_auc)
  if not best or score > b then best = kind end
end
result.best = best
local model = trained[best]
local p_test = model:predict(X_test)
result.best_threshold = ml.best_threshold(y_test, p_test, costs)
result.best_threshold.costs = costs
result.best_threshold.customers_scored = y_test:len()

-- scores for every customer ------------------------------------------------------------
local prob = model:predict(X_all)
local tier = churn.tiers(prob, tiers)
local set = is_test:map(function(t) return t and "test" or "train" end, "string")
local scores = custan.frame({[id_name] = ids, churn_probability = prob, risk_tier = tier,
                             churned = y, set = set},
                            {id_name, "churn_probability", "risk_tier", "churned", "set"})
local tier_counts = {}
for _, t in ipairs(tiers) do
  local m = tier:eq(t.name)
  local count = m:sum()
  tier_counts[#tier_counts + 1] = {tier = t.name, min = t.min, customers = count,
    churn_rate = count > 0 and y:filter(m):mean() or nil, action = t.action}
end
result.tiers = tier_counts

if args.save then
  local meta = {definition = {source = definition.source, name = definition.name},
                state = state, input = args.label and "table" or "transactions", id = id_name,
                label = args.label, cutoff = result.cutoff, window = window,
                trained = os.date("!%Y-%m-%dT%H:%M:%SZ")}
  local ok, err = pcall(model.save, model, args.save, meta)
  if not ok then cli.fail(err) end
  result.saved = args.save
end

-- report ------------------------------------------------------------------------------
local function f4(v) return v and string.format("%.4f", v) or "-" end
say(string.format("%s: %s customers, %s churned (%.1f%%)%s", args.input, util.commas(n),
  util.commas(churners), 100 * churners / n,
  info and string.format("; cut-off %s, window %d days to %s", info.cutoff, window, info.window_end) or ""))
say(string.format("split: %d train, %d test (stratified, seed %d); %s; %d features",
  y_train:len(), y_test:len(), args.seed, result.balancing, #names))
say("")
local rows = {}
for _, kind in ipairs(order) do
  local e = result.models[kind]
  rows[#rows + 1] = {model = kind .. (kind == best and " *" or ""),
    cv_auc = e.cv_auc and string.format("%.4f ± %.4f", e.cv_auc, e.cv_sd) or "-",
    test_auc = f4(e.test.roc_auc), pr_auc = f4(e.test.pr_auc), log_loss = f4(e.test.log_loss),
    brier = f4(e.test.brier), f1 = f4(e.test.f1)}
end
if result.baseline then
  rows[#rows + 1] = {model = "BG/NBD E[purchases] alone", cv_auc = "-",
    test_auc = f4(result.baseline.roc_auc), pr_auc = "-", log_loss = "-", brier = "-", f1 = "-"}
end
say(custan.from_rows(rows, {"model", "cv_auc", "test_auc", "pr_auc", "log_loss", "brier", "f1"}):preview(20))
local be = result.models[best].test
say("")
say(string.format("best: %s.  At threshold %.2f: accuracy %.3f, precision %.3f, recall %.3f, F1 %.3f",
  best, be.threshold, be.accuracy, be.precision, be.recall, be.f1))
say(string.format("confusion (test): %d churners caught, %d missed; %d false alarms, %d correctly kept",
  be.confusion.tp, be.confusion.fn, be.confusion.fp, be.confusion.tn))
local bt = result.best_threshold
if bt.threshold then
  say(string.format("profit-optimal threshold %.3f: contact %d of %d test customers, expected " ..
    "profit %.2f (costs: contact %.2f, save rate %.2f, value %.2f, offer %.2f)", bt.threshold,
    bt.contacted, y_test:len(), bt.profit, costs.contact or 0, costs.save_rate or 1,
    costs.saved_value or 0, costs.offer_cost or 0))
else
  say("profit-optimal threshold: none; under the cost table no contact pays")
end
say("")
say("lift by decile (test, best model):")
local lift_rows = {}
for _, l in ipairs(be.lift) do
  lift_rows[#lift_rows + 1] = {decile = l.group, customers = l.rows, churners = l.positives,
    rate = string.format("%.3f", l.rate), lift = f4(l.lift), cumulative_gain = f4(l.gain)}
end
local lift_frame = custan.from_rows(lift_rows, {"decile", "customers", "churners", "rate", "lift",
  "cumulative_gain"})
say(lift_frame:preview(10))
say("")
say("importance (test AUC lost when the feature is shuffled):")
local imp_rows = {}
for _, kind in ipairs(order) do
  local e = result.models[kind]
  local gain = {}
  for _, g in ipairs(e.gain_importance or {}) do gain[g.feature] = g.importance end
  for _, r in ipairs(e.permutation_importance) do
    imp_rows[#imp_rows + 1] = {model = kind, feature = r.feature, permutation = r.importance,
                               permutation_sd = r.sd, gain = gain[r.feature]}
  end
end
local importance = custan.from_rows(imp_rows, {"model", "feature", "permutation",
  "permutation_sd", "gain"})
local top = {}
for _, r in ipairs(result.models[best].permutation_importance) do
  if #top < 8 then top[#top + 1] = string.format("%s %.4f", r.feature, r.importance) end
end
say("  " .. best .. ": " .. table.concat(top, ", "))
if result.models.logistic then
  say("")
  say("logistic regression: odds ratio per standard deviation of each feature")
  local parts = {}
  for _, c in ipairs(result.models.logistic.coefficients) do
    parts[#parts + 1] = string.format("%s %.3f", c.feature, c.odds_ratio_std)
  end
  say("  " .. table.concat(parts, ", "))
end
say("")
local tier_parts = {}
for _, t in ipairs(tier_counts) do
  tier_parts[#tier_parts + 1] = string.format("%s %s", t.tier, util.commas(t.customers))
end
say("risk tiers: " .. table.concat(tier_parts, ", "))

if dir then
  local cal_rows = {}
  for _, c in ipairs(be.calibration) do cal_rows[#cal_rows + 1] = c end
  local model_rows = {}
  for _, kind in ipairs(order) do
    local e = result.models[kind]
    model_rows[#model_rows + 1] = {model = kind, best = kind == best, cv_auc = e.cv_auc,
      cv_sd = e.cv_sd, roc_auc = e.test.roc_auc, pr_auc = e.test.pr_auc,
      log_loss = e.test.log_loss, brier = e.test.brier, accuracy = e.test.accuracy,
      precision = e.test.precision, recall = e.test.recall, f1 = e.test.f1}
  end
  local coef
  if result.models.logistic then
    coef = custan.from_rows(result.models.logistic.coefficients, {"feature", "coef",
      "odds_ratio", "coef_std", "odds_ratio_std"})
  end
  -- the features as the models saw them, for checks with other tools
  local feature_table = X_all:copy()
  feature_table[id_name] = ids
  feature_table.churned = y
  feature_table.set = set
  local fnames = {id_name}
  for _, nm in ipairs(names) do fnames[#fnames + 1] = nm end
  fnames[#fnames + 1] = "churned"
  fnames[#fnames + 1] = "set"
  cli.write_results(dir, {
    {"scores.csv", scores},
    {"models.csv", custan.from_rows(model_rows, {"model", "best", "cv_auc", "cv_sd", "roc_auc",
      "pr_auc", "log_loss", "brier", "accuracy", "precision", "recall", "f1"})},
    {"lift.csv", custan.from_rows(be.lift, {"group", "rows", "positives", "rate", "mean_score",
      "lift", "gain"})},
    {"calibration.csv", custan.from_rows(cal_rows, {"bin", "from", "to", "rows",
      "mean_predicted", "observed"})},
    {"importance.csv", importance},
    {"coefficients.csv", coef},
    {"features.csv", feature_table:select(fnames)},
  }, result, say)
end
if result.saved then say("saved the " .. best .. " model to " .. result.saved) end
cli.print_json(args, result)
