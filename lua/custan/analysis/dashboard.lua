--- Dashboards: a layout file (Lua, sandboxed) applied to a pipeline run's
-- results, rendered as one self-contained HTML page.  The data come from
-- a pipeline output folder (customers.csv, insights.json,
-- customers/weekly.csv, customers/summary.json) or from a pipeline result
-- in memory; the layout says which KPI tiles, charts and tables appear.
-- @module custan.analysis.dashboard

local custan = require "custan"
local sandbox = require "custan.sandbox"
local charts = require "custan.report.charts"
local html = require "custan.report.html"
local data_m = require "custan.analysis.dashboard_data"

local M = {}

-- The data side (custan.analysis.dashboard_data), here too for callers.
M.from_folder, M.from_pipeline = data_m.from_folder, data_m.from_pipeline
M.stage_table, M.stage_summary, M.sources = data_m.stage_table, data_m.stage_summary, data_m.sources

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
