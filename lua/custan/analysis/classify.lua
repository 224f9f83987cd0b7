--- The segment classifier: assigns segments to new customers from their
-- early behaviour and attributes.  Multi-class XGBoost (multi:softprob)
-- and XGBoost's random-forest recipe, trained on a stratified split of a
-- customer table (the pipeline's customers.csv, or any table with an id
-- and a label), with accuracy, macro F1, per-class precision and recall,
-- the confusion matrix and gain importance; saved as XGBoost JSON and
-- applied to new customers with `score`.
--
-- Features: the early behaviour in the first `early_days` after each
-- customer's first purchase, from the order log (`orders`): early_orders,
-- early_revenue, early_products, first_order_value; then every column of
-- the joined tables (`join`: e.g. generate.lua's customers.csv) other than
-- the id and the label, text columns one-hot encoded ("channel=email").
-- Without an order log, the input's own columns.
-- @module custan.analysis.classify

local custan = require "custan"
local core = require "custan.core.ml"
local join = require "custan.join"
local json = require "custan.json"
local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

M.defaults = {model = "all", test_size = 0.25, seed = 1, trees = 100, depth = 6, rounds = 200,
              early_days = 60}

--- The two kinds' XGBoost parameters (trees and depth from the options).
function M.params(kind, o, nfeatures, nclass)
  local p
  if kind == "xgboost" then
    p = {rounds = o.rounds, eta = 0.1, max_depth = o.depth, subsample = 0.8, colsample_bytree = 0.8,
         min_child_weight = 1, tree_method = "hist"}
  elseif kind == "forest" then
    -- as scikit-learn's RandomForestClassifier: sqrt(features) candidates
    -- per split, a bootstrap-sized sample per tree, no shrinkage
    p = {rounds = 1, num_parallel_tree = o.trees, eta = 1, max_depth = o.depth, subsample = 0.632,
         colsample_bynode = math.min(1, math.sqrt(nfeatures) / nfeatures), lambda = 1e-5,
         min_child_weight = 1, tree_method = "hist", max_bin = 256}
  else
    error(string.format("unknown classifier '%s' (xgboost, forest or all)", tostring(kind)), 0)
  end
  p.objective, p.num_class = "multi:softprob", nclass
  p.seed, p.nthread = o.seed, o.threads -- nil: C picks (engine/kernels/core/parallel.h)
  return p
end

--- Early behaviour per customer from an order log: orders, revenue and
-- distinct products in the first `days` days after the first purchase
-- (that day included), and the first day's revenue.
function M.early_features(tx, days)
  local p = tx:filter(tx.purchase & ~tx.customer:is_missing())
  local since = p.date - p:group_by("customer"):transform("date", "min") -- days
  p.first_day = since:lt(1):cast("float64")
  p.first_amount = p.amount * p.first_day
  local w = p:filter(since:le(days))
  return w:group_by("customer"):agg{{"order", "n_unique", as = "early_orders"},
    {"amount", "sum", as = "early_revenue"}, {"product", "n_unique", as = "early_products"},
    {"first_amount", "sum", as = "first_order_value"}}
end

-- Text columns become one indicator column per value ("channel=email").
local function encode(frame, names, levels)
  local out, features = {}, {}
  levels = levels or {}
  for _, name in ipairs(names) do
    local col = frame:col(name)
    if col:type() == "string" then
      local values = levels[name]
      if not values then
        local seen = {}
        values = {}
        for _, v in ipairs(col:to_table()) do
          if v ~= nil and not seen[v] then seen[v] = true; values[#values + 1] = v end
        end
        table.sort(values)
        levels[name] = values
      end
      for _, v in ipairs(values) do
        local f = name .. "=" .. v
        out[f] = col:eq(v):fill(false):cast("float64")
        features[#features + 1] = f
      end
    elseif col:type() == "bool" or col:type() == "int64" or col:type() == "float64" then
      out[name] = col:cast("float64")
      features[#features + 1] = name
    end
  end
  return custan.frame(out, features), features, levels
end

-- The customer table with the joined tables and the early features.
local function assemble(input, o)
  local t = type(input) == "string" and custan.read_csv(input) or input
  local id = o.id or t:names()[1]
  if not t:has(id) then error(string.format("no id column '%s'", id), 0) end
  local base = {}
  for _, f in ipairs(o.join or {}) do
    local extra = type(f) == "string" and custan.read_csv(f) or f
    local key = extra:names()[1]
    extra[key] = join.align(extra:col(key), t:col(id))
    if key ~= id then extra = extra:rename{[key] = id} end
    -- the joined table's columns, except ones the table already has
    local keep = {id}
    for _, n in ipairs(extra:names()) do
      if n ~= id and not t:has(n) then keep[#keep + 1] = n; base[#base + 1] = n end
    end
    t = t:join(extra:select(keep), id, {how = "left"})
  end
  if o.orders then
    local tx = transactions.read(o.orders, o.read or {})
    local early = M.early_features(tx, o.early_days)
    early.customer = join.align(early.customer, t:col(id))
    early = early:rename{customer = id}
    t = t:join(early, id, {how = "left"})
    for _, c in ipairs{"early_orders", "early_revenue", "early_products", "first_order_value"} do
      t[c] = t:col(c):fill(0)
      table.insert(base, 1, c)
    end
  end
  return t, id, base
end

-- per-class metrics and the confusion matrix of integer labels 0..k-1
local function evaluate(y, pred, classes)
  local k = #classes
  local cm = {}
  for i = 1, k do cm[i] = {} for j = 1, k do cm[i][j] = 0 end end
  local yt, pt = y:to_table(), pred:to_table()
  local right = 0
  for i = 1, #yt do
    cm[yt[i] + 1][pt[i] + 1] = cm[yt[i] + 1][pt[i] + 1] + 1
    if yt[i] == pt[i] then right = right + 1 end
  end
  local rows, f1sum = {}, 0
  for c = 1, k do
    local tp, col, row = cm[c][c], 0, 0
    for j = 1, k do col, row = col + cm[j][c], row + cm[c][j] end
    local precision = col > 0 and tp / col or 0
    local recall = row > 0 and tp / row or 0
    local f1 = precision + recall > 0 and 2 * precision * recall / (precision + recall) or 0
    f1sum = f1sum + f1
    rows[c] = {class = classes[c], precision = precision, recall = recall, f1 = f1, support = row}
  end
  local confusion = {}
  for i = 1, k do
    local r = {actual = classes[i]}
    for j = 1, k do r[classes[j]] = cm[i][j] end
    confusion[i] = r
  end
  return {accuracy = #yt > 0 and right / #yt or 0, macro_f1 = f1sum / k, per_class = rows,
          confusion = confusion}
end

-- argmax of the class probabilities, as an int column
local function argmax(probs)
  local n = probs[1]:len()
  local best, top = {}, {}
  local cols = {}
  for j, p in ipairs(probs) do cols[j] = p:to_table() end
  for i = 1, n do
    local b, v = 0, -1
    for j = 1, #cols do if cols[j][i] > v then b, v = j - 1, cols[j][i] end end
    best[i], top[i] = b, v
  end
  return custan.column(best, "int64", n), custan.column(top, "float64", n)
end

--- Trains and evaluates the classifiers.
-- @tparam string|frame input the customer table
-- @tparam table options `label` (required), `id` (the first column),
--   `join` (paths or frames), `orders` (order log path), `read` (its
--   reader options), `early_days` (60), `features` (names; default all),
--   `model` ("xgboost", "forest" or "all"), `test_size` (0.25), `seed`,
--   `trees` (100), `depth` (6), `rounds` (200, boosted)
-- @return result document {kind = "classify", summary, tables, models, ...}
function M.train(input, options)
  local o = {}
  for k, v in pairs(M.defaults) do o[k] = v end
  for k, v in pairs(options or {}) do o[k] = v end
  if not o.label then error("classify: name the label column (--label)", 0) end
  local t, id, base = assemble(input, o)
  if not t:has(o.label) then error(string.format("no label column '%s'", o.label), 0) end
  t = t:filter(~t:col(o.label):is_missing())
  local names = o.features
  if not names then
    names = {}
    if #base > 0 then
      names = base
    else
      for _, n in ipairs(t:names()) do if n ~= id and n ~= o.label then names[#names + 1] = n end end
    end
  end
  for _, n in ipairs(names) do
    if n == o.label then error(string.format("the label '%s' is also a feature", n), 0) end
    if not t:has(n) then error(string.format("no feature column '%s'", n), 0) end
  end
  local X, features, levels = encode(t, names)
  if #features == 0 then error("classify: no usable feature columns", 0) end
  -- classes 0..k-1 in sorted order of the label's values
  local label_values, seen = {}, {}
  local lv = t:col(o.label):to_table()
  for _, v in ipairs(lv) do if not seen[v] then seen[v] = true; label_values[#label_values + 1] = v end end
  table.sort(label_values, function(a, b) return tostring(a) < tostring(b) end)
  if #label_values < 2 then error("classify: the label has fewer than 2 classes", 0) end
  local code = {}
  for i, v in ipairs(label_values) do code[v] = i - 1 end
  local y_t = {}
  for i, v in ipairs(lv) do y_t[i] = code[v] end
  local y = custan.column(y_t, "int64", #y_t)
  local is_test = core.stratified_split(y, o.test_size, o.seed)
  local train, test = ~is_test, is_test
  local Xtr, Xte = X:filter(train), X:filter(test)
  local ytr, yte = y:filter(train), y:filter(test)
  local cols_tr, cols_te = {}, {}
  for i, f in ipairs(features) do cols_tr[i], cols_te[i] = Xtr:col(f), Xte:col(f) end
  local kinds = o.model == "all" and {"xgboost", "forest"} or {o.model}
  local summary = {label = o.label, classes = label_values, features = features, rows = t:nrows(),
    split = {train = ytr:len(), test = yte:len(), test_size = o.test_size, stratified = true},
    seed = o.seed, early_days = o.orders and o.early_days or nil, models = {}}
  local models, warnings, tables = {}, {}, {}
  local best, best_acc
  for _, kind in ipairs(kinds) do
    local p = M.params(kind, o, #features, #label_values)
    local rounds = p.rounds
    p.rounds = nil
    local keys, vals = {}, {}
    for k in pairs(p) do keys[#keys + 1] = k end
    table.sort(keys)
    for i, k in ipairs(keys) do
      local v = p[k]
      vals[i] = math.type(v) == "float" and string.format("%.17g", v) or tostring(v)
    end
    local booster = core.xgb_train(cols_tr, features, ytr:cast("float64"), nil, keys, vals, rounds)
    local pred = argmax(booster:predict_classes(cols_te, features, #label_values))
    local ev = evaluate(yte, pred, label_values)
    local imp = booster:importance("total_gain")
    local irows = {}
    for _, f in ipairs(features) do irows[#irows + 1] = {feature = f, gain = imp[f] or 0} end
    table.sort(irows, function(a, b) return a.gain > b.gain end)
    p.rounds = rounds
    summary.models[kind] = {accuracy = ev.accuracy, macro_f1 = ev.macro_f1, per_class = ev.per_class,
      confusion = ev.confusion, importance = irows, params = p}
    models[kind] = booster
    if not best_acc or ev.accuracy > best_acc then best, best_acc = kind, ev.accuracy end
    tables[#tables + 1] = {"metrics_" .. kind .. ".csv", custan.from_rows(ev.per_class,
      {"class", "precision", "recall", "f1", "support"})}
    local cnames = {"actual"}
    for _, v in ipairs(label_values) do cnames[#cnames + 1] = v end
    tables[#tables + 1] = {"confusion_" .. kind .. ".csv", custan.from_rows(ev.confusion, cnames)}
    tables[#tables + 1] = {"importance_" .. kind .. ".csv", custan.from_rows(irows, {"feature", "gain"})}
    -- a label-like feature gives itself away
    if irows[1] and irows[1].gain > 0 then
      local total = 0
      for _, r in ipairs(irows) do total = total + r.gain end
      if irows[1].gain / total > 0.9 then
        warnings[#warnings + 1] = string.format("%s: '%s' carries %.0f%% of the gain: is it the " ..
          "label in disguise?", kind, irows[1].feature, 100 * irows[1].gain / total)
      end
    end
  end
  summary.best = best
  for _, r in ipairs(summary.models[best].per_class) do
    if r.support > 0 and r.recall == 0 then
      warnings[#warnings + 1] = string.format("class '%s' is never predicted right (recall 0)",
        tostring(r.class))
    end
  end
  -- the split and features, for a peer (tests/reference/classify_sklearn.py)
  local fx = X:copy()
  fx[id] = t:col(id)
  fx.label = y
  fx.test = is_test:cast("int64")
  local fnames = {id}
  for _, f in ipairs(features) do fnames[#fnames + 1] = f end
  fnames[#fnames + 1] = "label"
  fnames[#fnames + 1] = "test"
  tables[#tables + 1] = {"features.csv", fx:select(fnames)}
  local extra = {}
  for _, kind in ipairs(kinds) do
    local info = {kind = kind, task = "segment classifier", label = o.label, classes = label_values,
      features = features, inputs = names, levels = levels, id = id, early_days = o.orders and o.early_days or nil}
    models[kind]:set_attr("custan", json.encode(info))
    extra[#extra + 1] = {"model_" .. kind .. ".json", models[kind]:save()}
  end
  return {kind = "classify", summary = summary, tables = tables, extra = extra, warnings = warnings}
end

--- Scores customers with a saved classifier.
-- @tparam string model_path a model_*.json that train wrote
-- @tparam string|frame input the customer table (as trained: joins and orders again)
-- @return result document {kind = "classify_score", summary, tables}
function M.score(model_path, input, options)
  local text = util.read_file(model_path)
  if not text then error(string.format("%s: cannot read the model", model_path), 0) end
  local booster = core.xgb_load(text)
  local info_text = booster:attr("custan")
  local ok, info = pcall(json.decode, info_text or "")
  if not ok or type(info) ~= "table" or info.task ~= "segment classifier" then
    error(string.format("%s: not a segment classifier of classify.lua", model_path), 0)
  end
  local o = {}
  for k, v in pairs(options or {}) do o[k] = v end
  o.id = o.id or info.id
  o.early_days = info.early_days or o.early_days or M.defaults.early_days
  if info.early_days and not o.orders then
    error(string.format("%s was trained with early behaviour: give the order log (--orders)", model_path), 0)
  end
  local t, id = assemble(input, o)
  for _, n in ipairs(info.inputs) do
    if not t:has(n) then error(string.format("the model needs the column '%s'", n), 0) end
  end
  local X, features = encode(t, info.inputs, info.levels)
  local cols = {}
  for i, f in ipairs(info.features) do
    cols[i] = X:has(f) and X:col(f) or custan.column({}, "float64", 0)
    if features[i] ~= f then error(string.format("feature %d: expected '%s'", i, f), 0) end
  end
  local probs = booster:predict_classes(cols, info.features, #info.classes)
  local best, top = argmax(probs)
  local labels = {}
  for i, b in ipairs(best:to_table()) do labels[i] = tostring(info.classes[b + 1]) end
  local out = {[id] = t:col(id), predicted = custan.column(labels, "string", #labels), probability = top}
  local names = {id, "predicted", "probability"}
  for j, c in ipairs(info.classes) do
    local n = "p_" .. tostring(c)
    out[n] = probs[j]
    names[#names + 1] = n
  end
  local scores = custan.frame(out, names)
  local counts = {}
  for _, l in ipairs(labels) do counts[l] = (counts[l] or 0) + 1 end
  return {kind = "classify_score", summary = {model = model_path, customers = #labels,
    predicted = counts, classes = info.classes}, tables = {{"scores.csv", scores}}, warnings = {}}
end

return M
