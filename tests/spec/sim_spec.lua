-- Specs for custan.sim, custan.policy and custan.experiment.
--
-- Sample sizes and tests: statsmodels 0.13.5 (Debian's python3-statsmodels)
-- and scipy, from tests/reference/experiment.py: NormalIndPower nobs1 for
-- (p1, p2, alpha, power, ratio) = (0.10, 0.12, 0.05, 0.8, 1) 3834.5957398840,
-- (0.05, 0.06, 0.05, 0.9, 1) 10900.6479078373, (0.30, 0.27, 0.01, 0.8, 2)
-- 3964.0145298151, (0.02, 0.025, 0.1, 0.8, 0.5) 16266.6988457351; means
-- d = 0.1 (0.05, 0.8, 1) 1569.7721019023; proportions_ztest 1100/10000 vs
-- 1000/10000: z 2.306634773817, p 0.021075189274; Wald interval
-- 0.001504059132 .. 0.018495940868; Welch t on
-- tests/fixtures/experiment_means.csv: t 2.085312161533, p 0.060306987439.
local custan = require "custan"
local sim = require "custan.sim"
local policy = require "custan.policy"
local experiment = require "custan.experiment"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local fixtures = here .. "/../fixtures"

describe("custan.sim", function()
  it("should draw the same column for the same seed", function()
    local a = sim.draw(sim.gamma(2, 3), 50000, 9)
    local b = sim.draw(sim.gamma(2, 3), 50000, 9)
    assert.are.same(a:to_table(), b:to_table())
    assert.are_not.same(a:to_table(), sim.draw(sim.gamma(2, 3), 50000, 10):to_table())
    assert.are.near(6, a:mean(), 4 * math.sqrt(18 / 50000))
  end)

  it("should give means, variances and quantiles", function()
    assert.are.near(0.3, sim.mean(sim.beta(30, 70)), 1e-15)
    assert.are.near(2.5, sim.mean(sim.triangular(0, 2.5, 5)), 1e-15)
    assert.are.near(1.959963984540054, sim.quantile(sim.normal(0, 1), 0.975), 1e-9)
    assert.are.equal(2, sim.quantile(sim.discrete({1, 2, 3}, {1, 1, 1}), 0.5))
    assert.are.equal("beta(30, 70)", tostring(sim.beta(30, 70)))
    local ok, err = sim.check(sim.uniform(3, 1))
    assert.is_nil(ok)
    assert.matches("uniform: needs lo < hi", err)
  end)

  it("should draw from observed values", function()
    local e = sim.empirical({1, 1, 2, 4})
    assert.are.near(2, sim.mean(e), 1e-15)
  end)
end)

describe("custan.experiment", function()
  it("should size a test as statsmodels does", function()
    local cases = {{0.10, 0.02, 0.05, 0.8, 1, 3834.5957398840},
                   {0.05, 0.01, 0.05, 0.9, 1, 10900.6479078373},
                   {0.30, -0.03, 0.01, 0.8, 2, 3964.0145298151},
                   {0.02, 0.005, 0.1, 0.8, 0.5, 16266.6988457351}}
    for _, c in ipairs(cases) do
      local r = experiment.design{baseline = c[1], mde = c[2], alpha = c[3], power = c[4], ratio = c[5]}
      assert.are.near(c[6], r.n_exact, 1e-5)
      assert.are.equal(math.ceil(c[6]), r.n_per_arm)
      assert.are.equal(r.n_per_arm + math.ceil(r.n_per_arm * c[5] - 1e-9), r.n_total)
    end
    local m = experiment.design{metric = "mean", sd = 20, mde = 2}
    assert.are.near(1569.7721019023, m.n_exact, 1e-5)
    local rel = experiment.design{baseline = 0.10, mde = 0.2, relative = true}
    assert.are.equal(3835, rel.n_per_arm)
  end)

  it("should give the detectable effect of a given size", function()
    local r = experiment.design{baseline = 0.10, n = 2000, eligible_per_day = 400}
    assert.are.near(0.8, r.achieved_power, 1e-9)
    assert.is_true(r.mde > 0.02 and r.mde < 0.03)
    assert.are.equal(10, r.days)
    -- round trip: the effect found needs n per arm again
    local back = experiment.design{baseline = 0.10, mde = r.mde}
    assert.are.near(2000, back.n_exact, 1e-6)
  end)

  it("should analyse proportions as statsmodels does", function()
    local g, y = {}, {}
    for i = 1, 20000 do
      g[i] = i <= 10000 and "treatment" or "control"
      y[i] = ((i <= 10000 and i <= 1100) or (i > 10000 and i <= 11000)) and 1 or 0
    end
    local t = custan.frame({arm = g, converted = y}, {"arm", "converted"})
    local r = experiment.analyze(t, "arm", "converted")
    assert.are.equal("control", r.control)
    assert.are.near(0.01, r.difference, 1e-12)
    assert.are.near(0.1, r.relative_lift, 1e-12)
    assert.are.near(2.306634773817, r.statistic, 1e-9)
    assert.are.near(0.021075189274, r.p_value, 1e-9)
    assert.are.near(0.001504059132, r.ci[1], 1e-9)
    assert.are.near(0.018495940868, r.ci[2], 1e-9)
    -- P(T > C) for Beta(1101, 8901) vs Beta(1001, 9001): 0.98942 by Monte Carlo
    assert.are.near(0.98942, r.bayes.p_treatment_better, 3e-4)
  end)

  it("should analyse means with Welch's test as scipy does", function()
    local t = custan.read_csv(fixtures .. "/experiment_means.csv")
    local r = experiment.analyze(t, "arm", "spend")
    assert.are.equal("mean", r.metric)
    assert.are.near(2.085312161533, r.statistic, 1e-9)
    assert.are.near(0.060306987439, r.p_value, 1e-9)
    assert.is_nil(r.bayes)
  end)

  it("should refuse bad input", function()
    assert.has_error(function() experiment.design{baseline = 1.2, mde = 0.1} end,
      "the baseline must be a proportion strictly between 0 and 1, got 1.2")
    local t = custan.frame({arm = {"a", "b", "c"}, y = {1, 0, 1}}, {"arm", "y"})
    assert.has_error(function() experiment.analyze(t, "arm", "y") end)
  end)
end)

describe("custan.policy", function()
  -- 3,000 customers in two segments with known baselines
  local function customers()
    local id, seg, churn, orders, value = {}, {}, {}, {}, {}
    for i = 1, 3000 do
      id[i], seg[i] = i, i % 3 == 0 and "B" or "A"
      churn[i] = 0.2 + 0.6 * ((i * 37) % 100) / 100
      orders[i], value[i] = 1 + (i % 4), 50 + (i % 7) * 10
    end
    return custan.frame({customer = id, segment = seg, churn_probability = churn,
      orders_90d = orders, mean_order_value = value},
      {"customer", "segment", "churn_probability", "orders_90d", "mean_order_value"})
  end
  local base = {retention = function(c) return 1 - c.churn_probability end,
                orders = "orders_90d", order_value = "mean_order_value"}

  local function scenario(a, c, extra)
    local s = {name = "test", target = function(t) return t.segment:eq("A") end, baseline = base,
               assumptions = a, costs = c}
    for k, v in pairs(extra or {}) do s[k] = v end
    return policy.check(s, "policy test.lua")
  end

  it("should agree with the closed form with fixed assumptions", function()
    local s = scenario({uptake = 0.3, churn_reduction = 0.25, purchase_lift = 0.1, margin = 0.4},
      {contact = 0.5, redemption = 1, discount = 0.1})
    local plan = policy.plan(s, customers(), {precision = 0})
    local r = policy.simulate(plan, {draws = 4000, seed = 3})
    -- closed form, customer by customer
    local t = customers():filter(customers():col("segment"):eq("A"))
    local net = 0
    for _, row in ipairs(t:to_rows()) do
      local rr = 1 - row.churn_probability
      local rt = rr + (1 - rr) * 0.25
      local ov = row.orders_90d * row.mean_order_value
      local k = 0.3
      net = net + 0.4 * k * (rt * 1.1 - rr) * ov - 0.1 * k * rt * ov * 1.1 - k - 0.5
    end
    assert.are.near(net, r.expected.net, 1e-6 * math.abs(net))
    local se = r.total.net.sd / math.sqrt(4000)
    assert.is_true(math.abs(r.total.net.mean - net) < 4 * se)
    assert.are.equal(2000, r.contacted)
  end)

  it("should average over uncertain assumptions", function()
    -- net is linear in each independent assumption: its mean is the net at the means
    local s = scenario({uptake = sim.beta(30, 70), churn_reduction = sim.uniform(0.1, 0.4),
                        margin = 0.4}, {contact = sim.triangular(0.2, 0.5, 0.8)})
    local plan = policy.plan(s, customers())
    local r = policy.simulate(plan, {draws = 20000, seed = 4})
    local se = r.total.net.sd / math.sqrt(20000)
    assert.is_true(math.abs(r.total.net.mean - r.expected.net) < 4 * se)
    assert.is_true(r.total.net.p05 < r.total.net.mean and r.total.net.mean < r.total.net.p95)
    assert.are.equal(3, #r.sensitivity) -- the three uncertain ones, largest swing first
    assert.is_true(r.sensitivity[1].swing >= r.sensitivity[2].swing)
    assert.is_true(r.sensitivity[2].swing >= r.sensitivity[3].swing)
  end)

  it("should give identical results for the same seed", function()
    local s = scenario({uptake = sim.beta(3, 7), churn_reduction = sim.uniform(0, 0.3)}, {})
    local a = policy.simulate(policy.plan(s, customers()), {draws = 500, seed = 8})
    local b = policy.simulate(policy.plan(s, customers()), {draws = 500, seed = 8})
    assert.are.same(a.per_draw.net:to_table(), b.per_draw.net:to_table())
  end)

  it("should keep to a budget by expected value", function()
    local s = scenario({uptake = 0.3, churn_reduction = 0.2, margin = 0.4}, {contact = 1},
      {budget = 100})
    local plan = policy.plan(s, customers())
    assert.are.equal(100, plan.contacted)
    local t, best = policy.targeting(plan)
    assert.are.equal(2000, t:nrows())
    assert.is_true(t:col("expected_net"):get(1) >= t:col("expected_net"):get(2000))
    assert.is_true(best.customers <= 100)
  end)

  -- the assumption registry: referral_rate is one entry; responders bring
  -- rate new customers each, worth referral_value before the margin
  it("should add referrals' value to revenue, in expectation and in the draws", function()
    local a = {uptake = 0.3, churn_reduction = 0.25, margin = 0.4}
    local plain = policy.simulate(policy.plan(scenario(a, {contact = 0.5}), customers(),
      {precision = 0}), {draws = 2000, seed = 3})
    local b = {uptake = 0.3, churn_reduction = 0.25, margin = 0.4, referral_rate = 0.1,
               referral_value = sim.gamma(4, 10)}
    local refer = policy.simulate(policy.plan(scenario(b, {contact = 0.5}), customers(),
      {precision = 0}), {draws = 2000, seed = 3})
    -- 2,000 targeted x 0.3 respond x 0.1 referrals x 40 (the gamma's mean) = 2,400 of revenue
    assert.are.near(2400, refer.expected.revenue - plain.expected.revenue, 1e-6)
    assert.are.near(0.4 * 2400, refer.expected.net - plain.expected.net, 1e-6)
    -- the draws of who responds are the same (fixed streams): the gain per
    -- draw is conversions x 0.1 x that draw's value
    local gain = refer.per_draw.revenue - plain.per_draw.revenue
    assert.are.near(refer.per_draw.conversions:mean() * 0.1 * 40, gain:mean(),
      0.05 * gain:mean())
    assert.is_true(#refer.sensitivity == 1 and refer.sensitivity[1].assumption ==
      "assumptions.referral_value")
  end)

  it("should write the economics once: the kernel's sums give the closed form", function()
    local s = {contacted = 10, conversions = 4, stayed = 3, baseline_stayed = 2,
               stayed_orders = 6, baseline_orders = 4, stayed_value = 300, baseline_value = 200}
    local a = {purchase_lift = 0.1, order_value_change = -0.05, margin = 0.4, contact = 0.5,
               redemption = 1, discount = 0.1, referral_rate = 0, referral_value = 0}
    local e = policy.economics(s, a)
    local grow = 1.1 * 0.95
    assert.are.near(1, e.retained, 1e-12)
    assert.are.near(6 * 1.1 - 4, e.orders, 1e-12)
    assert.are.near(300 * grow - 200, e.revenue, 1e-12)
    assert.are.near(0.5 * 10 + 4 + 0.1 * 300 * grow, e.cost, 1e-12)
    assert.are.near(0.4 * e.revenue - e.cost, e.net, 1e-12)
  end)

  it("should report impossible assumptions with the file and field", function()
    assert.has_error(function() scenario({uptake = 1.2}, {}) end,
      "policy test.lua: assumptions.uptake: uptake is a share and must stay within [0, 1] (constant(1.2) reaches 1.2)")
    assert.has_error(function() scenario({uptake = 0.2}, {contact = -1}) end,
      "policy test.lua: costs.contact: a cost cannot be negative (constant(-1) reaches -1)")
    assert.has_error(function() scenario({uptake = sim.normal(0.3, 0.2)}, {}) end)
    assert.has_error(function() scenario({}, {}) end,
      "policy test.lua: assumptions.uptake: is required (share who respond)")
    assert.has_error(function() scenario({uptake = 0.2, frobs = 1}, {}) end,
      "policy test.lua: assumptions.frobs: unknown field")
    assert.has_error(function() scenario({uptake = sim.beta(-1, 2)}, {}) end,
      "policy test.lua: assumptions.uptake: beta: alpha and beta must be > 0")
  end)
end)
