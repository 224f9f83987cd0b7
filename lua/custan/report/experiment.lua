--- Terminal report of policy scenarios (custan.analysis.experiment.scenarios).
-- @module custan.report.experiment

local util = require "custan.util"

local M = {}

local function pct(x) return x and string.format("%.2f%%", 100 * x) or "-" end
local function money(x) return x and util.commas(string.format("%.0f", x)) or "-" end

function M.terminal(doc, w)
  local s = doc.summary
  w:line("%s: %s customers; %d draws, seed %d", s.customers, util.commas(doc.n_customers),
    s.draws, s.seed)
  w:blank()
  local rows = {{scenario = "do nothing (baseline)", contacted = 0, conversions = 0, retained = 0,
                 net_mean = 0, net_90 = "0 .. 0"}}
  for _, r in ipairs(doc.results) do
    local t = r.total
    rows[#rows + 1] = {scenario = r.name, contacted = r.contacted, conversions = t.conversions.mean,
      retained = t.retained.mean, net_mean = t.net.mean,
      net_90 = money(t.net.p05) .. " .. " .. money(t.net.p95), p_positive = t.p_positive, roi = t.roi}
  end
  w:table(rows, {{"scenario", left = true}, {"contacted", fmt = "count"},
    {"conversions", fmt = "%.1f"}, {"retained", fmt = "%.1f"}, {"net_mean", title = "net (mean)", fmt = money},
    {"net_90", title = "net (90%)", fmt = "text"}, {"p_positive", title = "P(net > 0)", fmt = "%.3f"},
    {"roi", title = "ROI", fmt = "%.2f"}})
  for _, r in ipairs(doc.results) do
    w:blank()
    w:line("%s (%s): %s of %s targeted contacted, %d groups, %.2f s", r.name, r.path,
      util.commas(r.contacted), util.commas(r.targeted), r.groups, r.seconds)
    local t = r.total
    w:line("  net value %s (95%%: %s .. %s); revenue %s; cost %s; conversion %s; " ..
      "retention lift %s", money(t.net.mean), money(t.net.p025), money(t.net.p975),
      money(t.revenue.mean), money(t.cost.mean), pct(t.conversion_rate), pct(t.retention_lift))
    if #r.sensitivity > 0 then
      local parts = {}
      for k = 1, math.min(4, #r.sensitivity) do
        local x = r.sensitivity[k]
        parts[k] = string.format("%s %s..%s", x.assumption, money(x.net_at_low), money(x.net_at_high))
      end
      w:line("  sensitivity of net value (5%%..95%% of each assumption): %s", table.concat(parts, "; "))
    end
    local b = r.best_targeting
    w:line("  best targeting: %s customers with positive expected value, expected net %s " ..
      "(the rule as written: %s)", util.commas(b.customers), money(b.expected_net),
      money(b.rule_expected_net))
    local names = {}
    for name in pairs(r.segments) do names[#names + 1] = name end
    table.sort(names)
    if #names > 1 then
      local seg_rows = {}
      for _, name in ipairs(names) do
        local x = r.segments[name]
        seg_rows[#seg_rows + 1] = {segment = name, contacted = x.contacted.mean, net = x.net.mean,
                                   p_positive = x.p_positive}
      end
      w:table(seg_rows, {{"segment", left = true}, {"contacted", fmt = "count"},
        {"net", fmt = money}, {"p_positive", title = "P(net > 0)", fmt = "%.3f"}}, nil, "    ")
    end
  end
end

return M
