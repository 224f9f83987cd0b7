--- Policy scenarios and experiments as result documents: simulate policy
-- files against a customer table, size a test, analyse a finished one.
-- @module custan.analysis.experiment

local custan = require "custan"
local host = require "custan.core.host"
local policy = require "custan.policy"
local experiment = require "custan.experiment"

local M = {}

M.defaults = {draws = 10000, seed = 1, segment = "segment", precision = 0.01}

local function slug(name) return (name:lower():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", "")) end

-- The result tables of the scenarios.
local function scenario_tables(results)
  local seg_rows, sens_rows, draw_frames, targeting = {}, {}, {}, {}
  for _, r in ipairs(results) do
    for name, s in pairs(r.segments) do
      seg_rows[#seg_rows + 1] = {scenario = r.name, segment = name, contacted = s.contacted.mean,
        conversions = s.conversions.mean, retained = s.retained.mean, revenue = s.revenue.mean,
        cost = s.cost.mean, net = s.net.mean, net_p05 = s.net.p05, net_p95 = s.net.p95,
        p_positive = s.p_positive, roi = s.roi}
    end
    for _, s in ipairs(r.sensitivity) do
      local row = {scenario = r.name}
      for k, v in pairs(s) do row[k] = v end
      sens_rows[#sens_rows + 1] = row
    end
    local pd = r.per_draw
    local draws = custan.frame({draw = pd.net:rank(), contacted = pd.contacted,
      conversions = pd.conversions, retained = pd.retained, orders = pd.orders,
      revenue = pd.revenue, cost = pd.cost, net = pd.net},
      {"draw", "contacted", "conversions", "retained", "orders", "revenue", "cost", "net"})
    draws.scenario = r.name -- a scalar fills the column
    draw_frames[#draw_frames + 1] = draws:select{"scenario", "draw", "contacted", "conversions",
      "retained", "orders", "revenue", "cost", "net"}
    targeting[#targeting + 1] = {"targeting_" .. slug(r.name) .. ".csv", r.targeting_frame}
  end
  table.sort(seg_rows, function(a, b)
    if a.scenario ~= b.scenario then return a.scenario < b.scenario end
    return a.segment < b.segment
  end)
  local scen_rows = {{scenario = "do nothing (baseline)", contacted = 0, net = 0, net_p05 = 0,
                      net_p95 = 0, p_positive = 0}}
  for _, r in ipairs(results) do
    local t = r.total
    scen_rows[#scen_rows + 1] = {scenario = r.name, contacted = r.contacted,
      conversions = t.conversions.mean, retained = t.retained.mean, orders = t.orders.mean,
      revenue = t.revenue.mean, cost = t.cost.mean, net = t.net.mean, net_median = t.net.median,
      net_p05 = t.net.p05, net_p95 = t.net.p95, net_p025 = t.net.p025, net_p975 = t.net.p975,
      p_positive = t.p_positive, roi = t.roi, conversion_rate = t.conversion_rate,
      retention_lift = t.retention_lift}
  end
  local out = {
    {"scenarios.csv", custan.from_rows(scen_rows, {"scenario", "contacted", "conversions",
      "retained", "orders", "revenue", "cost", "net", "net_median", "net_p05", "net_p95",
      "net_p025", "net_p975", "p_positive", "roi", "conversion_rate", "retention_lift"})},
    {"segments.csv", custan.from_rows(seg_rows, {"scenario", "segment", "contacted",
      "conversions", "retained", "revenue", "cost", "net", "net_p05", "net_p95", "p_positive",
      "roi"})},
    {"sensitivity.csv", #sens_rows > 0 and custan.from_rows(sens_rows, {"scenario", "assumption",
      "distribution", "low", "high", "net_at_low", "net_at_high", "swing"}) or nil},
    {"draws.csv", custan.concat(table.unpack(draw_frames))},
  }
  for _, f in ipairs(targeting) do out[#out + 1] = f end
  return out
end

--- Simulates policy scenarios against doing nothing.
-- @tparam string|frame customers a customer table (path or frame)
-- @tparam table options `policies` (paths or loaded policies), `draws`,
--   `seed`, `id` (default the first column), `segment` (column of the
--   per-segment results), `precision` (retention grouping), `clv` (the
--   CLV models for policies with `baseline = "clv"`: {purchase, spend,
--   summary, unit}), `parameter_sets` (drawn models {purchase, spend} whose
--   uncertainty enters those policies' draws; draws must be a multiple)
-- @return result document {kind = "experiment", summary, tables, results}
function M.scenarios(customers, options)
  local o = {}
  for k, v in pairs(M.defaults) do o[k] = v end
  for k, v in pairs(options or {}) do o[k] = v end
  local name = type(customers) == "string" and customers or "customers"
  if type(customers) == "string" then customers = custan.read_csv(customers) end
  if customers:nrows() == 0 then error(name .. ": the customer table has no rows", 0) end
  local id = o.id or customers:names()[1]
  if not customers:has(id) then error(string.format("%s: no id column '%s'", name, id), 0) end
  if o.segment and not customers:has(o.segment) then
    error(string.format("%s: no segment column '%s' (columns: %s)", name, o.segment,
      table.concat(customers:names(), ", ")), 0)
  end
  local results = {}
  for i, p in ipairs(o.policies or {}) do
    local s = type(p) == "string" and policy.load(p) or p
    local t0 = host.now()
    local plan = policy.plan(s, customers, {id = id, segment_column = o.segment,
      precision = o.precision, clv = o.clv})
    local r = policy.simulate(plan, {draws = o.draws, seed = o.seed,
      parameter_sets = o.parameter_sets})
    r.baseline = policy.uses_clv(s) and "clv" or "columns"
    r.seconds = host.now() - t0 -- for the terminal only
    r.path = type(p) == "string" and p or s.path
    r.description = s.description
    r.horizon_days = s.horizon_days
    local targeting, best = policy.targeting(plan)
    r.best_targeting = best
    r.targeting_frame = targeting
    results[i] = r
  end
  local summary = {customers = name, draws = o.draws, seed = o.seed, scenarios = {}}
  for i, r in ipairs(results) do
    summary.scenarios[i] = {name = r.name, path = r.path, description = r.description,
      horizon_days = r.horizon_days, contacted = r.contacted, targeted = r.targeted,
      groups = r.groups, total = r.total, segments = r.segments, sensitivity = r.sensitivity,
      expected = r.expected, best_targeting = r.best_targeting, baseline = r.baseline,
      uncertainty = r.uncertainty}
  end
  return {kind = "experiment", summary = summary, warnings = {}, results = results,
          n_customers = customers:nrows(), tables = scenario_tables(results)}
end

--- Sizes a two-group test (custan.experiment.design's options).
-- @return result document {kind = "experiment_design", summary}
function M.design(options)
  local r = experiment.design(options)
  local warnings = {}
  if r.days and r.days == math.huge then r.days = nil end
  return {kind = "experiment_design", summary = r, warnings = warnings, options = options, tables = {}}
end

--- Analyses a finished two-group test.
-- @tparam string|frame input one row per customer
-- @tparam table options `group`, `outcome`, `control`, `alpha`
-- @return result document {kind = "experiment_analysis", summary}
function M.analyze(input, options)
  local name = type(input) == "string" and input or "test"
  local t = type(input) == "string" and custan.read_csv(input) or input
  local r = experiment.analyze(t, options.group, options.outcome,
    {control = options.control, alpha = options.alpha})
  r.input = name
  local warnings = {}
  if r.statistic ~= r.statistic then
    -- no variation in the outcome: nothing to test, no NaN in the result
    r.statistic, r.p_value, r.df, r.ci = nil, nil, nil, nil
    warnings[#warnings + 1] = string.format("the outcome '%s' does not vary within the groups: " ..
      "no test statistic or p-value", options.outcome)
  end
  return {kind = "experiment_analysis", summary = r, warnings = warnings, tables = {}}
end

return M
