--- The tree model kinds of custan.ml, "xgboost" (gradient-boosted trees)
-- and "forest" (XGBoost's random-forest recipe), through XGBoost's C API.
-- Saved models are XGBoost's own JSON, loadable by xgboost.Booster, with
-- custan's part in the booster attribute "custan".
-- @module custan.models.xgboost

local core = require "custan.core.ml"
local dist = require "custan.dist"
local json = require "custan.json"

-- Options that are custan's, not XGBoost parameters.
local NOT_PARAMS = {class_weight = true, weights = true, threads = true, seed = true,
                    collective = true, tracker_host = true}

-- XGBoost's Rabit tracker from Debian's python3-xgboost, started by rank 0
-- (it coordinates the workers; the data never passes through it).  Prints
-- its address on the first line; its own messages go nowhere.
local TRACKER = [[
import socket, sys
from xgboost.tracker import RabitTracker
host = sys.argv[1] if sys.argv[1] != "-" else socket.gethostbyname(socket.gethostname())
t = RabitTracker(host_ip=host, n_workers=int(sys.argv[2]))
t.start(int(sys.argv[2]))
env = t.worker_envs()
print("tracker", env["DMLC_TRACKER_URI"], env["DMLC_TRACKER_PORT"], flush=True)
sys.stdout = sys.stderr
t.join()
]]

local function start_tracker(host, n)
  local cmd = string.format("/usr/bin/python3 -c '%s' %s %d 2>/dev/null", TRACKER, host or "-", n)
  local h = io.popen(cmd, "r")
  local line = h and h:read("l")
  local uri, port = (line or ""):match("^tracker (%S+) (%d+)$")
  if not uri then
    if h then h:close() end
    return nil, "XGBoost's tracker did not start (it needs Debian's python3-xgboost)"
  end
  return {handle = h, uri = uri, port = port} -- text: it travels as JSON, where 1234 may come back 1234.0
end

-- Trains with XGBoost's own collective: rank 0 starts the tracker, every
-- rank joins with its run of the rows, and XGBoost sums the histograms
-- across the ranks each round; every rank ends with the same model.
local function train_collective(cols, features, y, w, keys, vals, rounds, o)
  local tracker, err
  if dist.is_root() then tracker, err = start_tracker(o.tracker_host, dist.size()) end
  local at = dist.broadcast(tracker and {uri = tracker.uri, port = tracker.port} or {err = err})
  if at.err then error(at.err, 0) end
  local n, r, size = y:len(), dist.rank(), dist.size()
  local lo, hi = n * r // size + 1, n * (r + 1) // size
  local mine = {}
  for i, c in ipairs(cols) do mine[i] = c:slice(lo, hi) end
  core.xgb_collective(json.encode({xgboost_communicator = "rabit", DMLC_TRACKER_URI = at.uri,
    DMLC_TRACKER_PORT = at.port, DMLC_TASK_ID = tostring(r)}))
  local ok, booster = pcall(core.xgb_train, mine, features, y:slice(lo, hi), w and w:slice(lo, hi),
    keys, vals, rounds)
  core.xgb_collective(nil)
  if tracker then tracker.handle:close() end
  if not ok then error(booster, 0) end
  return booster
end

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
    if o.collective and dist.size() > 1 then
      -- XGBoost's collective (an option): each rank trains on its rows
      m.booster = train_collective(cols, m.features, y, w, keys, vals, rounds, o)
    elseif dist.size() > 1 and dist.split() then
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
