--- Experiment design and analysis for two groups (treatment and control).
-- Power and sample size are statsmodels' NormalIndPower (a two-sided z
-- test); the statistics are C (custan.core.sim, GSL).  See docs/models.md.
-- @module custan.experiment

local core = require "custan.core.sim"
local custan = require "custan"
local json = require "custan.json"

local M = {}

local function check_prob(p, what)
  if type(p) ~= "number" or not (p > 0 and p < 1) then
    error(string.format("%s must be a proportion strictly between 0 and 1, got %s", what,
      tostring(p)), 0)
  end
end

--- Sample size, power and detectable effect.
-- @tparam table o `metric` ("proportion" (default) or "mean"); proportions:
--   `baseline` (control rate), and `mde` (absolute difference, or relative
--   to the baseline with `relative = true`) or `n` (treatment group size,
--   to get the detectable effect); means: `sd` (the outcome's standard
--   deviation, e.g. observed) and `mde` or `n`; `alpha` (0.05), `power`
--   (0.8), `ratio` (control size / treatment size, 1); optionally
--   `eligible_per_day` for the expected duration
-- @return {n_per_arm (treatment), n_control, n_total, effect_size, mde,
--   treatment_rate, power, days}
function M.design(o)
  local alpha, power, ratio = o.alpha or 0.05, o.power or 0.8, o.ratio or 1
  local metric = o.metric or "proportion"
  local r = {metric = metric, alpha = alpha, power = power, ratio = ratio}
  if metric == "proportion" then
    check_prob(o.baseline, "the baseline")
    r.baseline = o.baseline
  elseif metric == "mean" then
    if type(o.sd) ~= "number" or not (o.sd > 0) then error("the standard deviation must be > 0", 0) end
    r.sd = o.sd
  else
    error("metric must be proportion or mean", 0)
  end
  if o.mde then
    local d = o.relative and o.mde * (metric == "proportion" and o.baseline or 1) or o.mde
    if metric == "proportion" then
      local p2 = o.baseline + d
      check_prob(p2, "the treatment rate (baseline + effect)")
      r.treatment_rate, r.effect_size = p2, core.cohen_h(o.baseline, p2)
    else
      r.effect_size = d / o.sd
    end
    r.mde = d
    r.mde_relative = metric == "proportion" and d / o.baseline or nil
    local n1 = core.nobs_z(r.effect_size, alpha, power, ratio)
    r.n_exact = n1
    r.n_per_arm = math.ceil(n1 - 1e-9)
  elseif o.n then
    if type(o.n) ~= "number" or o.n < 2 then error("n must be at least 2", 0) end
    r.n_per_arm = o.n
    local h = core.effect_z(o.n, alpha, power, ratio)
    r.effect_size = h
    if metric == "proportion" then
      r.treatment_rate = core.cohen_h_inverse(o.baseline, h)
      r.mde = r.treatment_rate - o.baseline
      r.mde_relative = r.mde / o.baseline
    else
      r.mde = h * o.sd
    end
  else
    error("give the effect to detect (mde) or the group size (n)", 0)
  end
  r.n_control = math.ceil(r.n_per_arm * ratio - 1e-9)
  r.n_total = r.n_per_arm + r.n_control
  r.achieved_power = core.power_z(math.abs(r.effect_size), r.n_per_arm, ratio, alpha)
  if o.eligible_per_day then r.days = r.n_total / o.eligible_per_day end
  return r
end

-- counts and moments of one group's outcomes
local function stats(values)
  return {n = values:len(), mean = values:mean(), sum = values:sum(),
          var = values:len() > 1 and values:var(1) or 0}
end

--- Analysis of a finished two-group test.
-- @tparam frame t one row per unit
-- @tparam string group the column naming the group of each row
-- @tparam string outcome the outcome column (0/1 or true/false: a
--   proportion; any other numbers: a mean)
-- @tparam[opt] table o `control` (the control group's value; default the
--   first in sort order, or "control" when present), `alpha` (0.05)
-- @return the difference (treatment - control), relative lift, confidence
--   interval, p-value and, for proportions, the Beta-Binomial probability
--   that treatment beats control with the expected losses
function M.analyze(t, group, outcome, o)
  o = o or {}
  local alpha = o.alpha or 0.05
  for _, name in ipairs{group, outcome} do
    if not t:has(name) then
      error(string.format("no column '%s' (columns: %s)", name, table.concat(t:names(), ", ")), 0)
    end
  end
  local g = t:col(group):cast("string")
  if g:nmissing() > 0 then error(string.format("%d rows have no group", g:nmissing()), 0) end
  local levels = g:unique():to_table()
  table.sort(levels)
  if #levels ~= 2 then
    error(string.format("the group column '%s' must hold exactly two groups, found %d (%s)", group,
      #levels, table.concat(levels, ", ", 1, math.min(#levels, 5))), 0)
  end
  local control = o.control
  if not control then
    control = levels[1]
    for _, v in ipairs(levels) do if v:lower() == "control" then control = v end end
  end
  if control ~= levels[1] and control ~= levels[2] then
    error(string.format("no group '%s' (groups: %s, %s)", control, levels[1], levels[2]), 0)
  end
  local treatment = control == levels[1] and levels[2] or levels[1]
  local y = t:col(outcome)
  if y:type() == "bool" then y = y:cast("float64") end
  if y:type() ~= "float64" and y:type() ~= "int64" then
    error(string.format("the outcome '%s' must be numbers or true/false, not %s", outcome, y:type()), 0)
  end
  y = y:cast("float64")
  if y:nmissing() > 0 then error(string.format("%d rows have no outcome", y:nmissing()), 0) end
  local binary = (y:eq(0) | y:eq(1)):sum() == y:len()
  local T, C = stats(y:filter(g:eq(treatment))), stats(y:filter(g:eq(control)))
  if T.n < 2 or C.n < 2 then error("each group needs at least two rows", 0) end
  local z = core.normal_q(1 - alpha / 2)
  local r = {control = control, treatment = treatment, alpha = alpha,
             metric = binary and "proportion" or "mean",
             groups = {[control] = C, [treatment] = T}}
  local diff = T.mean - C.mean
  r.difference = diff
  r.relative_lift = C.mean ~= 0 and diff / C.mean or nil
  if binary then
    -- two-proportion z test (pooled, as statsmodels' proportions_ztest)
    -- and the Wald interval of the difference (unpooled)
    local pool = (T.sum + C.sum) / (T.n + C.n)
    local se0 = math.sqrt(pool * (1 - pool) * (1 / T.n + 1 / C.n))
    local se = math.sqrt(T.mean * (1 - T.mean) / T.n + C.mean * (1 - C.mean) / C.n)
    r.statistic = se0 > 0 and diff / se0 or 0
    r.p_value = 2 * core.normal_sf(math.abs(r.statistic))
    r.ci = {diff - z * se, diff + z * se}
    -- Beta(1 + successes, 1 + failures) posteriors (uniform priors)
    local p, lt, lc = core.beta_compare(1 + T.sum, 1 + T.n - T.sum, 1 + C.sum, 1 + C.n - C.sum)
    r.bayes = {prior = "Beta(1, 1)", p_treatment_better = p, expected_loss_treatment = lt,
               expected_loss_control = lc,
               posterior = {[treatment] = {alpha = 1 + T.sum, beta = 1 + T.n - T.sum},
                            [control] = {alpha = 1 + C.sum, beta = 1 + C.n - C.sum}}}
  else
    -- Welch's t test
    local vt, vc = T.var / T.n, C.var / C.n
    local se = math.sqrt(vt + vc)
    local df = (vt + vc) ^ 2 / (vt ^ 2 / (T.n - 1) + vc ^ 2 / (C.n - 1))
    r.statistic = diff / se
    r.df = df
    r.p_value = 2 * core.t_sf(math.abs(r.statistic), df)
    local tq = core.t_q(1 - alpha / 2, df)
    r.ci = {diff - tq * se, diff + tq * se}
  end
  return r
end

--- Reads an analysis written by experiment.lua analyze --output (its
-- summary.json), e.g. to set a policy's uptake from a past test.
function M.load_result(path)
  local f, err = io.open(path, "rb")
  if not f then error(err, 0) end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(json.decode, text)
  if not ok or type(doc) ~= "table" or not doc.groups then
    error(path .. ": not an experiment analysis (experiment.lua analyze --output)", 0)
  end
  return doc
end

return M
