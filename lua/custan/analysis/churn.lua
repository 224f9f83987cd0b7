--- Churn analysis: labels from a transaction log (cut-off and window) or
-- a label column, features from an editable Lua table, models trained,
-- cross-validated and judged on a stratified test split, every customer
-- scored by the best; and scoring with a saved model.  Returns result
-- documents; prints nothing.
-- @module custan.analysis.churn

local custan = require "custan"
local churn = require "custan.churn"
local ml = require "custan.ml"
local select = require "custan.models.select"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {window = 90, activity_days = 90, model = "all", cv = 5, test_size = 0.25,
              penalty = "l2", C = 1, threshold = 0.5, importance_repeats = 5, seed = 1}

-- Customers (with churned when a window applies) of a transaction log: a
-- path, or a frame from custan.data.transactions.read.
local function log_customers(input, o, window, cutoff)
  local tx, read = input, {rows = 0, skipped_bad_rows = 0, skipped_lines = {}}
  if type(input) == "string" then tx, read = transactions.read(input, o) end
  local customers, info = churn.customers(tx, {cutoff = cutoff, window = window,
                                               activity_days = o.activity_days,
                                               partitioned = o.partitioned})
  info.read = read
  return customers, info, tx
end

local function read_table(input, o)
  if type(input) ~= "string" then return input end
  return custan.read_csv(input, transactions.file_options(o))
end

-- Features of customers under a definition; fails naming the input.
local function featurize(customers, definition, state, window, where)
  local ok, frame, names, st = pcall(churn.build, customers, definition, state, {window = window})
  if not ok then error(where .. ": " .. tostring(frame), 0) end
  return frame, names, st
end

local function check_values(frame, names, ids, where, allow_missing)
  if allow_missing then return end
  local bad = churn.find_bad_value(frame, names, ids)
  if bad then error(where .. ": " .. bad, 0) end
end

local function with_defaults(options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  return o
end

--- Scores customers with a saved model.
-- @tparam string|frame input a transaction log (when the model was trained
--   on one) or a customer table
-- @tparam table options the reader's, `model_file` (required), `tiers`
--   (file), `id`, `label` (evaluate against it), `cutoff`, `threshold`
-- @return result document {kind = "churn_score", summary, tables, scores}
function M.score(input, options)
  local o = with_defaults(options)
  local name = type(input) == "string" and input or "customers"
  local tiers = churn.load_tiers(o.tiers)
  local model = ml.load(o.model_file)
  local meta = model.meta or {}
  if not meta.definition then
    error(o.model_file .. ": the model has no custan feature definition (was it saved by " ..
      "churn.lua?)", 0)
  end
  local definition = churn.definition_from_model(meta.definition, o.model_file)
  local customers, ids, id_name, info
  if meta.input == "transactions" then
    customers, info = log_customers(input, o, nil, o.cutoff)
    ids, id_name = customers:col("customer"), meta.id or "customer"
  else
    customers = read_table(input, o)
    id_name = o.id or meta.id or customers:names()[1]
    if not customers:has(id_name) then error(string.format("%s: no id column '%s'", name, id_name), 0) end
    ids = customers:col(id_name)
  end
  local X, names = featurize(customers, definition, meta.state, meta.state and meta.state.window, name)
  check_values(X, names, ids, name, not ml.kind(model.kind).needs_complete_rows)
  local prob = model:predict(X)
  local out = custan.frame({[id_name] = ids, churn_probability = prob,
                            risk_tier = churn.tiers(prob, tiers)}, {id_name, "churn_probability", "risk_tier"})
  local summary = {input = name, model_file = o.model_file, model = model.kind,
                   customers = out:nrows(), mean_probability = prob:mean(),
                   cutoff = info and info.cutoff or nil,
                   skipped_bad_rows = info and info.read.skipped_bad_rows or nil}
  local label = o.label or meta.label
  if meta.input ~= "transactions" and label and customers:has(label) then
    local y = ml.labels(customers, label)
    summary.evaluation = ml.evaluate(y, prob, {threshold = o.threshold})
    summary.evaluation.lift, summary.evaluation.calibration = nil, nil
    summary.label = label
  end
  return {kind = "churn_score", summary = summary, warnings = {}, scores = out, info = info,
          tables = {{"scores.csv", out}}}
end

-- Trains one kind of model; returns the model and its report entry.
local function train_one(kind, o, options, grid, X_train, y_train, fit_X, names, fit_y, X_test, y_test)
  local entry = {}
  if grid and grid[kind] then
    local search = {folds = o.cv > 0 and o.cv or 5, smote = o.smote}
    for k, v in pairs(options) do search[k] = v end
    local best, rows = ml.grid_search(kind, X_train, names, y_train, grid[kind], search)
    entry.grid = rows
    for k, v in pairs(best) do options[k] = v end
    options.folds = nil
  end
  if o.cv > 0 then
    local co = {folds = o.cv, seed = o.seed, smote = o.smote}
    for k, v in pairs(options) do co[k] = v end
    local cv = ml.cross_validate(kind, X_train, names, y_train, co)
    entry.cv_auc, entry.cv_sd, entry.cv_folds = cv.mean, cv.sd, cv.folds
  end
  local model = ml.train(kind, fit_X, names, fit_y, options)
  local prob = model:predict(X_test)
  entry.test = ml.evaluate(y_test, prob, {threshold = o.threshold})
  entry.permutation_importance = ml.permutation_importance(model, X_test, y_test,
    {repeats = o.importance_repeats, seed = o.seed})
  for k, v in pairs(model:describe()) do entry[k] = v end
  return model, entry
end

-- The tables of a training result, for --output.
local function result_tables(doc)
  local s, best = doc.summary, doc.summary.best
  local be = s.models[best].test
  local model_rows = {}
  for _, kind in ipairs(doc.order) do
    local e = s.models[kind]
    model_rows[#model_rows + 1] = {model = kind, best = kind == best, cv_auc = e.cv_auc,
      cv_sd = e.cv_sd, roc_auc = e.test.roc_auc, pr_auc = e.test.pr_auc,
      log_loss = e.test.log_loss, brier = e.test.brier, accuracy = e.test.accuracy,
      precision = e.test.precision, recall = e.test.recall, f1 = e.test.f1}
  end
  local coef
  if s.models.logistic then
    coef = custan.from_rows(s.models.logistic.coefficients, {"feature", "coef",
      "odds_ratio", "coef_std", "odds_ratio_std"})
  end
  return {
    {"scores.csv", doc.scores},
    {"current_scores.csv", doc.current},
    {"models.csv", custan.from_rows(model_rows, {"model", "best", "cv_auc", "cv_sd", "roc_auc",
      "pr_auc", "log_loss", "brier", "accuracy", "precision", "recall", "f1"})},
    {"lift.csv", custan.from_rows(be.lift, {"group", "rows", "positives", "rate", "mean_score",
      "lift", "gain"})},
    {"calibration.csv", custan.from_rows(be.calibration, {"bin", "from", "to", "rows",
      "mean_predicted", "observed"})},
    {"importance.csv", doc.importance},
    {"coefficients.csv", coef},
    {"features.csv", doc.features},
  }
end

--- Trains, compares and evaluates churn models and scores every customer.
-- @tparam string|frame input a transaction log (a path, or a frame from
--   custan.data.transactions.read) or, with `label`, a customer table
-- @tparam[opt] table options the reader's, `cutoff`, `window` (days, 90),
--   `label`, `id`, `activity_days`, `model` ("logistic" | "xgboost" |
--   "forest" | "all"), `cv`, `test_size`, `features`, `tiers`, `costs`,
--   `grid` (true or a file), `smote`, `penalty`, `C`, `rounds`,
--   `max_depth`, `eta`, `threshold`, `importance_repeats`, `seed`,
--   `xgboost_collective` (under mpirun: the trees trained by XGBoost's own
--   collective, each rank on its run of the rows, instead of on rank 0)
-- @return result document {kind = "churn", summary, tables, model, scores, ...}
function M.train(input, options)
  local o = with_defaults(options)
  local name = type(input) == "string" and input or "customers"
  local tiers = churn.load_tiers(o.tiers)
  local costs = churn.load_costs(o.costs)
  local definition, customers, info, id_name, y, tx
  if o.label then
    customers = read_table(input, o)
    id_name = o.id or customers:names()[1]
    if not customers:has(id_name) then error(string.format("%s: no id column '%s'", name, id_name), 0) end
    y = ml.labels(customers, o.label)
    definition = o.features and churn.load_features(o.features)
      or churn.table_features(customers, id_name, o.label)
  else
    customers, info, tx = log_customers(input, o, o.window, o.cutoff)
    id_name = "customer"
    y = customers:col("churned"):cast("float64")
    definition = churn.load_features(o.features)
  end
  local ids = customers:col(id_name)
  local n, churners = y:len(), y:sum()
  if churners == 0 or churners == n then
    error(string.format("%s: all %d customers are %s; a model needs both classes", name, n,
      churners == 0 and "retained" or "churned"), 0)
  end
  if math.min(churners, n - churners) < 4 then
    error(string.format("%s: only %d customers in the smaller class", name,
      math.min(churners, n - churners)), 0)
  end

  local is_test = ml.split(y, o.test_size, o.seed)
  local train_rows, test_rows = customers:filter(~is_test), customers:filter(is_test)
  local y_train, y_test = y:filter(~is_test), y:filter(is_test)
  local window = not o.label and o.window or nil
  local X_train, names, state = featurize(train_rows, definition, nil, window, name)
  local X_test = featurize(test_rows, definition, state, window, name)
  local X_all = featurize(customers, definition, state, window, name)

  -- a feature that alone separates the classes on the training rows is
  -- most likely the label in disguise (a cancellation date, a status)
  local warnings = {}
  for _, f in ipairs(names) do
    local x = X_train:col(f)
    if x:nmissing() == 0 then
      local auc = ml.auc(y_train, x)
      if auc and math.max(auc, 1 - auc) >= 0.99 then
        warnings[#warnings + 1] = string.format("the feature '%s' alone separates churners from " ..
          "the others (AUC %.3f on the training rows): is it the label in disguise?", f,
          math.max(auc, 1 - auc))
      end
    end
  end

  local kinds = o.model == "all" and ml.kinds or {o.model}
  local needs_complete = false
  for _, k in ipairs(kinds) do needs_complete = needs_complete or ml.kind(k).needs_complete_rows end
  check_values(X_all, names, ids, name, not needs_complete)

  local per_kind = {
    logistic = {penalty = o.penalty, C = o.C},
    -- collective: under mpirun, XGBoost's own collective instead of rank 0
    xgboost = {rounds = o.rounds, max_depth = o.max_depth, eta = o.eta,
               collective = o.xgboost_collective},
    forest = {max_depth = o.max_depth, collective = o.xgboost_collective},
  }
  for _, po in pairs(per_kind) do po.seed = o.seed end
  local grid
  if o.grid then
    grid = churn.load_grid(o.grid ~= true and o.grid or nil)
  end
  -- the training rows the final models see: as they are (class weights),
  -- or with SMOTE's synthetic churners or stayers; cross-validation and
  -- the grid oversample inside each fold instead (train_one), so no
  -- synthetic row made from a validation row's neighbours is validated on
  local fit_X, fit_y = X_train, y_train
  if o.smote then
    fit_X, fit_y = ml.smote(X_train, names, y_train, {seed = o.seed, label = "__label"})
    for _, po in pairs(per_kind) do po.class_weight = "none" end
  end

  local summary = {
    input = name, customers = n, churners = churners, churn_rate = churners / n,
    cutoff = info and info.cutoff or nil, window = window, window_end = info and info.window_end,
    skipped_bad_rows = info and info.read.skipped_bad_rows or nil,
    label = o.label or "churned", features = names, seed = o.seed,
    split = {train = y_train:len(), test = y_test:len(), test_size = o.test_size, stratified = true},
    balancing = o.smote and "smote" or "class weights (balanced)",
    models = {},
    ids_left_out = definition.ids_left_out,
  }
  local trained, order = {}, {}
  for _, kind in ipairs(kinds) do
    if o.progress then o.progress("training " .. kind) end
    local model, entry = train_one(kind, o, per_kind[kind], grid, X_train, y_train, fit_X, names,
      fit_y, X_test, y_test)
    summary.models[kind] = entry
    trained[kind] = model
    order[#order + 1] = kind
  end
  -- the CLV model's expected purchases used alone, as a score (fewer
  -- expected purchases, more likely to churn)
  if X_test:has("expected_purchases") then
    summary.baseline = {name = "BG/NBD expected purchases alone",
                        roc_auc = ml.auc(y_test, -X_test:col("expected_purchases"))}
  end
  -- the best model: highest cross-validated AUC (test AUC without CV)
  local best = select.best(order, {higher = true, score = function(kind)
    local e = summary.models[kind]
    return o.cv > 0 and e.cv_auc or e.test.roc_auc
  end}) or order[1]
  summary.best = best
  local model = trained[best]
  local p_test = model:predict(X_test)
  summary.best_threshold = ml.best_threshold(y_test, p_test, costs)
  summary.best_threshold.costs = costs
  summary.best_threshold.customers_scored = y_test:len()

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
  summary.tiers = tier_counts

  local imp_rows = {}
  for _, kind in ipairs(order) do
    local e = summary.models[kind]
    local gain = {}
    for _, g in ipairs(e.gain_importance or {}) do gain[g.feature] = g.importance end
    for _, r in ipairs(e.permutation_importance) do
      imp_rows[#imp_rows + 1] = {model = kind, feature = r.feature, permutation = r.importance,
                                 permutation_sd = r.sd, gain = gain[r.feature]}
    end
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

  -- every customer as of the log's end (or `as_of`): the scores to act on,
  -- from the features the model was trained on, moved forward in time
  local current
  if tx then
    local now, now_info = churn.customers(tx, {cutoff = o.as_of, activity_days = o.activity_days,
                                               partitioned = o.partitioned})
    local X_now = featurize(now, definition, state, window, name)
    check_values(X_now, names, now:col("customer"), name, not needs_complete)
    local p_now = model:predict(X_now)
    current = custan.frame({customer = now:col("customer"), churn_probability = p_now,
      risk_tier = churn.tiers(p_now, tiers)}, {"customer", "churn_probability", "risk_tier"})
    summary.scored_as_of = now_info.cutoff
    summary.current_customers = now:nrows()
    summary.current_churn_rate = p_now:mean() -- the expected share churning in the next window
  end

  local doc = {
    kind = "churn", summary = summary, warnings = warnings, info = info, order = order,
    current = current, definition = definition, state = state,
    model = model, trained = trained, scores = scores, y_test = y_test,
    importance = custan.from_rows(imp_rows, {"model", "feature", "permutation", "permutation_sd",
      "gain"}),
    features = feature_table:select(fnames),
    -- what a saved model carries besides its weights: data, never code
    meta = {definition = churn.definition_for_model(definition),
            state = state, input = o.label and "table" or "transactions", id = id_name,
            label = o.label, cutoff = summary.cutoff, window = window},
  }
  doc.tables = result_tables(doc)
  return doc
end

return M
