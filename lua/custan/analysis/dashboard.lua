--- Dashboards: a layout file (Lua, sandboxed) applied to a pipeline run's
-- results, rendered as one self-contained HTML page.  The data come from
-- a pipeline output folder (customers.csv, insights.json,
-- customers/weekly.csv, customers/summary.json) or from a pipeline result
-- in memory; the layout says which KPI tiles, charts and tables appear.
-- @module custan.analysis.dashboard

local custan = require "custan"
local lfs = require "lfs"
local json = require "custan.json"
local sandbox = require "custan.sandbox"
local util = require "custan.util"
local charts = require "custan.report.charts"
local html = require "custan.report.html"

local M = {}

--- The library's layouts (lua/custan/rules/dashboards/NAME.lua).
function M.layout_file(name)
  local path = package.searchpath("custan.rules.dashboards." .. name, package.path)
  if not path then error(string.format("no dashboard layout '%s' in the library", name), 0) end
  return path
end

local function fail(where, msg) error(where .. ": " .. msg, 0) end

--- Loads and checks a layout file (sandboxed); errors name the file and
-- the section.
function M.load_layout(path)
  local where = "layout " .. path
  local l = sandbox.run_file(path, "layout")
  if type(l) ~= "table" then fail(where, "must return a table") end
  if type(l.sections) ~= "table" or #l.sections == 0 then fail(where, "sections: give a list of sections") end
  return l, where
end

-- ------------------------------------------------------------------ data --

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

function derived.retention_projection(data)
  local t = M.stage_table(data, "cohorts", "retention_projection.csv")
  return t and t:to_rows()
end

function derived.lorenz(data)
  local t = M.stage_table(data, "cohorts", "lorenz.csv")
  return t and t:to_rows()
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

function derived.gain(data)
  local t = M.stage_table(data, "churn", "lift.csv")
  return t and t:to_rows()
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

-- ------------------------------------------------------------------ KPIs --

local function change(a, b)
  if type(a) ~= "number" or type(b) ~= "number" or b == 0 then return nil end
  return (a - b) / b
end

--- The KPI tiles a layout may name.  Each is function(data) -> tile.
M.kpis = {
  active_customers = function(d)
    local p = d.periods
    return {label = "active customers", value = html.number(p and p.last.customers),
      change = p and change(p.last.customers, p.previous.customers), against = "on the 4 weeks before",
      note = not p and "no weekly data" or nil}
  end,
  revenue = function(d)
    local p = d.periods
    return {label = "revenue, last 4 weeks", value = html.number(p and p.last.revenue),
      change = p and change(p.last.revenue, p.previous.revenue), against = "on the 4 weeks before"}
  end,
  orders = function(d)
    local p = d.periods
    return {label = "orders, last 4 weeks", value = html.number(p and p.last.orders),
      change = p and change(p.last.orders, p.previous.orders), against = "on the 4 weeks before"}
  end,
  average_order_value = function(d)
    local p = d.periods
    return {label = "average order value", value = html.number(p and p.last.average_order_value, 2),
      change = p and change(p.last.average_order_value, p.previous.average_order_value),
      against = "on the 4 weeks before"}
  end,
  churn_rate = function(d)
    local k = d.insights.kpis
    local prev = (M.stage_summary(d, "churn") or {}).previous_scoring
    return {label = string.format("predicted churn, next %d days", math.tointeger(k.churn_window_days or 90) or 90),
      value = html.percent(k.predicted_churn_rate), better = "down",
      change = prev and change(k.predicted_churn_rate, prev.churn_rate),
      against = prev and ("on " .. prev.as_of .. " (the same model)"), note = "as of " .. d.insights.as_of}
  end,
  customers_at_risk = function(d)
    local k = d.insights.kpis
    local prev = (M.stage_summary(d, "churn") or {}).previous_scoring
    return {label = "customers at high risk", value = html.number(k.customers_at_risk), better = "down",
      change = prev and change(k.customers_at_risk, prev.at_risk),
      against = prev and ("on " .. prev.as_of .. " (the same model)"), note = "risk tier High"}
  end,
  expected_value = function(d)
    local e = d.insights.kpis.expected_value
    if not e then return {label = "expected value", value = "-", note = "no spend model"} end
    return {label = string.format("expected value, next %d months", math.tointeger(e.horizon_months) or 12),
      value = html.number(e.value), note = e.low and string.format("90%% range %s to %s",
        html.number(e.low), html.number(e.high)) or nil}
  end,
  customers = function(d)
    return {label = "customers", value = html.number(d.insights.kpis.customers),
      note = string.format("%s active in the last %d days", html.number(d.insights.kpis.active_customers),
        math.tointeger(d.insights.kpis.active_days) or 90)}
  end,
  top_share = function(d)
    local s = M.stage_summary(d, "cohorts")
    local c = s and s.concentration
    return {label = "revenue from the top customers", value = c and html.percent(c.top_share) or "-",
      note = c and string.format("the top %s%% of customers; Gini %.2f", html.number(100 * (c.top or 0.2)),
        c.gini or 0) or nil}
  end,
  value_at_stake = function(d)
    local k = d.insights.kpis
    local prev = (M.stage_summary(d, "churn") or {}).previous_scoring
    return {label = "value at stake", value = html.number(k.value_at_stake), better = "down",
      change = prev and change(k.value_at_stake, prev.value_at_stake),
      against = prev and prev.value_at_stake and ("on " .. prev.as_of .. " (the same models)") or nil,
      note = "churn probability x CLV"}
  end,
}

-- ---------------------------------------------------------------- tables --

local function action_text(v) return v or "" end

--- The tables a layout may name: function(data, section) -> rows, columns, options.
M.tables = {
  contact_list = function(d, section)
    local c = d.customers
    if not (c:has("value_at_stake") and c:has("risk_tier")) then return nil end
    local risky = c:filter(c.risk_tier:eq("High"):fill(false)):sort("value_at_stake", {desc = true})
    local rows = risky:head(section.rows or 100):to_rows()
    return rows, {
      {key = "customer", title = "customer"}, {key = "segment", title = "segment"},
      {key = "clv", title = "CLV", num = true}, {key = "p_alive", title = "P(alive)", num = true,
        fmt = function(v) return v and string.format("%.2f", v) or "" end},
      {key = "churn_probability", title = "churn probability", num = true,
        fmt = function(v) return v and string.format("%.2f", v) or "" end},
      {key = "value_at_stake", title = "value at stake", num = true},
      {key = "recency_days", title = "days since last purchase", num = true},
      {key = "segment_action", title = "recommended action", class = "action", fmt = action_text},
    }, {segment = "segment"}
  end,
  abc = function(d)
    local rows = M.sources(d).abc
    if not rows then return nil end
    return rows, {{key = "class", title = "class"}, {key = "products", title = "products", num = true},
      {key = "revenue", title = "revenue", num = true}, {key = "share", title = "revenue share", num = true,
        fmt = "percent"}}, {search = false}
  end,
  policies = function(d)
    local rows = {}
    for _, p in ipairs(d.insights.policies or {}) do
      rows[#rows + 1] = {name = p.name, contacted = p.contacted, mean = p.net.mean, p05 = p.net.p05,
        p95 = p.net.p95, p_positive = p.p_positive, roi = p.roi, model_share = p.uncertainty and p.uncertainty.model_share,
        best = p.targeting and p.targeting.customers}
    end
    if #rows == 0 then return nil end
    return rows, {{key = "name", title = "policy"}, {key = "contacted", title = "contacted", num = true},
      {key = "mean", title = "net (mean)", num = true}, {key = "p05", title = "5%", num = true},
      {key = "p95", title = "95%", num = true},
      {key = "p_positive", title = "P(net > 0)", num = true, fmt = function(v) return v and string.format("%.3f", v) or "" end},
      {key = "roi", title = "ROI", num = true, fmt = function(v) return v and string.format("%.2f", v) or "" end},
      {key = "model_share", title = "spread from the models", num = true, fmt = "percent"},
      {key = "best", title = "best targeting (customers)", num = true}}, {search = false}
  end,
  segments = function(d)
    return d.insights.segments, {
      {key = "name", title = "segment"}, {key = "customers", title = "customers", num = true},
      {key = "revenue", title = "revenue", num = true},
      {key = "revenue_share", title = "revenue share", num = true, fmt = "percent"},
      {key = "mean_clv", title = "mean CLV", num = true},
      {key = "churn_risk", title = "churn risk", num = true, fmt = "percent"},
      {key = "action", title = "recommended action", class = "action", fmt = action_text},
    }, {segment = "name"}
  end,
}

-- ---------------------------------------------------------------- render --

local function segment_names(data)
  local out = {}
  for _, s in ipairs(data.insights.segments or {}) do out[#out + 1] = s.name end
  return out
end

local render_section

-- A frequency/recency matrix (section.matrix = "expected" or "p_alive") of
-- the diagnostics: rows are frequencies, columns recencies, at the
-- largest T (lifetimes' plot_frequency_recency_matrix and
-- plot_probability_alive_matrix).
-- The cohort retention matrix: rows are acquisition months, columns
-- months since, cells the share still buying.
local function cohort_matrix(page, data, section)
  local t = M.stage_table(data, "cohorts", "cohorts.csv", {cohort = "string"})
  if not t then return nil end
  local cohort, age, ret = t.cohort:to_table(), t.age:to_table(), t.retention:to_table()
  local rows, ri, cols, ci, cell = {}, {}, {}, {}, {}
  for i = 1, #cohort do
    local c, a = cohort[i]:sub(1, 7), math.tointeger(age[i]) or age[i]
    if not ri[c] then rows[#rows + 1] = c; ri[c] = true end
    if not ci[a] then cols[#cols + 1] = a; ci[a] = true end
    cell[c .. ":" .. a] = ret[i]
  end
  table.sort(cols)
  local body = page:matrix({rows = rows, columns = cols, row_title = "cohort", column_title = "months since",
    value = function(i, j) return cell[rows[i] .. ":" .. cols[j]] end,
    fmt = function(x) return string.format("%.0f%%", 100 * x) end})
  return page:section(section.title or "Cohort retention", body, section.note)
end

local function matrix_block(page, data, section, where)
  if section.matrix == "cohorts" then return cohort_matrix(page, data, section) end
  local d = data.diagnostics
  if not (d and d.frequency_recency) then return nil end
  local what = section.matrix
  if what ~= "expected" and what ~= "p_alive" then
    fail(where, "matrix must be \"expected\", \"p_alive\" or \"cohorts\"")
  end
  local g = d.frequency_recency
  local f, r, v = g.frequency:to_table(), g.recency:to_table(), g:col(what):to_table()
  local rows, cols, ri, ci, cell = {}, {}, {}, {}, {}
  for i = 1, #f do
    local fk, rk = math.tointeger(f[i]) or f[i], math.tointeger(r[i]) or r[i]
    if not ri[fk] then rows[#rows + 1] = fk; ri[fk] = #rows end
    if not ci[rk] then cols[#cols + 1] = rk; ci[rk] = true end
    cell[fk .. ":" .. rk] = v[i]
  end
  table.sort(cols)
  local unit = d.unit or "week"
  local body = page:matrix({rows = rows, columns = cols, row_title = "frequency",
    column_title = "recency (" .. unit .. "s)",
    value = function(i, j) return cell[rows[i] .. ":" .. cols[j]] end,
    fmt = function(x) return what == "p_alive" and string.format("%.2f", x) or string.format("%.2f", x) end,
    colour = what == "p_alive" and "89,161,79" or "78,121,167"})
  local default = what == "p_alive" and
    string.format("P(alive) by frequency and recency, at T = %.1f %ss (%s)", d.T or 0, unit, d.model or "")
    or string.format("Expected purchases in the next %.3g %ss by frequency and recency, at T = %.1f (%s)",
      d.horizon or 0, unit, d.T or 0, d.model or "")
  return page:section(section.title or default, body, section.note)
end

local function counts_only(data)
  return data.insights.data_quality and data.insights.data_quality.counts_only
end

local function chart_block(page, data, section, where)
  if section.requires == "diagnostics" and not data.diagnostics then return nil end
  local name = section.chart
  if counts_only(data) and charts.needs_amounts[name] ~= nil then
    name = charts.needs_amounts[name]
    if not name then return nil end -- no amounts to draw
    section = setmetatable({chart = name, title = false}, {__index = section})
  end
  local fn = charts.get(name)
  if not fn then fail(where, string.format("no chart '%s' (charts: %s)", tostring(section.chart),
    table.concat(charts.names(), ", "))) end
  local source = section.data or "insights"
  local all = M.sources(data)[source]
  if all ~= nil and custan.is_frame(all) and all:nrows() == 0 then all = nil end
  if all == nil or (type(all) == "table" and not custan.is_frame(all) and next(all) == nil) then
    return nil -- nothing to draw (a funnel of an order log)
  end
  local config = fn(all)
  -- the section's title stands above the chart: no second one inside it
  if section.title then config.options.plugins.title.display = false end
  local title = section.title or config.options.plugins.title.text or name
  local by_segment
  if section.by_segment ~= false and (source == "weekly" or source == "tiers") then
    by_segment = {}
    for _, name in ipairs(segment_names(data)) do
      by_segment[name] = fn(M.sources(data, name)[source]).data
    end
  end
  return page:section(title, page:chart(config, by_segment, section.height), section.note)
end

render_section = function(page, data, section, where)
  if type(section) ~= "table" then fail(where, "a section is a table") end
  if section.kpis then
    local tiles = {}
    local amounts = {revenue = true, average_order_value = true, value_at_stake = true}
    for _, name in ipairs(section.kpis) do
      local k = M.kpis[name]
      if not k then
        local names = {}
        for n in pairs(M.kpis) do names[#names + 1] = n end
        table.sort(names)
        fail(where, string.format("no KPI '%s' (KPIs: %s)", tostring(name), table.concat(names, ", ")))
      end
      if not (counts_only(data) and amounts[name]) then tiles[#tiles + 1] = k(data) end
    end
    return page:kpis(tiles)
  elseif section.chart then
    return chart_block(page, data, section, where)
  elseif section.table then
    local t = M.tables[section.table]
    if not t then fail(where, string.format("no table '%s'", tostring(section.table))) end
    local rows, columns, o = t(data, section)
    if not rows then return nil end
    return page:section(section.title or section.table, page:table(rows, columns, o), section.note)
  elseif section.matrix then
    return matrix_block(page, data, section, where)
  elseif section.grid then
    local parts = {}
    for i, s in ipairs(section.grid) do
      parts[#parts + 1] = render_section(page, data, s, where .. ".grid[" .. i .. "]")
    end
    return '<div class="grid">' .. table.concat(parts) .. "</div>"
  elseif section.text then
    return page:section(section.title or "", "<p>" .. html.escape(section.text) .. "</p>")
  end
  fail(where, "a section has kpis, chart, table, grid or text")
end

--- The report's layout: the strategic dashboard's sections, then the
-- model diagnostics', as one page to print.
function M.report_layout()
  local strategic = M.load_layout(M.layout_file("strategic"))
  local diagnostics = M.load_layout(M.layout_file("diagnostics"))
  local sections = {}
  for _, s in ipairs(strategic.sections) do sections[#sections + 1] = s end
  sections[#sections + 1] = {text = "The purchase model behind the CLV figures, checked as " ..
    "lifetimes and CLVTools users check it.", title = "Model diagnostics"}
  for _, s in ipairs(diagnostics.sections) do sections[#sections + 1] = s end
  return {title = "Customer analytics report", subtitle = "strategic dashboard and model diagnostics",
    segment_filter = false, sections = sections}
end

--- Builds a dashboard page.
-- @tparam table data from M.from_folder or M.from_pipeline
-- @tparam string|table layout a layout file's path, or a layout table
-- @return the page's HTML, and the layout
function M.build(data, layout)
  local where = "layout"
  if type(layout) == "string" then layout, where = M.load_layout(layout) end
  local ins = data.insights
  local page = html.page({title = layout.title or "custan dashboard",
    subtitle = string.format("%s, as of %s%s", ins.input, ins.as_of,
      layout.subtitle and (" - " .. layout.subtitle) or ""),
    segments = layout.segment_filter ~= false and segment_names(data) or nil,
    footer = tostring(ins.generated_by or "custan") .. "; data as of " .. ins.as_of ..
      ". Amounts in the log's currency."})
  for i, section in ipairs(layout.sections) do
    local part = render_section(page, data, section, string.format("%s: sections[%d]", where, i))
    if part then page:add(part) end
  end
  return page:render(), layout
end

return M
