--- The dashboards' data: a pipeline run's results, from its output
-- folder or from the result in memory, and the named sources layouts draw
-- (weekly, segments, tiers, funnel, the diagnostics', and the strategic
-- page's, computed when first asked for).  custan.analysis.dashboard
-- renders them.
-- @module custan.analysis.dashboard_data

local custan = require "custan"
local lfs = require "lfs"
local json = require "custan.json"
local util = require "custan.util"

local M = {}


local function read_json(path)
  local text = util.read_file(path)
  if not text then return nil end
  local ok, v = pcall(json.decode, text)
  if not ok then error(path .. ": not JSON: " .. tostring(v), 0) end
  return v
end

--- The data of a pipeline output folder.
-- @return {insights, customers (frame), weekly (frame or nil), periods, dir}
function M.from_folder(dir)
  local ins = read_json(dir .. "/insights.json")
  if not ins then
    error(string.format("%s: no insights.json: give the --output folder of a pipeline run", dir), 0)
  end
  local customers = custan.read_csv(dir .. "/customers.csv", {types = {customer = "string"}})
  local weekly
  local wpath = dir .. "/customers/weekly.csv"
  if util.read_file(wpath) then weekly = custan.read_csv(wpath, {types = {week = "string", segment = "string"}}) end
  local s = read_json(dir .. "/customers/summary.json") or {}
  local diag
  local clv_summary = read_json(dir .. "/clv/summary.json")
  if clv_summary and clv_summary.diagnostics and util.read_file(dir .. "/clv/frequency_recency.csv") then
    local function csv(name, types)
      local path = dir .. "/clv/" .. name
      return util.read_file(path) and custan.read_csv(path, {types = types}) or nil
    end
    diag = {}
    for k, v in pairs(clv_summary.diagnostics) do diag[k] = v end
    diag.frequency_recency = csv("frequency_recency.csv")
    diag.period_transactions = csv("period_transactions.csv", {frequency = "string"})
    diag.holdout_by_frequency = csv("holdout_by_frequency.csv")
    diag.tracking = csv("tracking.csv")
  end
  return {insights = ins, customers = customers, weekly = weekly, periods = s.periods, dir = dir,
          diagnostics = diag, cache = {}}
end

--- The same data from a pipeline result document in memory.
function M.from_pipeline(doc)
  local c = doc.results.customers
  local customers = doc.customers:copy()
  customers.customer = customers.customer:cast("string")
  local clv_doc = doc.results.clv
  return {insights = doc.insights, customers = customers, weekly = c and c.weekly,
          periods = c and c.summary.periods, diagnostics = clv_doc and clv_doc.diagnostics,
          doc = doc, cache = {}}
end

-- Weekly rows summed over segments (or of one segment).
local function weekly_rows(weekly, segment)
  if not weekly then return {} end
  local w = segment and weekly:filter(weekly.segment:eq(segment):fill(false)) or weekly
  local g = w:group_by("week", {sort = true}):agg{{"revenue", "sum", as = "revenue"},
    {"orders", "sum", as = "orders"}, {"new_customers", "sum", as = "new_customers"},
    {"returning_customers", "sum", as = "returning_customers"}}
  return g:to_rows()
end

local function tier_rows(customers, segment)
  local c = customers
  if segment then c = c:filter(c.segment:eq(segment):fill(false)) end
  if not c:has("risk_tier") or c:nrows() == 0 then return {} end
  local g = c:filter(~c.risk_tier:is_missing()):group_by("risk_tier"):size()
  local counts = {}
  for _, r in ipairs(g:to_rows()) do counts[r.risk_tier] = r.size end
  local out = {}
  for _, t in ipairs{"High", "Medium", "Low"} do out[#out + 1] = {tier = t, customers = counts[t] or 0} end
  return out
end

--- A stage's table by file name: from the pipeline result in memory, or
-- the folder's `stage/file`; nil when the run has none.
function M.stage_table(data, stage, file, types)
  local key = stage .. "/" .. file
  data.cache = data.cache or {}
  if data.cache[key] == nil then
    local t
    if data.doc then
      local d = data.doc.results[stage]
      for _, e in ipairs(d and d.tables or {}) do
        if e[1] == file then t = e[2] end
      end
    elseif data.dir then
      local path = data.dir .. "/" .. key
      if lfs.attributes(path, "mode") == "file" then t = custan.read_csv(path, {types = types}) end
    end
    data.cache[key] = t or false
  end
  return data.cache[key] or nil
end

--- A stage's summary (its summary.json), or nil.
function M.stage_summary(data, stage)
  if data.doc then
    local d = data.doc.results[stage]
    return d and d.summary
  end
  return data.dir and read_json(data.dir .. "/" .. stage .. "/summary.json")
end

-- The policies' targeting tables, as {scenario, frame}.
local function targeting_tables(data)
  local out = {}
  local names = {}
  if data.doc then
    local d = data.doc.results.policies
    for _, e in ipairs(d and d.tables or {}) do
      if e[1]:match("^targeting_") and e[2] then out[#out + 1] = e[2] end
    end
  elseif data.dir and lfs.attributes(data.dir .. "/policies", "mode") == "directory" then
    for f in lfs.dir(data.dir .. "/policies") do
      if f:match("^targeting_.*%.csv$") then names[#names + 1] = f end
    end
    table.sort(names)
    for _, f in ipairs(names) do out[#out + 1] = M.stage_table(data, "policies", f, {customer = "string", segment = "string"}) end
  end
  return out
end

-- Derived sources of the strategic dashboard, by name.
local derived = {}

function derived.clv_segments(data)
  local c = data.customers
  if not c:has("clv") then return nil end
  local specs = {{"clv", "mean", as = "clv"}}
  if c:has("clv_low") then
    specs[2] = {"clv_low", "mean", as = "clv_low"}
    specs[3] = {"clv_high", "mean", as = "clv_high"}
  end
  return c:group_by("segment"):agg(specs):sort("clv", {desc = true}):to_rows()
end

-- Sources that are a stage's table as it is, as rows.
for name, where in pairs{retention_projection = {"cohorts", "retention_projection.csv"},
    lorenz = {"cohorts", "lorenz.csv"}, gain = {"churn", "lift.csv"}} do
  derived[name] = function(data)
    local t = M.stage_table(data, where[1], where[2])
    return t and t:to_rows()
  end
end

function derived.countries(data)
  local t = M.stage_table(data, "cohorts", "countries.csv", {country = "string"})
  return t and t:sort("revenue", {desc = true}):head(10):to_rows()
end

function derived.abc(data)
  local t = M.stage_table(data, "cohorts", "abc.csv", {product = "string", class = "string"})
  if not t then return nil end
  local total = t.revenue:sum()
  local rows = t:group_by("class", {sort = true}):agg{{"product", "size", as = "products"},
    {"revenue", "sum", as = "revenue"}}:to_rows()
  for _, r in ipairs(rows) do r.share = total > 0 and r.revenue / total or nil end
  return rows
end

function derived.segment_map(data)
  local t = M.stage_table(data, "segments", "customers.csv", {customer = "string", cluster_segment = "string"})
  if not (t and t:has("pc1")) then return nil end
  local n = t:nrows()
  local step = math.max(1, math.ceil(n / 2500)) -- at most 2,500 points
  local rows = {}
  for i = 1, n, step do rows[#rows + 1] = t:row(i) end
  return rows
end

-- The segment map by t-SNE (custan.cluster.tsne, O(n^2)): at most 1,000
-- customers, every k-th, on the clusters' features, log-scaled and
-- standardised as the clusters were.
function derived.segment_map_tsne(data)
  local t = M.stage_table(data, "segments", "customers.csv", {customer = "string", cluster_segment = "string"})
  local features = {"recency_days", "orders", "revenue"}
  if not t then return nil end
  for _, f in ipairs(features) do
    if not t:has(f) then return nil end
  end
  local n = t:nrows()
  local step = math.max(1, math.ceil(n / 1000))
  local idx = {}
  for i = 1, n, step do idx[#idx + 1] = i end
  local sample = t:take(idx)
  local cluster = require "custan.cluster"
  local x, y = cluster.tsne(sample, {features = features, scale = "log-standard",
    perplexity = math.min(30, (sample:nrows() - 1) / 3)})
  local seg, xs, ys, rows = sample.cluster_segment:to_table(), x:to_table(), y:to_table(), {}
  for i = 1, #xs do rows[i] = {pc1 = xs[i], pc2 = ys[i], cluster_segment = seg[i]} end
  return rows
end

function derived.net_distributions(data)
  local t = M.stage_table(data, "policies", "draws.csv", {scenario = "string"})
  if not t then return nil end
  local rows = {}
  local scen = t.scenario:to_table()
  local net = t.net:to_table()
  local by, order = {}, {}
  for i, s in ipairs(scen) do
    if not by[s] then by[s] = {}; order[#order + 1] = s end
    by[s][#by[s] + 1] = net[i]
  end
  for _, s in ipairs(order) do -- 40 bins between the scenario's smallest and largest draw
    local v = by[s]
    local lo, hi = math.huge, -math.huge
    for _, x in ipairs(v) do lo, hi = math.min(lo, x), math.max(hi, x) end
    local width = hi > lo and (hi - lo) / 40 or 1
    local counts = {}
    for b = 1, 40 do counts[b] = 0 end
    for _, x in ipairs(v) do
      local b = math.min(40, math.floor((x - lo) / width) + 1)
      counts[b] = counts[b] + 1
    end
    for b = 1, 40 do rows[#rows + 1] = {scenario = s, bin = lo + (b - 0.5) * width, draws = counts[b]} end
  end
  return rows
end

function derived.sensitivity(data)
  local t = M.stage_table(data, "policies", "sensitivity.csv", {scenario = "string", assumption = "string",
    distribution = "string"})
  return t and t:sort("swing", {desc = true}):head(10):to_rows()
end

function derived.targeting(data)
  local rows = {}
  for _, t in ipairs(targeting_tables(data)) do
    local scen = data.insights.policies
    local name
    -- the scenario of a targeting table: the policy whose best targeting has as many customers
    local n = t:nrows()
    local cum = t.expected_net:cumsum():to_table()
    local step = math.max(1, math.ceil(n / 300))
    for _, p in ipairs(scen or {}) do
      if not name and p.targeted == n then name = p.name end
    end
    name = name or ("scenario " .. (#rows + 1))
    for i = 1, n, step do rows[#rows + 1] = {scenario = name, customers = i, expected_net = cum[i]} end
    if n > 0 then rows[#rows + 1] = {scenario = name, customers = n, expected_net = cum[n]} end
  end
  return #rows > 0 and rows or nil
end

function derived.roc(data)
  local t = M.stage_table(data, "churn", "scores.csv", {customer = "string", risk_tier = "string", set = "string"})
  if not t then return nil end
  t = t:filter(t:col("set"):eq("test"):fill(false)):sort("churn_probability", {desc = true})
  local y = t.churned:to_table()
  local pos, neg = 0, 0
  for _, v in ipairs(y) do if v == 1 then pos = pos + 1 else neg = neg + 1 end end
  if pos == 0 or neg == 0 then return nil end
  local rows, tp, fp = {{fpr = 0, tpr = 0}}, 0, 0
  local p = t.churn_probability:to_table()
  for i, v in ipairs(y) do
    if v == 1 then tp = tp + 1 else fp = fp + 1 end
    if i == #y or p[i + 1] ~= p[i] then rows[#rows + 1] = {fpr = fp / neg, tpr = tp / pos} end
  end
  return rows
end

function derived.calibration(data)
  local t = M.stage_table(data, "churn", "calibration.csv")
  return t and t:filter(t:col("rows"):gt(0)):to_rows()
end

function derived.importance(data)
  local t = M.stage_table(data, "churn", "importance.csv", {model = "string", feature = "string"})
  local best = data.insights.model_quality and data.insights.model_quality.churn and
    data.insights.model_quality.churn.model
  if not (t and best) then return nil end
  return t:filter(t.model:eq(best):fill(false)):sort("permutation", {desc = true}):head(12):to_rows()
end

--- The named data sources a layout's charts and tables use, for all
-- customers or one segment.
function M.sources(data, segment)
  local ins = data.insights
  local d = data.diagnostics or {}
  local fixed = {
    period_transactions = d.period_transactions, holdout_by_frequency = d.holdout_by_frequency,
    tracking = d.tracking,
    weekly = weekly_rows(data.weekly, segment),
    segments = ins.segments,
    tiers = tier_rows(data.customers, segment),
    funnel = ins.funnel,
    insights = ins,
  }
  -- the strategic dashboard's sources are computed when first asked for
  return setmetatable(fixed, {__index = function(t, k)
    local fn = derived[k]
    if not fn then return nil end
    data.derived = data.derived or {}
    if data.derived[k] == nil then data.derived[k] = fn(data) or false end
    local v = data.derived[k] or nil
    rawset(t, k, v)
    return v
  end})
end


return M
