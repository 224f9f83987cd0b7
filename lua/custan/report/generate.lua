--- Terminal report of a generated world (custan.analysis.generate).
-- @module custan.report.generate

local cli = require "custan.cli"
local util = require "custan.util"

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("world '%s', seed %d: %s customers, log %s .. %s (%d days), holdout to %s",
    s.world, s.seed, util.commas(s.customers), s.start, s["end"], s.days, s.holdout_end)
  w:blank()
  local rows = {
    {what = "orders", n = s.orders}, {what = "order lines", n = s.lines},
    {what = "cancelled lines", n = s.cancel_lines}, {what = "returned lines", n = s.return_lines},
    {what = "orders in the holdout (truth.csv)", n = s.holdout_orders},
  }
  if doc.events then rows[#rows + 1] = {what = "web events", n = s.events} end
  w:table(rows, {{"what", title = "", left = true}, {"n", title = "", fmt = "count"}}, nil, " ")
  w:blank()
  w:line("generated in %.2f s; wrote %s in %s", doc.seconds, cli.and_list(doc.files), doc.output)
end

return M
