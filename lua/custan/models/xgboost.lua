--- The tree model kinds of custan.ml, "xgboost" (gradient-boosted trees)
-- and "forest" (XGBoost's random-forest recipe), through XGBoost's C API.
-- Saved models are XGBoost's own JSON, loadable by xgboost.Booster, with
-- custan's part in the booster attribute "custan".
-- @module custan.models.xgboost

local core = require "custan.core.ml"
local dist = require "custan.dist"
local json = require "custan.json"

-- Options that are custan's, not XGBoost parameters.
local NOT_PARAMS = {class_weight = true, weights = true, threads = true, seed = true}

local function param_string(v)
  if math.type(v) == "float" then return string.format("%.17g", v) end
  return tostring(v)
end

--- A tree kind with its default parameters.
-- @tparam string name "xgboost" or "forest"
-- @tparam table defaults XGBoost parameters, with `rounds`
local function kind(name, defaults)
  local K = {name = name, defaults = defaults}

  function K.train(m, cols, y, w, o)
    local params = {}
    for k, v in pairs(defaults) do params[k] = v end
    for k, v in pairs(o) do
      if not NOT_PARAMS[k] then params[k] = v end
    end
    params.seed = o.seed or params.seed or 1
    -- threads: o.threads, else C picks CUSTAN_THREADS or the CPUs idle now
    -- (engine/kernels/core/parallel.h); the trees are the same either way
    params.nthread = o.threads
    local rounds = math.tointeger(params.rounds)
    if not rounds or rounds < 1 then error("rounds must be a whole number >= 1", 0) end
    params.rounds = nil
    local keys, vals = {}, {}
    for k in pairs(params) do keys[#keys + 1] = k end
    table.sort(keys) -- the same order every run
    for i, k in ipairs(keys) do vals[i] = param_string(params[k]) end
    if dist.size() > 1 and dist.split() then
      -- under mpirun every rank holds the same table (customers, not
      -- transactions): XGBoost trains once, on rank 0 with its threads, and
      -- the other ranks load its model (docs/scale.md)
      local ok, text = true, nil
      if dist.is_root() then
        ok, text = pcall(function() return core.xgb_train(cols, m.features, y, w, keys, vals, rounds):save() end)
      end
      local got = dist.broadcast({ok = ok, text = text})
      if not got.ok then error(got.text, 0) end -- every rank stops with rank 0's error
      m.booster = core.xgb_load(got.text)
    else
      m.booster = core.xgb_train(cols, m.features, y, w, keys, vals, rounds)
    end
    params.rounds = rounds
    m.params = params
  end

  function K.describe(m)
    return {params = m.params, gain_importance = m:gain_importance("total_gain")}
  end

  function K.predict(m, cols)
    return m.booster:predict(cols, m.features)
  end

  function K.save(m, info)
    info.params = m.params
    m.booster:set_attr("custan", json.encode(info))
    return m.booster:save()
  end

  -- any XGBoost model: ours keep their kind in the attribute
  function K.claims(doc)
    if type(doc.learner) ~= "table" then return false end
    local attrs = doc.learner.attributes
    local info_text = type(attrs) == "table" and attrs.custan or nil
    local ok, info = pcall(json.decode, info_text or "{}")
    return (ok and type(info) == "table" and info.kind or "xgboost") == name
  end

  function K.load(doc, text, where)
    local booster = core.xgb_load(text)
    local info_text = booster:attr("custan")
    local info = info_text and json.decode(info_text) or {}
    local features = info.features or doc.learner.feature_names
    if not features or #features == 0 then
      error(string.format("%s: the XGBoost model does not name its features", where), 0)
    end
    return {kind = name, features = features, booster = booster,
            logit_offset = info.logit_offset or 0, params = info.params,
            class_weight = info.class_weight, meta = info.meta}
  end

  return K
end

return {
  xgboost = kind("xgboost", {rounds = 200, eta = 0.05, max_depth = 4, subsample = 0.8,
    colsample_bytree = 0.8, min_child_weight = 1, lambda = 1, tree_method = "hist"}),
  -- XGBoost's random forest recipe: one round of many parallel trees,
  -- learning rate 1, rows and columns sampled per tree and per node
  forest = kind("forest", {rounds = 1, num_parallel_tree = 100, eta = 1, max_depth = 6,
    subsample = 0.632, colsample_bynode = 0.6, min_child_weight = 1, lambda = 1e-5, max_bin = 64,
    tree_method = "hist"}),
}
