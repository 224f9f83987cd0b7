--- Terminal report of a test design (custan.analysis.experiment.design).
-- @module custan.report.experiment_design

local util = require "custan.util"

local M = {}

local function pct(x) return x and string.format("%.2f%%", 100 * x) or "-" end

function M.terminal(doc, w)
  local r = doc.summary
  if r.metric == "proportion" then
    w:line("baseline %s, treatment %s: an effect of %s (%s relative), Cohen's h %.4f",
      pct(r.baseline), pct(r.treatment_rate), pct(r.mde), pct(r.mde_relative), r.effect_size)
  else
    w:line("an effect of %.6g (sd %.6g): d = %.4f", r.mde, r.sd, r.effect_size)
  end
  w:line("alpha %.3g (two-sided), power %.3g, control/treatment ratio %.3g", r.alpha, r.power, r.ratio)
  w:line("treatment %s, control %s: %s in all (achieved power %.4f)",
    util.commas(r.n_per_arm), util.commas(r.n_control), util.commas(r.n_total), r.achieved_power)
  if r.days then
    w:line("at %s eligible a day: %.1f days", util.commas(doc.options.eligible_per_day), r.days)
  end
end

return M
