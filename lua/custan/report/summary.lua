--- Terminal report of a file summary (custan.analysis.summary).
-- @module custan.report.summary

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  -- the load time is for the terminal only: files and --json stay byte-identical
  w:line("%s: %s rows x %d columns, %.1f MB in memory, loaded in %.2f s", s.file,
    util.commas(s.rows), #s.columns, s.frame_bytes / 1e6, doc.seconds)
  local skipped = transactions.skipped_message(doc.info)
  if skipped then w:line(skipped) end
  w:blank()
  local number = function(v)
    if type(v) ~= "number" then return tostring(v) end
    return math.type(v) == "integer" and util.commas(v) or util.commas(string.format("%.2f", v))
  end
  w:table(s.columns, {{"column", left = true}, {"type", left = true}, {"count", fmt = "count"},
    {"missing", fmt = "count"}, {"distinct", fmt = "count"}, {"mean", fmt = number},
    {"min", fmt = number}, {"max", fmt = number}})
  local t = s.transactions
  if not t then return end
  w:blank()
  w:line("transactions %s .. %s", t.first, t.last)
  local rows = {{what = "purchase rows", n = t.purchase_rows}}
  if t.orders then rows[#rows + 1] = {what = "orders", n = t.orders} end
  if t.customers then
    rows[#rows + 1] = {what = "customers", n = t.customers}
    rows[#rows + 1] = {what = "rows w/o customer", n = t.rows_without_customer}
  end
  rows[#rows + 1] = {what = "revenue", money = t.revenue}
  rows[#rows + 1] = {what = "cancelled rows", n = t.cancelled_rows, money = t.cancelled_amount}
  if t.net_revenue then rows[#rows + 1] = {what = "revenue net of returns", money = t.net_revenue} end
  w:table(rows, {{"what", title = "", left = true}, {"n", title = "", fmt = "count"},
    {"money", title = "", fmt = "money"}}, nil, " ")
  if t.top_countries then
    w:blank()
    w:table(t.top_countries, {{"country", left = true}, {"revenue", fmt = "money"},
      {"revenue_share", title = "share", fmt = "pct"}},
      string.format("top %d countries by revenue", doc.top), "  ")
  end
end

return M
