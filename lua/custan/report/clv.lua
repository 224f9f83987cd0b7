--- Terminal report of a CLV result (custan.analysis.clv).
-- @module custan.report.clv

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

local function param_line(m)
  local parts = {}
  for _, n in ipairs(m.param_names) do
    parts[#parts + 1] = m.se and string.format("%s = %.4g (se %.2g)", n, m.params[n], m.se[n])
      or string.format("%s = %.4g", n, m.params[n])
  end
  return table.concat(parts, ", ")
end

function M.terminal(doc, w)
  local s, o = doc.summary, doc.options
  w:line("%s: %s customers; recency and T in %ss", s.input, util.commas(s.customers), o.unit)
  local skipped = doc.info and transactions.skipped_message(doc.info.read)
  if skipped then w:line(skipped) end
  for _, name in ipairs(doc.names) do
    local m = doc.models[name]
    w:line("%-7s %s", name, param_line(m))
    w:line("        log-likelihood %.4f, AIC %.2f, BIC %.2f, %s after %d iterations",
      m.loglik, m.aic, m.bic, m.converged and "converged" or "NOT CONVERGED", m.iterations)
    if m.message then w:line("        " .. m.message) end
  end
  local spend = doc.spend
  if spend then
    w:line("spend   %s (Gamma-Gamma, %s repeat customers)", param_line(spend),
      util.commas(spend.customers))
    if not spend.converged then w:line("        " .. (spend.message or "not converged")) end
  end
  if s.holdout_by_frequency then
    w:blank()
    local rows = {}
    for i, r in ipairs(s.holdout_by_frequency) do
      rows[i] = {frequency = r.frequency .. (r.frequency == 7 and "+" or ""), customers = r.customers,
                 actual = r.actual, predicted = r.predicted}
    end
    w:table(rows, {{"frequency"}, {"customers", fmt = "count"}, {"actual", fmt = "%.3f"},
      {"predicted", fmt = "%.3f"}},
      string.format("holdout (%g %ss): actual against predicted purchases by calibration " ..
        "frequency (%s)", s.holdout_length, o.unit, doc.best), "  ")
    for _, r in ipairs(s.comparison) do
      w:line("  %-7s holdout MAE %.4f, total error %+.1f (%+.1f%%)", r.model,
        r.holdout_mae, r.holdout_total_error, 100 * r.holdout_relative_error)
    end
  end
  w:blank()
  if not spend then
    if transactions.counts_only(o) then
      w:line("the log has no amounts (counts only): P(alive) and expected purchases, no spend model or CLV")
    else
      w:line("no monetary values: CLV needs the Gamma-Gamma spend model (monetary_value)")
    end
    return
  end
  local c = doc.customers
  w:line("CLV over %g months at %g%% a month (margin %g): total %s, mean %.2f", o.horizon,
    100 * o.discount, o.margin, util.commas(string.format("%.2f", s.total_clv)), c.clv:mean())
  if o.top > 0 then
    local top = c:sort("clv", {desc = true}):head(o.top):to_rows()
    local columns = {{"customer", left = true, fmt = "text"}, {"clv", title = "CLV", fmt = "money"}}
    if c:has("clv_low") then
      columns[#columns + 1] = {"clv_low", title = "low", fmt = "money"}
      columns[#columns + 1] = {"clv_high", title = "high", fmt = "money"}
    end
    columns[#columns + 1] = {"p_alive", fmt = "%.3f"}
    columns[#columns + 1] = {"expected_purchases", title = "expected purchases", fmt = "%.2f"}
    w:table(top, columns, string.format("top %d customers by CLV%s", o.top, c:has("clv_low") and
      string.format(" (90%% range from %d parameter draws, seed %d)", o.draws, o.seed) or ""), "  ")
  end
end

return M
