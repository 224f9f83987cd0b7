--- Terminal report of a cohort result (custan.analysis.cohort).
-- @module custan.report.cohort

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

local DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

-- retention matrix: one row per cohort, +1..+months
local function retention(doc, w)
  local by_cohort, keys = {}, {}
  for _, r in ipairs(doc.summary.cohorts) do
    local key = r.cohort:sub(1, 7)
    if not by_cohort[key] then
      by_cohort[key] = {cohort = key, size = r.size}
      keys[#keys + 1] = key
    end
    by_cohort[key][r.age] = r.retention
  end
  table.sort(keys)
  local rows, columns = {}, {{"cohort", left = true}, {"size", fmt = "count"}}
  for m = 1, doc.months do columns[#columns + 1] = {m, title = "+" .. m, fmt = "%.0f%%"} end
  for _, k in ipairs(keys) do
    local row = {cohort = k, size = by_cohort[k].size}
    for m = 1, doc.months do row[m] = by_cohort[k][m] and 100 * by_cohort[k][m] end
    rows[#rows + 1] = row
  end
  w:table(rows, columns,
    "retention by monthly cohort (share of the cohort buying N months after its first month)")
end

function M.terminal(doc, w)
  local s = doc.summary
  w:line("%s: %s purchase rows, %s customers, %s .. %s", s.input, util.commas(s.purchase_rows),
    util.commas(s.customers), s.first, s.last)
  local skipped = transactions.skipped_message(doc.info)
  if skipped then w:line(skipped) end
  w:blank()
  retention(doc, w)
  w:blank()
  local c = s.concentration
  if c.top_share then
    w:line("revenue concentration: the top %d%% of customers (%s) bring %.1f%% of revenue; Gini %.3f",
      math.floor(100 * c.top + 0.5), util.commas(c.top_customers), 100 * c.top_share, c.gini)
  end
  if s.abc then
    local total, parts = 0, {}
    for _, r in ipairs(s.abc) do total = total + r.revenue end
    for _, r in ipairs(s.abc) do
      parts[#parts + 1] = string.format("%s %s products (%.1f%% of revenue)", r.class,
        util.commas(r.products), 100 * r.revenue / total)
    end
    w:line("ABC classes: " .. table.concat(parts, ", "))
  end
  local by_day = doc.hours:group_by("weekday"):agg{{"orders", "sum", as = "orders"}}
  local parts = {}
  for _, r in ipairs(by_day:to_rows()) do parts[#parts + 1] = DAYS[r.weekday] .. " " .. util.commas(r.orders) end
  w:blank()
  w:line("orders by weekday: " .. table.concat(parts, ", "))
  local peak = doc.hours:sort("orders", {desc = true}):row(1)
  w:line("busiest hour: %s %02d:00 (%s orders)", DAYS[peak.weekday], peak.hour, util.commas(peak.orders))
  if doc.countries then
    w:blank()
    w:table(doc.countries:head(5):to_rows(), {
      {"country", left = true}, {"revenue", fmt = "money"}, {"revenue_share", title = "share", fmt = "pct"},
      {"customers", fmt = "count"}}, "top countries by revenue", "  ")
  end
  local rm = s.retention_model
  if rm then
    w:blank()
    w:line("retention model: %s, alpha %.4g, beta %.4g (log-likelihood %.1f), on survival with %d " ..
      "months of grace", rm.model, rm.params.alpha, rm.params.beta, rm.loglik, rm.grace_months)
    local rows = {}
    for _, k in ipairs{1, 3, 6, 12, 18, 24} do
      if rm.projection[k] then rows[#rows + 1] = rm.projection[k] end
    end
    w:table(rows, {{"age", title = "month", fmt = "%d"}, {"observed_survival", title = "observed", fmt = "pct"},
      {"survival", title = "sBG survival", fmt = "pct"}, {"retention", title = "retention", fmt = "pct"}},
      nil, "  ")
  end
  w:blank()
  local months = doc.monthly:to_rows()
  for _, r in ipairs(months) do r.month = r.month:sub(1, 7) end
  w:table(months, {
    {"month", left = true}, {"revenue", fmt = "money"}, {"orders", fmt = "count"},
    {"customers", fmt = "count"}, {"new_customers", title = "new", fmt = "count"},
    {"returning_customers", title = "returning", fmt = "count"},
    {"average_order_value", title = "AOV", fmt = "%.2f"}})
end

return M
