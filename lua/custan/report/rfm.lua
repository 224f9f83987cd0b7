--- Terminal report of an RFM result (custan.analysis.rfm).
-- @module custan.report.rfm

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("%s: %s customers from %s purchase rows (of %s), observation end %s", s.input,
    util.commas(s.customers), util.commas(s.purchase_rows), util.commas(s.rows),
    s.observation_end)
  w:line("periods of a %s, recency and T in %ss; revenue %s", s.period, s.unit,
    util.commas(string.format("%.2f", s.revenue)))
  local skipped = transactions.skipped_message(doc.info.read)
  if skipped then w:line(skipped) end
  w:blank()
  w:table(s.segments, {
    {"segment", left = true}, {"customers", fmt = "count"}, {"customer_share", title = "share", fmt = "pct"},
    {"revenue", fmt = "money"}, {"revenue_share", title = "share", fmt = "pct"},
    {"mean_R", title = "R", fmt = "%.1f"}, {"mean_F", title = "F", fmt = "%.1f"},
    {"mean_M", title = "M", fmt = "%.1f"},
  })
  w:blank()
  w:table(s.segments, {{"segment", left = true}, {"action", left = true}},
    "recommended actions", "  ")
  for _, note in ipairs(s.notes) do w:line("note: " .. note) end
  if doc.top and doc.top > 0 then
    w:blank()
    local top = doc.customers:sort("revenue", {desc = true}):head(doc.top):to_rows()
    for _, c in ipairs(top) do c.last = c.last_purchase:sub(1, 10) end
    w:table(top, {
      {"customer", left = true, fmt = "text"}, {"revenue", fmt = "money"}, {"orders", fmt = "count"},
      {"last", left = true}, {"RFM", left = true}, {"segment", left = true},
    }, string.format("top %d customers by revenue", doc.top), "  ")
  end
end

return M
