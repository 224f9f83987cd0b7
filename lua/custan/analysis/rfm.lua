--- RFM analysis: one row per customer with lifetimes' summary fields,
-- R, F and M scores and named segments; returns a result document.
-- @module custan.analysis.rfm

local rfm = require "custan.rfm"
local dist = require "custan.dist"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {period = "day", top = 5}

--- Runs the analysis.
-- @tparam string|frame input a transaction file (streamed), or a frame of
--   transactions with the file's column names
-- @tparam[opt] table options the reader's (custan.data.transactions),
--   `period` ("day" | "week" | "month"), `unit` (default the period),
--   `end` and `calibration_end` (YYYY-MM-DD), `rules` (a rules table or a
--   rule file's path; default custan.rules.segments), `top` (customers listed)
-- @return result document {kind = "rfm", summary, tables, warnings, customers, segments}
-- @raise on unreadable input or a log with no purchase
function M.run(input, options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  o.unit = o.unit or o.period
  local rules = type(o.rules) == "string" and rfm.load_rules(o.rules) or
    (o.rules and rfm.check_rules(o.rules) or rfm.default_rules())
  local customers, info
  if type(input) == "string" then
    customers, info = rfm.summary_file(input, o)
  else
    customers, info = rfm.summary(input, o)
    local rows = input:nrows()
    if o.partitioned then rows = math.tointeger(dist.sum(rows)) end -- every rank's share
    info.read = {rows = rows, skipped_bad_rows = o.source_skipped_bad_rows or 0, skipped_lines = {}}
  end
  local name = type(input) == "string" and input or o.source_name or "transactions"
  if customers:nrows() == 0 then
    error(string.format("%s: no purchases to summarise (%d rows read, %d without customer or " ..
      "date, %d after the end)", name, info.rows, info.skipped, info.excluded), 0)
  end
  local warnings = {}
  local revenue = customers.revenue:sum()
  if transactions.counts_only(o) then
    warnings[#warnings + 1] = "the log has no amounts (counts only): revenue is 0 and the M " ..
      "scores rank nothing"
  elseif not (revenue > 0) then
    warnings[#warnings + 1] = string.format("total revenue is %.2f: revenue shares and M " ..
      "scores mean nothing (are the prices or amounts right?)", revenue)
  end
  rfm.score(customers)
  local _, notes = rfm.segment(customers, rules)
  local segments = rfm.segment_table(customers, rules)
  if not (revenue > 0) then segments.revenue_share = segments.revenue * 0 end
  local summary = {
    input = name,
    rows = info.rows,
    purchase_rows = info.purchase_rows,
    rows_without_customer_or_date = info.skipped,
    rows_after_end = info.excluded,
    rows_ignored = info.ignored,
    skipped_bad_rows = info.read.skipped_bad_rows,
    observation_end = info.end_day,
    period = o.period,
    unit = o.unit,
    customers = customers:nrows(),
    total_frequency = customers.frequency:sum(),
    revenue = revenue,
    returns = o.returns,
    net_revenue = customers:has("net_revenue") and customers.net_revenue:sum() or nil,
    rules = type(o.rules) == "string" and o.rules or "custan.rules.segments",
    segments = segments:to_rows(),
    notes = notes,
  }
  return {
    kind = "rfm", summary = summary, warnings = warnings, info = info, top = o.top,
    customers = customers, segments = segments,
    tables = {{"customers.csv", customers}, {"segments.csv", segments}},
  }
end

return M
