--- Binary classifiers and their evaluation: regularised logistic regression
-- (a custan C kernel), gradient-boosted trees and random forests (XGBoost's
-- C API), SMOTE, seeded stratified splits and folds, cross-validation, grid
-- search, permutation importance, and the metrics of docs/models.md.
--
-- A model is trained on a frame, a list of numeric feature columns and a
-- label column (bool, or numbers 0 and 1); it predicts P(label = 1) for
-- the rows of any frame that has the same feature columns.
-- @module custan.ml

local core = require "custan.core.ml"
local custan = require "custan"
local json = require "custan.json"
local util = require "custan.util"

local M = {}

local trees = require "custan.models.xgboost"

--- The model kinds, by name: each a table of train, predict, save, claims
-- and load (custan.models.logistic, custan.models.xgboost).  Add one with
-- M.register; `M.kinds` lists the names in the order "all" trains them.
M.registry = {logistic = require "custan.models.logistic", xgboost = trees.xgboost,
              forest = trees.forest}
M.kinds = {"logistic", "xgboost", "forest"}

--- Adds a model kind (see docs/architecture.md, "Add an ML kind").
-- @tparam string name
-- @tparam table kind with train(m, cols, y, w, o), predict(m, cols),
--   save(m, info, json) -> text, claims(doc, text) -> bool,
--   load(doc, text, where) -> fields, and optionally describe(m) -> fields
--   for reports and needs_complete_rows (true: no missing feature values)
function M.register(name, kind)
  for _, f in ipairs{"train", "predict", "save", "claims", "load"} do
    if type(kind[f]) ~= "function" then
      error(string.format("ml.register: kind '%s' needs a %s function", name, f), 2)
    end
  end
  if not M.registry[name] then M.kinds[#M.kinds + 1] = name end
  M.registry[name] = kind
end

--- The kind table of a name (raises listing the known kinds).
function M.kind(name)
  return M.registry[name] or error(string.format("unknown model '%s' (%s)", tostring(name),
    table.concat(M.kinds, ", ")), 0)
end

local kind_of = M.kind

--- XGBoost parameters of each tree model when none are given (see
-- docs/models.md; XGBoost's own defaults except where noted).
M.defaults = {xgboost = trees.xgboost.defaults, forest = trees.forest.defaults}

local Model = {}
Model.__index = Model
M.Model = Model

-- Importance rows high to low, ties by feature name (the same order every run).
local function by_importance(a, b)
  if a.importance ~= b.importance then return a.importance > b.importance end
  return a.feature < b.feature
end

-- The feature columns of a frame, checked.
local function columns(frame, features, where)
  local cols = {}
  for i, name in ipairs(features) do
    if not frame:has(name) then
      error(string.format("%sno feature column '%s' (columns: %s)", where or "", name,
        table.concat(frame:names(), ", ")), 0)
    end
    cols[i] = frame:col(name)
  end
  return cols
end
M.columns = columns

--- Text labels read as churned and as retained (compared without case).
M.positive_labels = {"1", "true", "yes", "y", "churned", "churn"}
M.negative_labels = {"0", "false", "no", "n", "retained", "active", "stayed"}

--- The label as a float64 column of 0 and 1: a bool column, a numeric
-- column of 0 and 1, or a text column: 1 where the value is in `positive`
-- (compared without case); without `positive`, every value must be one of
-- M.positive_labels or M.negative_labels, and others are an error naming them.
function M.labels(frame, name, positive)
  if not frame:has(name) then
    error(string.format("no label column '%s' (columns: %s)", name,
      table.concat(frame:names(), ", ")), 0)
  end
  local c = frame:col(name)
  local missing = c:nmissing()
  if missing > 0 then
    error(string.format("the label column '%s' has %d missing values", name, missing), 0)
  end
  if c:type() == "string" then
    -- text labels, compared without case: with the caller's `positive`
    -- values the rest are negatives; otherwise every value must be a known
    -- churned or retained word, or "YES" could silently count as retained
    local yes, pos, neg = {}, {}, {}
    for _, v in ipairs(positive or M.positive_labels) do pos[v:lower()] = true end
    for _, v in ipairs(M.negative_labels) do neg[v:lower()] = true end
    local unknown = {}
    for _, v in ipairs(c:lower():unique():to_table()) do
      if not positive and not pos[v] and not neg[v] then unknown[#unknown + 1] = v end
    end
    if #unknown > 0 then
      table.sort(unknown)
      error(string.format("the label column '%s' holds values that are neither churned (%s) nor " ..
        "retained (%s): %s", name, table.concat(M.positive_labels, ", "),
        table.concat(M.negative_labels, ", "), table.concat(unknown, ", ")), 0)
    end
    for v in pairs(pos) do yes[#yes + 1] = v end
    table.sort(yes)
    c = c:lower():isin(yes)
  end
  if c:type() == "bool" then return c:cast("float64") end
  c = c:cast("float64")
  local bad = (c:ne(0) & c:ne(1)):sum()
  if bad > 0 then
    error(string.format("the label column '%s' must hold 0 and 1 (or true and false); " ..
      "%d rows hold other values", name, bad), 0)
  end
  return c
end

--- Balanced class weights, n / (2 n_class), as scikit-learn's
-- class_weight="balanced".
-- @return weight column, {w0, w1}
function M.balanced_weights(y)
  local n, pos = y:len(), y:sum()
  if pos == 0 or pos == n then error("the labels hold only one class", 0) end
  local w1, w0 = n / (2 * pos), n / (2 * (n - pos))
  return y * (w1 - w0) + w0, {w0, w1}
end

local function weights_for(y, o)
  if o.weights == false or o.class_weight == "none" then return nil, nil end
  if o.weights then return o.weights, nil end
  return M.balanced_weights(y)
end

--- Trains a model.
-- @tparam string kind "logistic", "xgboost" or "forest"
-- @tparam frame frame training rows
-- @tparam table features feature column names
-- @tparam column y labels (M.labels)
-- @tparam[opt] table options
--   `class_weight` ("balanced", the default, or "none"), `weights` (a
--   column; replaces class weights), `seed`, `threads`;
--   logistic: `penalty` ("l2", "l1" or "none"), `C` (1), `standardize`
--   (true), `max_iter`, `tol`;
--   xgboost and forest: `rounds` and any XGBoost parameter by its name
--   (eta, max_depth, subsample, colsample_bytree, colsample_bynode,
--   min_child_weight, lambda, alpha, gamma, num_parallel_tree, max_bin, ...),
--   over M.defaults[kind]
-- @return model
function M.train(kind, frame, features, y, options)
  local o = options or {}
  local cols = columns(frame, features)
  local w, cw = weights_for(y, o)
  -- trained on re-weighted classes, a model's odds are off by w1 / w0:
  -- predictions are corrected back (King and Zeng 2001's prior correction)
  local offset = cw and math.log(cw[1] / cw[2]) or 0
  local k = kind_of(kind)
  local m = setmetatable({kind = kind, features = features, logit_offset = offset,
                          class_weight = cw and "balanced" or "none"}, Model)
  k.train(m, cols, y, w, o)
  return m
end

--- P(label = 1) of each row of a frame with the model's feature columns.
function Model:predict(frame)
  local cols = columns(frame, self.features)
  local p = kind_of(self.kind).predict(self, cols)
  if self.logit_offset ~= 0 then
    local k = math.exp(self.logit_offset)
    p = p * k / (1 - p + p * k)
  end
  return p
end

--- What a report says of the model (its kind's describe: coefficients,
-- parameters, importance), or {}.
function Model:describe()
  local k = kind_of(self.kind)
  return k.describe and k.describe(self) or {}
end

--- Coefficients and odds ratios of a logistic model, one row per feature:
-- coef (per unit), odds_ratio (per unit), coef_std and odds_ratio_std (per
-- standard deviation), and se, z and p_value when the fit is unpenalised.
function Model:coefficients()
  if self.kind ~= "logistic" then error("coefficients: only a logistic model has them", 2) end
  local rows = {}
  for j, name in ipairs(self.features) do
    local r = {feature = name, coef = self.coef[j], odds_ratio = math.exp(self.coef[j]),
               coef_std = self.coef_std[j], odds_ratio_std = math.exp(self.coef_std[j])}
    if self.se then
      r.se = self.se[j + 1]
      r.z = r.coef / r.se
      r.p_value = 2 * core.normal_sf(math.abs(r.z))
    end
    rows[j] = r
  end
  return rows
end

--- XGBoost's importance of each feature ("total_gain" by default; "gain",
-- "weight", "cover", "total_cover"), normalised to sum to 1, as
-- {feature, importance} sorted high to low; features the trees never
-- split on get 0.
function Model:gain_importance(type_name)
  if not self.booster then error("gain_importance: only tree models have it", 2) end
  local raw = self.booster:importance(type_name or "total_gain")
  local total = 0
  for _, v in pairs(raw) do total = total + v end
  local rows = {}
  for _, name in ipairs(self.features) do
    rows[#rows + 1] = {feature = name, importance = total > 0 and (raw[name] or 0) / total or 0}
  end
  table.sort(rows, by_importance)
  return rows
end

-- ------------------------------------------------------------- metrics --

local function finite(v)
  if v ~= v or v == math.huge or v == -math.huge then return nil end
  return v
end

--- The profit of contacting everyone scoring at or above each threshold,
-- from a cost table: `contact` (cost per customer contacted),
-- `saved_value` (value kept when a churner is saved), `save_rate` (share
-- of contacted churners who stay; 1 if not given), and optionally
-- `offer_cost` (paid by each contacted customer who accepts; counted for
-- saved churners).
-- @return {threshold, profit, contacted, churners_contacted} at the best
--   threshold, and the baseline profit of contacting no one (0)
function M.best_threshold(y, p, costs)
  local thr, tp, fp = core.curve(y, p)
  local c = costs or {}
  local contact, value = c.contact or 0, c.saved_value or 0
  local rate, offer = c.save_rate or 1, c.offer_cost or 0
  local best = {threshold = math.huge, profit = 0, contacted = 0, churners_contacted = 0}
  local tps, fps, ts = tp:to_table(), fp:to_table(), thr:to_table()
  for k = 1, #ts do
    local profit = tps[k] * rate * (value - offer) - (tps[k] + fps[k]) * contact
    if profit > best.profit then
      best = {threshold = ts[k], profit = profit, contacted = tps[k] + fps[k],
              churners_contacted = tps[k]}
    end
  end
  if best.threshold == math.huge then best.threshold = nil end
  return best
end

--- Evaluation of scores against labels.
-- @tparam column y labels
-- @tparam column p predicted probabilities
-- @tparam[opt] table options `threshold` (0.5), `costs` (M.best_threshold),
--   `groups` (10, for lift and gain), `bins` (10, for the calibration table)
-- @return roc_auc, pr_auc (average precision), log_loss, brier, accuracy,
--   precision, recall, f1, confusion {tp, fp, tn, fn}, threshold,
--   calibration, lift (per decile: rows, positives, rate, lift,
--   cumulative gain), positives, rows, and best_threshold when costs are
--   given
function M.evaluate(y, p, options)
  local o = options or {}
  local m = core.metrics(y, p)
  local thr = o.threshold or 0.5
  local tp, fp, tn, fn = core.confusion(y, p, thr)
  local r = {
    rows = y:len(), positives = m.positives,
    roc_auc = finite(m.roc_auc), pr_auc = finite(m.average_precision),
    log_loss = finite(m.log_loss), brier = finite(m.brier), threshold = thr,
    accuracy = (tp + tn) / math.max(1, tp + fp + tn + fn),
    precision = tp + fp > 0 and tp / (tp + fp) or 0,
    recall = tp + fn > 0 and tp / (tp + fn) or 0,
    confusion = {tp = tp, fp = fp, tn = tn, fn = fn},
  }
  r.f1 = (r.precision + r.recall) > 0 and 2 * r.precision * r.recall / (r.precision + r.recall) or 0
  local base = m.positives / math.max(1, y:len())
  r.lift = {}
  local cum = 0
  for g, row in ipairs(core.score_groups(y, p, o.groups or 10)) do
    cum = cum + row.positives
    local rate = row.rows > 0 and row.positives / row.rows or 0
    r.lift[g] = {group = g, rows = row.rows, positives = row.positives, rate = rate,
                 mean_score = finite(row.mean_score),
                 lift = base > 0 and rate / base or nil,
                 gain = m.positives > 0 and cum / m.positives or nil}
  end
  r.calibration = {}
  local bins = o.bins or 10
  for b, row in ipairs(core.calibration(y, p, bins)) do
    if row.rows > 0 then
      r.calibration[#r.calibration + 1] = {bin = b, from = (b - 1) / bins, to = b / bins,
        rows = row.rows, mean_predicted = row.mean_predicted,
        observed = row.positives / row.rows}
    end
  end
  if o.costs then r.best_threshold = M.best_threshold(y, p, o.costs) end
  return r
end

--- ROC AUC of scores (for quick checks and grid search).
function M.auc(y, p)
  return finite(core.metrics(y, p).roc_auc)
end

-- ---------------------------------------------------- splits and search --

--- A seeded stratified split: a bool column, true for the test rows.
function M.split(y, test_fraction, seed)
  return core.stratified_split(y, test_fraction or 0.25, seed or 1)
end

--- Seeded stratified folds: an int column of folds 1..k.
function M.folds(y, k, seed)
  return core.stratified_folds(y, k or 5, seed or 1)
end

--- Cross-validated AUC of a model kind with given options.
-- @return {mean, sd, folds = {auc...}}
function M.cross_validate(kind, frame, features, y, options) -- options.smote: per fold
  local o = options or {}
  local k = o.folds or 5
  local fold = M.folds(y, k, o.seed)
  local aucs, sum = {}, 0
  for f = 1, k do
    local train, test = fold:ne(f), fold:eq(f)
    local fit_frame, fit_y = frame:filter(train), y:filter(train)
    if o.smote then
      -- oversample inside the fold's training rows only: synthetic rows
      -- made from a test row's neighbours would leak it into training
      fit_frame, fit_y = M.smote(fit_frame, features, fit_y, {seed = o.seed, label = "__label"})
    end
    local model = M.train(kind, fit_frame, features, fit_y, o)
    local auc = M.auc(y:filter(test), model:predict(frame:filter(test)))
    aucs[f] = auc
    sum = sum + (auc or 0)
  end
  local mean, ss = sum / k, 0
  for f = 1, k do ss = ss + ((aucs[f] or 0) - mean) ^ 2 end
  return {mean = mean, sd = math.sqrt(ss / math.max(1, k - 1)), folds = aucs}
end

-- Every combination of a grid {name = {values...}}, in a fixed order.
local function combinations(grid)
  local names = {}
  for k in pairs(grid) do names[#names + 1] = k end
  table.sort(names)
  local out = {{}}
  for _, name in ipairs(names) do
    local values = grid[name]
    if type(values) ~= "table" or #values == 0 then
      error(string.format("grid: '%s' must list at least one value", name), 0)
    end
    local next_out = {}
    for _, partial in ipairs(out) do
      for _, v in ipairs(values) do
        local c = {}
        for k2, v2 in pairs(partial) do c[k2] = v2 end
        c[name] = v
        next_out[#next_out + 1] = c
      end
    end
    out = next_out
  end
  return out
end
M.combinations = combinations

--- Grid search by cross-validated AUC.
-- @tparam table grid {parameter = {values...}} over the base options
-- @return best options, rows {params, mean, sd} in grid order
function M.grid_search(kind, frame, features, y, grid, options)
  local base = options or {}
  local rows, best, best_auc = {}, nil, -math.huge
  for _, combo in ipairs(combinations(grid)) do
    local o = {}
    for k, v in pairs(base) do o[k] = v end
    for k, v in pairs(combo) do o[k] = v end
    local cv = M.cross_validate(kind, frame, features, y, o)
    rows[#rows + 1] = {params = combo, mean = cv.mean, sd = cv.sd}
    if cv.mean > best_auc then best, best_auc = o, cv.mean end
  end
  return best, rows
end

--- Permutation importance: the fall in AUC when one feature's values are
-- shuffled among the rows (seeded), averaged over `repeats` shuffles.
-- @return rows {feature, importance (mean AUC drop), sd} high to low
function M.permutation_importance(model, frame, y, options)
  local o = options or {}
  local repeats, seed = o.repeats or 5, o.seed or 1
  local base = M.auc(y, model:predict(frame))
  local rows = {}
  local n = frame:nrows()
  for j, name in ipairs(model.features) do
    local drops, sum = {}, 0
    for r = 1, repeats do
      local shuffled = frame:copy()
      shuffled[name] = frame:col(name):take(core.permutation(n, seed, j * 1000 + r))
      local d = base - (M.auc(y, model:predict(shuffled)) or base)
      drops[r] = d
      sum = sum + d
    end
    local mean, ss = sum / repeats, 0
    for r = 1, repeats do ss = ss + (drops[r] - mean) ^ 2 end
    rows[#rows + 1] = {feature = name, importance = mean,
                       sd = math.sqrt(ss / math.max(1, repeats - 1))}
  end
  table.sort(rows, by_importance)
  return rows
end

--- SMOTE: adds synthetic rows of the minority class until it is `ratio`
-- (default 1) times the majority (docs/models.md).
-- @tparam[opt] table options `ratio` (1), `k` neighbours (5), `seed` (1),
--   `label` (the label's column name in the result, "label")
-- @return frame of the features and the label (original rows first), and
--   the label column
function M.smote(frame, features, y, options)
  local o = options or {}
  local pos = y:sum()
  local n = y:len()
  local minority_is_pos = pos <= n - pos
  local n_min = minority_is_pos and pos or n - pos
  local n_maj = n - n_min
  local want = math.floor((o.ratio or 1) * n_maj + 0.5) - n_min
  local cols = columns(frame, features)
  local label = o.label or "label"
  local names, old, synthetic = {}, {[label] = y}, {}
  for i, name in ipairs(features) do
    names[i] = name
    old[name] = cols[i]:cast("float64")
  end
  names[#names + 1] = label
  if want <= 0 then return custan.frame(old, names), y end
  local minority = minority_is_pos and y:eq(1) or y:eq(0)
  local new = core.smote(cols, features, minority, o.k or 5, want, o.seed or 1)
  for i, name in ipairs(features) do synthetic[name] = new[i] end
  synthetic[label] = new[1] * 0 + (minority_is_pos and 1.0 or 0.0)
  local out = custan.concat(custan.frame(old, names), custan.frame(synthetic, names))
  return out, out:col(label)
end

-- ------------------------------------------------------- saving models --

--- The model as a document: logistic models as custan JSON, tree models as
-- XGBoost's JSON (loadable by xgboost.Booster(model_file=...)), with
-- custan's part (`meta`, the feature list, the probability correction)
-- stored as the XGBoost attribute "custan".
-- @tparam[opt] table meta anything JSON can hold (the feature definition)
function Model:to_json(meta)
  local info = {format = "custan-model", version = 1, kind = self.kind,
                features = setmetatable(self.features, json.array_mt),
                logit_offset = self.logit_offset, class_weight = self.class_weight,
                meta = meta or self.meta}
  return kind_of(self.kind).save(self, info, json)
end

--- Writes the model (to_json) to a file, atomically.
function Model:save(path, meta)
  local ok, err = util.write_file_atomic(path, self:to_json(meta))
  if not ok then error(err, 0) end
end

--- A model from to_json's text: custan's logistic JSON, or any XGBoost
-- JSON model (one saved by custan keeps its feature list and meta; one
-- from elsewhere must name its features).
function M.from_json(text, where)
  where = where or "model"
  local ok, doc = pcall(json.decode, text)
  if not ok or type(doc) ~= "table" then
    error(string.format("%s: not a JSON model file", where), 0)
  end
  for _, name in ipairs(M.kinds) do
    local k = M.registry[name]
    if k.claims(doc, text) then
      local fields = k.load(doc, text, where)
      fields.kind = fields.kind or name
      return setmetatable(fields, Model)
    end
  end
  error(string.format("%s: neither a custan model nor an XGBoost model", where), 0)
end

--- Reads a model file written by Model:save.
function M.load(path)
  local f, err = io.open(path, "rb")
  if not f then error(err, 0) end
  local text = f:read("a")
  f:close()
  return M.from_json(text, path)
end

return M
