--- Policy scenarios: targeting, assumptions as distributions, and their
-- Monte Carlo (the per-draw work is C: custan.core.sim.simulate).
--
-- A scenario is a Lua file returning a table (docs/guide.md#policies):
--
--   local sim = require "custan.sim"
--   return {
--     name = "Win-back coupon for At Risk",
--     target = function(c) return c.segment:eq("At Risk") & c.monetary:gt(100) end,
--     horizon_days = 90,
--     baseline = {retention = function(c) return 1 - c.churn_probability end,
--                 orders = "orders_90d", order_value = "mean_order_value"},
--     assumptions = {uptake = sim.beta(30, 70), churn_reduction = sim.triangular(0.1, 0.2, 0.35),
--                    purchase_lift = 0, order_value_change = sim.uniform(-0.15, -0.10),
--                    margin = 0.35},
--     costs = {contact = 0.25, redemption = 1, discount = 0.15},
--     budget = 5000, max_contacts = nil,
--   }
--
-- The model of one draw is in engine/kernels/sim/policy.h and docs/models.md.
-- @module custan.policy

local core = require "custan.core.sim"
local custan = require "custan"
local sim = require "custan.sim"
local sandbox = require "custan.sandbox"

local M = {}

--- The assumption registry: every assumption and cost a policy file may
-- give, with its default, whether it is a share in [0, 1] or must be >= 0,
-- its random stream (fixed, so adding an entry never changes another's
-- draws), whether the C draws need it (`draws`: who responds and who
-- stays), and, for an effect beyond the base economics below, its
-- `revenue(s, a)` or `cost(s, a)` term (s: the draw's sums, a: the
-- assumption values; nil adds nothing).  A new assumption is one entry here.
M.fields = {
  {key = "uptake", group = "assumptions", default = nil, share = true, stream = 1, draws = "uptake"},
  {key = "churn_reduction", group = "assumptions", default = 0, share = true, stream = 2,
   draws = "save"},
  {key = "churn_reduction_abs", group = "assumptions", default = nil, stream = 3, draws = "save"},
  {key = "purchase_lift", group = "assumptions", default = 0, stream = 4},
  {key = "order_value_change", group = "assumptions", default = 0, stream = 5},
  {key = "margin", group = "assumptions", default = 1, share = true, stream = 6},
  {key = "contact", group = "costs", default = 0, nonneg = true, stream = 7},
  {key = "redemption", group = "costs", default = 0, nonneg = true, stream = 8},
  {key = "discount", group = "costs", default = 0, share = true, stream = 9},
  -- each responder brings referral_rate new customers on average, each
  -- worth referral_value (revenue over the horizon, before the margin)
  {key = "referral_rate", group = "assumptions", default = 0, nonneg = true, stream = 10,
   revenue = function(s, a)
     if a.referral_rate == 0 or a.referral_value == 0 then return nil end -- no referrals
     return s.conversions * (a.referral_rate * a.referral_value)
   end},
  {key = "referral_value", group = "assumptions", default = 0, nonneg = true, stream = 11},
}

--- The economics of a policy, written once.  From the sums of who was
-- contacted, responded and stayed (the C draws, their expectations, or one
-- customer's expected share of them) and the assumption values (numbers,
-- or columns with one value per draw), the incremental outcomes against
-- doing nothing:
--   retained = m - k r;  orders = m o (1 + lift) - k r o
--   revenue  = m ov (1 + lift)(1 + dv) - k r ov  (+ registry revenue terms)
--   cost     = contact n + redemption k + discount m ov (1 + lift)(1 + dv)
--              (+ registry cost terms)
--   net      = margin revenue - cost
-- (docs/models.md, "Policies").
-- @tparam table s sums: contacted, conversions, stayed, baseline_stayed,
--   stayed_orders, baseline_orders, stayed_value, baseline_value
-- @tparam table a assumption values by key (every field; defaults filled)
-- @return table contacted, conversions, retained, orders, revenue, cost, net
function M.economics(s, a)
  local grow = (a.purchase_lift + 1) * (a.order_value_change + 1)
  local spend = s.stayed_value * grow
  local out = {
    contacted = s.contacted,
    conversions = s.conversions,
    retained = s.stayed - s.baseline_stayed,
    orders = s.stayed_orders * (a.purchase_lift + 1) - s.baseline_orders,
    revenue = spend - s.baseline_value,
    cost = s.contacted * a.contact + s.conversions * a.redemption + spend * a.discount,
  }
  for _, f in ipairs(M.fields) do -- the registry's terms (nil: nothing to add)
    local r, c = f.revenue and f.revenue(s, a), f.cost and f.cost(s, a)
    if r then out.revenue = out.revenue + r end
    if c then out.cost = out.cost + c end
  end
  out.net = out.revenue * a.margin - out.cost
  return out
end

-- Every field's value, defaults filled in (0 where none: an effect absent).
local function with_defaults(values)
  local a = {}
  for _, f in ipairs(M.fields) do
    local v = values[f.key]
    if v == nil then v = f.default or 0 end
    a[f.key] = v
  end
  return a
end

-- ------------------------------------------------------------- loading --

local function fail(where, field, message)
  error(string.format("%s: %s: %s", where, field, message), 0)
end

--- Checks a scenario table; errors name the file and the field.
-- @return the scenario with its distributions resolved
function M.check(s, where)
  where = where or "policy"
  if type(s) ~= "table" then error(where .. ": must return a table", 0) end
  if type(s.name) ~= "string" or s.name == "" then fail(where, "name", "a name is required") end
  if type(s.target) ~= "function" and s.target ~= "all" then
    fail(where, "target", "must be a function(customers) returning a bool column, or \"all\"")
  end
  for _, g in ipairs{"assumptions", "costs", "baseline"} do
    if s[g] ~= nil and type(s[g]) ~= "table" and not (g == "baseline" and s[g] == "clv") then
      fail(where, g, g == "baseline" and "must be a table or \"clv\"" or "must be a table")
    end
  end
  local a, c = s.assumptions or {}, s.costs or {}
  local known = {}
  for _, f in ipairs(M.fields) do known[f.group .. "." .. f.key] = true end
  for group, t in pairs{assumptions = a, costs = c} do
    for k in pairs(t) do
      if not known[group .. "." .. k] then fail(where, group .. "." .. tostring(k), "unknown field") end
    end
  end
  if a.uptake == nil then fail(where, "assumptions.uptake", "is required (share who respond)") end
  if a.churn_reduction ~= nil and a.churn_reduction_abs ~= nil then
    fail(where, "assumptions.churn_reduction_abs", "give churn_reduction or churn_reduction_abs, not both")
  end
  local resolved = {}
  for _, f in ipairs(M.fields) do
    local t = f.group == "assumptions" and a or c
    local v = t[f.key]
    local field = f.group .. "." .. f.key
    -- the relative effect's default stands only when no absolute one is given
    if v == nil and not (f.key == "churn_reduction" and a.churn_reduction_abs ~= nil) then
      v = f.default
    end
    if v ~= nil then
      local d = sim.as_dist(v)
      if not d then fail(where, field, "must be a number or a distribution (custan.sim)") end
      local ok, err = sim.check(d)
      if not ok then fail(where, field, err) end
      local lo, hi = sim.quantile(d, 1e-9), sim.quantile(d, 1 - 1e-9)
      if d.kind == "constant" then lo, hi = d.a, d.a end
      if f.share and (lo < 0 or hi > 1) then
        fail(where, field, string.format("%s is a share and must stay within [0, 1] (%s reaches %.4g)",
          f.key, tostring(d), lo < 0 and lo or hi))
      end
      if f.nonneg and lo < 0 then
        fail(where, field, string.format("a cost cannot be negative (%s reaches %.4g)", tostring(d), lo))
      end
      if f.key == "churn_reduction_abs" and (lo < -1 or hi > 1) then
        fail(where, field, "an absolute change in retention must stay within [-1, 1]")
      end
      resolved[f.key] = d
    end
  end
  s.resolved = resolved
  s.save_absolute = a.churn_reduction_abs ~= nil
  local h = s.horizon_days
  if h ~= nil and (type(h) ~= "number" or h <= 0) then fail(where, "horizon_days", "must be a number > 0") end
  for _, k in ipairs{"budget", "max_contacts"} do
    if s[k] ~= nil and (type(s[k]) ~= "number" or s[k] < 0) then fail(where, k, "must be a number >= 0") end
  end
  s.where = where
  return s
end

--- Loads a scenario file.  The file is called with its own folder as its
-- first argument (`local here = ...`), so it can read files beside it.
function M.load(path)
  local dir = path:match("^(.*)[/\\][^/\\]*$") or "."
  local value = sandbox.run_file(path, "policy", dir) -- custan.sandbox: no os, io, ...
  return M.check(value, "policy " .. path)
end

-- -------------------------------------------------------- the customers --

-- A per-customer baseline column: a column name, a function of the
-- customers, or a number.
local function baseline_column(customers, spec, field, where, default)
  if spec == nil then spec = default end
  local c
  if type(spec) == "number" then
    return customers:col(customers:names()[1]):is_missing():cast("float64") * 0 + spec
  elseif type(spec) == "string" then
    if not customers:has(spec) then
      fail(where, "baseline." .. field, string.format("no column '%s' in the customers (columns: %s)",
        spec, table.concat(customers:names(), ", ")))
    end
    c = customers:col(spec)
  elseif type(spec) == "function" then
    local ok, v = pcall(spec, customers)
    if not ok then fail(where, "baseline." .. field, tostring(v)) end
    c = v
  else
    fail(where, "baseline." .. field, "must be a column name, a function or a number")
  end
  if not custan.is_column(c) or (c:type() ~= "float64" and c:type() ~= "int64") then
    fail(where, "baseline." .. field, "must give a numeric column")
  end
  c = c:cast("float64")
  if c:nmissing() > 0 then
    fail(where, "baseline." .. field, string.format("%d customers have no value", c:nmissing()))
  end
  return c
end

-- The means of the resolved distributions (the expected-value scenario).
local function means(s)
  local m = {}
  for k, d in pairs(s.resolved) do m[k] = sim.mean(d) end
  return m
end

--- Each targeted customer's expected incremental net value and cost over
-- the horizon with the assumptions at their means: the economics applied
-- to one customer's expected share of the sums (the ranking used for
-- budgets and for the best targeting).
local function expected_value(r, o, ov, m, absolute)
  local a = with_defaults(m)
  local save = m.churn_reduction_abs or m.churn_reduction or 0
  local rt = absolute and (r + save):clip(0, 1) or (r + (1 - r) * save):clip(0, 1)
  local u = a.uptake
  local s = {contacted = r * 0 + 1, conversions = r * 0 + u, stayed = rt * u,
             baseline_stayed = r * u, stayed_orders = rt * o * u, baseline_orders = r * o * u,
             stayed_value = rt * ov * u, baseline_value = r * ov * u}
  local e = M.economics(s, a)
  return e.net, e.cost
end

local UNIT_DAYS = {day = 1, week = 7, month = 30.436875}

--- Whether a scenario takes its baseline from the CLV models: `baseline =
-- "clv"`, or `baseline = {source = "clv", retention = ...}` where the
-- fields given (retention, orders, order_value) replace the models'.
function M.uses_clv(s)
  return s.baseline == "clv" or (type(s.baseline) == "table" and s.baseline.source == "clv")
end

--- Baselines from the CLV models, for a scenario with `baseline = "clv"`:
-- each customer's P(alive) now as the retention, the purchases expected
-- over the horizon from a customer who is alive (E[X(h)] / P(alive)) as
-- the orders, and Gamma-Gamma's expected order value.  Retained value
-- r o ov is then the model's expected revenue over the horizon.
-- @tparam frame customers rows to compute for, with an id column
-- @tparam string id that column's name
-- @tparam table clv {purchase = Model, spend = Model, summary = frame with
--   customer, frequency, recency, T, monetary_value in `unit`, unit}
-- @tparam number horizon_days
-- @tparam[opt] table models {purchase, spend} to use instead of clv's (a
--   parameter draw)
-- @return r, o, ov columns in the customers' order
function M.clv_baseline(customers, id, clv, horizon_days, models)
  local purchase = models and models.purchase or clv.purchase
  local spend = models and models.spend or clv.spend
  local s = customers:select{id}:join(clv.summary:select{"customer", "frequency", "recency", "T",
    "monetary_value"}, {[id] = "customer"}, {how = "left"})
  local missing = s.frequency:nmissing()
  if missing > 0 then
    error(string.format("baseline \"clv\": %d customers have no CLV summary row", missing), 0)
  end
  local t = horizon_days / (UNIT_DAYS[clv.unit or "week"] or 7)
  local pa = purchase:p_alive(s):fill(0)
  local expected = purchase:conditional(s, t):fill(0)
  local safe = pa:clip(1e-12, 1)
  local o = (expected / safe):fill(0)
  return pa:clip(0, 1), o, spend:expected_spend(s):fill(0)
end

-- Groups of selected customers: segment x retention rounded to
-- `precision`; each group uses its members' mean retention, orders and
-- value.  `names` fixes the segment numbering (nil: sorted names found).
local function make_groups(selected, precision, names)
  local key = precision > 0 and (selected:col("r") / precision):round() or selected:col("r")
  local g = custan.frame({segment = selected:col("segment"), key = key, r = selected:col("r"),
                          o = selected:col("o"), ov = selected:col("ov")},
                         {"segment", "key", "r", "o", "ov"})
  local agg = g:group_by({"segment", "key"}):agg{
    {"r", "size", as = "count"}, {"r", "mean", as = "r"}, {"o", "mean", as = "o"},
    {"ov", "mean", as = "ov"}}
  local index = {}
  if not names then
    names = {}
    for _, v in ipairs(agg:col("segment"):to_table()) do
      if not index[v] then names[#names + 1] = v end
      index[v] = true
    end
    table.sort(names)
  end
  index = {}
  for i, v in ipairs(names) do index[v] = i end
  local segnum = agg:col("segment"):map(function(v) return index[v] end, "int64")
  return {count = agg:col("count"):cast("float64"), retain = agg:col("r"),
          orders = agg:col("o"), ovalue = agg:col("ov"), segment = segnum,
          nsegments = math.max(1, #names)}, names, agg:nrows()
end

--- Prepares a scenario's customers: targeted rows, baselines, the ranking
-- by expected value, the budget or contact cut, and the groups.
-- @return plan {targeted, selected, groups, segments, ...}
function M.plan(s, customers, options)
  local o = options or {}
  local where = s.where or "policy"
  local n = customers:nrows()
  local mask
  if s.target == "all" then
    mask = customers:col(customers:names()[1]):is_missing() | true
  else
    local ok, v = pcall(s.target, customers)
    if not ok then fail(where, "target", tostring(v)) end
    if not custan.is_column(v) or v:type() ~= "bool" then
      fail(where, "target", "must return a bool column (one value per customer)")
    end
    mask = v:fill(false)
  end
  local r, orders, value
  local id = o.id or customers:names()[1]
  local override = {}
  if M.uses_clv(s) then
    if not o.clv then
      fail(where, "baseline", "\"clv\" needs the fitted CLV models: run the policy in the " ..
        "pipeline (custan run pipeline.lua), or give the baseline as columns")
    end
    -- retention P(alive), orders of an alive customer, Gamma-Gamma's order value
    r, orders, value = M.clv_baseline(customers, id, o.clv, s.horizon_days or 90)
    -- {source = "clv", retention = ...}: a field given replaces the models'
    local b = type(s.baseline) == "table" and s.baseline or {}
    if b.retention ~= nil then
      r, override.retention = baseline_column(customers, b.retention, "retention", where), true
    end
    if b.orders ~= nil then
      orders, override.orders = baseline_column(customers, b.orders, "orders", where), true
    end
    if b.order_value ~= nil then
      value, override.order_value = baseline_column(customers, b.order_value, "order_value", where), true
    end
  else
    local b = s.baseline or {}
    r = baseline_column(customers, b.retention, "retention", where, nil)
    orders = baseline_column(customers, b.orders, "orders", where, 1)
    value = baseline_column(customers, b.order_value, "order_value", where, nil)
  end
  if r:min() and (r:min() < 0 or r:max() > 1) then
    fail(where, "baseline.retention", string.format("must be a probability; values run from %g to %g",
      r:min(), r:max()))
  end
  local m = means(s)
  local ev, ecost = expected_value(r, orders, orders * value, m, s.save_absolute)
  local seg_name = o.segment_column or s.segment_column or "segment"
  local seg = customers:has(seg_name) and customers:col(seg_name):cast("string"):fill("(none)")
    or nil
  local t = custan.frame({id = customers:col(id), r = r, o = orders, ov = orders * value, ev = ev,
                          ecost = ecost, target = mask},
                         {"id", "r", "o", "ov", "ev", "ecost", "target"})
  t.segment = seg or mask:map(function() return "all" end, "string")
  -- rank the targeted customers by expected value (ties in file order: the
  -- sort is stable); cut at the budget or the contact limit
  local ranked = t:filter(t:col("target")):sort("ev", {desc = true})
  local k = ranked:nrows()
  if s.max_contacts then k = math.min(k, math.floor(s.max_contacts)) end
  if s.budget then
    local cum = ranked:col("ecost"):cumsum()
    local within = cum:le(s.budget):sum()
    k = math.min(k, within)
  end
  local selected = ranked:head(k)
  -- the best targeting: every customer of the rule with positive expected
  -- value, best first, within the same limits
  local positive = ranked:filter(ranked:col("ev"):gt(0))
  local best_k = math.min(positive:nrows(), k == ranked:nrows() and positive:nrows() or k)
  -- groups: segment x rounded retention.  Each group uses its members'
  -- mean retention, so expected values are exact at any precision, and
  -- the variance ignores only the spread of probabilities inside a group,
  -- at most (precision / 2)^2 per customer against about p (1 - p) for
  -- the draw itself (docs/models.md).
  local precision = o.precision or 0.01
  local groups, names, ngroups = make_groups(selected, precision)
  return {
    scenario = s, customers = n, targeted = mask:sum(), selected = selected,
    contacted = selected:nrows(), ranked = ranked, best_k = best_k,
    groups = groups, ngroups = ngroups, segments = names, means = m, precision = precision,
    clv = M.uses_clv(s) and o.clv or nil, override = override,
  }
end

-- -------------------------------------------------------- simulation --

-- Draws of every assumption (columns), and the two the kernel needs.
local function draw_columns(s, draws, seed)
  local a = {}
  for _, f in ipairs(M.fields) do
    local d = s.resolved[f.key]
    if d == nil then
      a[f.key] = f.default or 0
    elseif d.kind == "constant" then
      a[f.key] = d.a -- a number: the economics then works on numbers, not columns
    else
      a[f.key] = sim.draw(d, draws, seed, f.stream)
    end
  end
  local save = a.churn_reduction_abs
  if s.resolved.churn_reduction_abs == nil then save = a.churn_reduction end
  local zeros = sim.draw(sim.constant(0), draws, 1)
  local function col(v) return type(v) == "number" and zeros + v or v end
  return a, {uptake = col(a.uptake), save = col(save), save_absolute = s.save_absolute}
end

-- Fixed assumption values, and the kernel's one-draw columns.
local function fixed_columns(s, values)
  local a = with_defaults(values)
  local save = s.save_absolute and a.churn_reduction_abs or a.churn_reduction
  return a, {uptake = custan.column({a.uptake}, "float64"), save = custan.column({save}, "float64"),
             save_absolute = s.save_absolute}
end

local metrics = {"contacted", "conversions", "retained", "orders", "revenue", "cost", "net"}
M.metrics = metrics

--- Summary of one set of per-draw outputs (a table of columns): one sort
-- per metric for all its quantiles (column:quantiles, numpy's interpolation).
local QS = {0.5, 0.05, 0.95, 0.025, 0.975}
local function summarise(out)
  local r = {}
  for _, k in ipairs(metrics) do
    local c = out[k]
    local q = c:quantiles(QS)
    r[k] = {mean = c:mean(), median = q[1], p05 = q[2], p95 = q[3], p025 = q[4], p975 = q[5],
            sd = c:std(1)}
  end
  local contacted = r.contacted.mean
  r.p_positive = out.net:gt(0):cast("float64"):mean()
  r.roi = r.cost.mean > 0 and r.net.mean / r.cost.mean or nil
  r.conversion_rate = contacted > 0 and r.conversions.mean / contacted or nil
  r.retention_lift = contacted > 0 and r.retained.mean / contacted or nil
  return r
end

-- The sum over segments of each metric's per-draw column.
local function totals(per, draws)
  local total = {}
  for _, k in ipairs(metrics) do
    local sum
    for i = 1, #per do sum = sum and (sum + per[i][k]) or per[i][k] end
    total[k] = sum or sim.draw(sim.constant(0), draws, 1)
  end
  return total
end

-- The kernel's sums with the CLV models' parameters drawn too: the draws
-- are cut into #sets equal blocks, and block k uses parameter set k for
-- every selected customer's baseline (the targeting stays the point
-- estimates' decision).  Returns per-segment sums as core.simulate does.
local function simulate_with_models(plan, sets, kernel, draws, seed, threads)
  local K = #sets
  if draws % K ~= 0 then error(string.format("draws (%d) must be a multiple of the %d parameter " ..
    "sets", draws, K), 0) end
  local B = draws // K
  local blocks = {}
  local horizon = plan.scenario.horizon_days or 90
  for k = 1, K do
    local r, orders, value = M.clv_baseline(plan.selected, "id", plan.clv, horizon, sets[k])
    -- the fields the policy gave itself stay as they are
    local fixed, sel_o = plan.override or {}, plan.selected:col("o")
    if fixed.retention then r = plan.selected:col("r") end
    if fixed.order_value then value = (plan.selected:col("ov") / sel_o:clip(1e-300, math.huge)):fill(0) end
    if fixed.orders then orders = sel_o end
    local sel = custan.frame({segment = plan.selected:col("segment"), r = r, o = orders,
      ov = orders * value}, {"segment", "r", "o", "ov"})
    local groups = make_groups(sel, plan.precision, plan.segments)
    local from, to = (k - 1) * B + 1, k * B
    local part = {uptake = kernel.uptake:slice(from, to), save = kernel.save:slice(from, to),
                  save_absolute = kernel.save_absolute}
    blocks[k] = core.simulate(groups, part, seed + 104729 * k, threads)
  end
  local per = {}
  for i = 1, #blocks[1] do
    local names = {}
    for name in pairs(blocks[1][i]) do names[#names + 1] = name end
    table.sort(names)
    local frames = {}
    for k = 1, K do frames[k] = custan.frame(blocks[k][i], names) end
    local f = custan.concat(table.unpack(frames))
    per[i] = {}
    for _, name in ipairs(names) do per[i][name] = f:col(name) end
  end
  return per
end

-- How much of the net value's spread comes from the CLV models'
-- parameters: by the law of total variance over the K blocks of draws
-- (one parameter set each), Var(net) = Var(block mean) + E(Var within);
-- the block means' variance less its sampling part (within / B) is the
-- models' share.  Also the interval with the point estimates alone.
local function decompose(net, fixed_net, K)
  local n = net:len()
  local B = n // K
  local means, within = {}, 0
  for k = 1, K do
    local block = net:slice((k - 1) * B + 1, k * B)
    means[k] = block:mean()
    within = within + (B > 1 and block:var(1) or 0) / K
  end
  local between = custan.column(means, "float64"):var(1)
  local total = net:var(1)
  local model = math.max(0, between - within / B)
  local q = net:quantiles({0.05, 0.95})
  local qf = fixed_net:quantiles({0.05, 0.95})
  return {parameter_sets = K, variance = total, model_share = total > 0 and math.min(1, model / total) or 0,
          assumptions_share = total > 0 and 1 - math.min(1, model / total) or 1,
          net_p05 = q[1], net_p95 = q[2], net_p05_point_estimates = qf[1],
          net_p95_point_estimates = qf[2]}
end

--- Simulates a planned scenario.
-- @tparam table plan from M.plan
-- @tparam[opt] table options `draws` (10000), `seed` (1), `threads`
-- @return result {total = summary, segments = {name = summary}, draws = per-draw columns
--   of the total, sensitivity, targeting}
function M.simulate(plan, options)
  local o = options or {}
  local draws, seed = o.draws or 10000, o.seed or 1
  local s = plan.scenario
  local a, kernel = draw_columns(s, draws, seed)
  local per, sets = nil, plan.clv and o.parameter_sets
  if sets and #sets > 0 then
    per = simulate_with_models(plan, sets, kernel, draws, seed, o.threads)
  else
    per = core.simulate(plan.groups, kernel, seed, o.threads)
  end
  for i = 1, #per do per[i] = M.economics(per[i], a) end
  local total = totals(per, draws)
  local result = {name = s.name, draws = draws, seed = seed, contacted = plan.contacted,
                  targeted = plan.targeted, groups = plan.ngroups, total = summarise(total),
                  segments = {}, per_draw = total}
  for i, name in ipairs(plan.segments) do result.segments[name] = summarise(per[i]) end
  if sets and #sets > 0 then
    -- the same draws of the assumptions at the point estimates alone
    local fixed = core.simulate(plan.groups, kernel, seed, o.threads)
    for i = 1, #fixed do fixed[i] = M.economics(fixed[i], a) end
    result.uncertainty = decompose(total.net, totals(fixed, draws).net, #sets)
  end
  result.sensitivity = M.sensitivity(plan)
  result.expected = M.expected(plan, plan.means)
  return result
end

--- Expected outputs (no sampling) with the assumptions at given values.
function M.expected(plan, values)
  local a, kernel = fixed_columns(plan.scenario, values)
  local e = core.expect(plan.groups, kernel, 1)
  local total = {}
  for _, k in ipairs(metrics) do total[k] = 0 end
  for i = 1, #e do
    local out = M.economics(e[i], a)
    for _, k in ipairs(metrics) do total[k] = total[k] + out[k] end
  end
  return total
end

--- Tornado data: expected net value with one assumption at its 5% and 95%
-- quantiles and the others at their means, largest swing first.
function M.sensitivity(plan)
  local rows = {}
  for _, f in ipairs(M.fields) do
    local d = plan.scenario.resolved[f.key]
    if d and d.kind ~= "constant" then
      local lo, hi = sim.quantile(d, 0.05), sim.quantile(d, 0.95)
      local v = {}
      for k, x in pairs(plan.means) do v[k] = x end
      v[f.key] = lo
      local net_lo = M.expected(plan, v).net
      v[f.key] = hi
      local net_hi = M.expected(plan, v).net
      rows[#rows + 1] = {assumption = f.group .. "." .. f.key, distribution = tostring(d),
                         low = lo, high = hi, net_at_low = net_lo, net_at_high = net_hi,
                         swing = math.abs(net_hi - net_lo)}
    end
  end
  table.sort(rows, function(x, y)
    if x.swing ~= y.swing then return x.swing > y.swing end
    return x.assumption < y.assumption
  end)
  return rows
end

--- The targeting list: the rule's customers ranked by expected
-- incremental value, with the cumulative expected cost and whether each is
-- contacted under the scenario's limits and in the best targeting.
function M.targeting(plan)
  local t = plan.ranked
  local n = t:nrows()
  local rank = t:col("ev"):rank(true) -- the position in the ranking
  local out = custan.frame({customer = t:col("id"), expected_net = t:col("ev"),
    expected_cost = t:col("ecost"), cumulative_cost = t:col("ecost"):cumsum(),
    contacted = rank:le(plan.contacted), best = rank:le(plan.best_k), segment = t:col("segment")},
    {"customer", "segment", "expected_net", "expected_cost", "cumulative_cost", "contacted", "best"})
  return out, {customers = plan.best_k,
    expected_net = n > 0 and t:head(plan.best_k):col("ev"):sum() or 0,
    rule_expected_net = n > 0 and t:head(plan.contacted):col("ev"):sum() or 0}
end

return M
