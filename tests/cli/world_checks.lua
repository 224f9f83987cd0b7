-- Checks of the generated-world recovery tests (tests/cli/world.sh):
--   custan run world_checks.lua params CLV.json       fitted within 3 SE of the world's
--   custan run world_checks.lua holdout RECOVERY_DIR  holdout purchases match the truth
--   custan run world_checks.lua ari RECOVERY_DIR MIN  adjusted Rand index >= MIN
--   custan run world_checks.lua churn RECOVERY_DIR [MIN]  both churn AUCs, the truth's >= MIN
--   custan run world_checks.lua experiment POLICY_SUMMARY ANALYSIS.json
-- Each prints what it compared and exits 1 when the check fails.
local json = require "custan.json"

local function read(path)
  local f = assert(io.open(path))
  local d = json.decode(f:read("a"))
  f:close()
  return d
end

local ok = true
local function expect(cond, fmt, ...)
  print((cond and "ok   " or "FAIL ") .. string.format(fmt, ...))
  ok = ok and cond
end

local what, a, b = ...
if what == "params" then
  -- examples/worlds/one_segment.lua: Fader, Hardie and Lee's CDNOW BG/NBD
  -- estimates with alpha 30.9 days = 4.414 weeks (clv.lua fits in weeks),
  -- and their Gamma-Gamma estimates
  local truth = {bgnbd = {r = 0.243, alpha = 30.9 / 7, a = 0.793, b = 2.426},
                 gamma_gamma = {p = 6.25, q = 3.74, gamma = 15.44}}
  local d = read(a)
  for model, params in pairs(truth) do
    local m = d.models[model]
    for k, v in pairs(params) do
      local est, se = m.params[k], m.se[k]
      expect(math.abs(est - v) <= 3 * se, "%s %s: fitted %.4g, true %.4g, se %.3g (%.2f se)", model, k,
        est, v, se, (est - v) / se)
    end
  end
elseif what == "holdout" then
  local s = read(a .. "/summary.json")
  local h = s.holdout
  expect(math.abs(h.relative_error) <= 0.05, "holdout purchases: predicted %.1f, true %d (%.1f%%)",
    h.predicted, h.actual, 100 * h.relative_error)
  local custan = require "custan"
  local t = custan.read_csv(a .. "/holdout_by_frequency.csv"):to_rows()
  for _, r in ipairs(t) do
    expect(math.abs(r.z) <= 3, "frequency %s (%d customers): predicted %.3f, true %.3f (z %.2f)",
      tostring(r.frequency), r.customers, r.predicted_mean, r.actual_mean, r.z)
  end
elseif what == "ari" then
  local s = read(a .. "/summary.json")
  expect(s.segments.adjusted_rand >= tonumber(b), "adjusted Rand index %.4f (at least %s)",
    s.segments.adjusted_rand, b)
elseif what == "churn" then
  local s = read(a .. "/summary.json")
  expect(type(s.churn.roc_auc_truth) == "number" and type(s.churn.roc_auc_observed) == "number",
    "churn AUC against the truth %.3f, against the observed label %.3f",
    s.churn.roc_auc_truth or 0, s.churn.roc_auc_observed or 0)
  local min = tonumber(b) or 0.5
  expect(s.churn.roc_auc_truth >= min, "churn scores rank the truly gone above the alive (AUC at least %g)", min)
elseif what == "experiment" then
  local p, x = read(a), read(b)
  local sc = p.scenarios[1]
  local sim = sc.expected.revenue / sc.contacted
  expect(sim >= x.ci[1] and sim <= x.ci[2],
    "simulated revenue lift %.3f per customer; the test's %.3f, 95%% interval %.3f to %.3f",
    sim, x.difference, x.ci[1], x.ci[2])
else
  error("unknown check " .. tostring(what))
end
os.exit(ok and 0 or 1)
