--- Terminal report of a test analysis (custan.analysis.experiment.analyze).
-- @module custan.report.experiment_analysis

local util = require "custan.util"

local M = {}

local function pct(x) return x and string.format("%.2f%%", 100 * x) or "-" end

function M.terminal(doc, w)
  local r = doc.summary
  local T, C = r.groups[r.treatment], r.groups[r.control]
  local fmt = r.metric == "proportion" and pct or function(x) return string.format("%.6g", x) end
  w:line("%s: %s (%s) against %s (%s)", r.input, r.treatment, util.commas(T.n), r.control,
    util.commas(C.n))
  w:line("%s: treatment %s, control %s; difference %s (%s relative)", r.metric, fmt(T.mean),
    fmt(C.mean), fmt(r.difference), r.relative_lift and pct(r.relative_lift) or "-")
  if r.statistic then
    w:line("%.0f%% interval %s to %s; %s %.4f, p = %.4g", 100 * (1 - r.alpha), fmt(r.ci[1]),
      fmt(r.ci[2]), r.metric == "proportion" and "z" or "Welch t", r.statistic, r.p_value)
  end
  if r.bayes then
    w:line("Bayesian (Beta(1,1) priors): P(treatment beats control) = %.4f; expected " ..
      "loss choosing treatment %.6f, control %.6f", r.bayes.p_treatment_better,
      r.bayes.expected_loss_treatment, r.bayes.expected_loss_control)
  end
end

return M
