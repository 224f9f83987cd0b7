-- Specs for custan.clv against the published CDNOW results and an
-- independent transcription of lifetimes (tests/reference/clv.py, run with
-- Debian's python3-scipy and python3-pandas:
--   /usr/bin/python3 tests/reference/clv.py examples/data/cdnow_sample.txt).
local custan = require "custan"
local clv = require "custan.clv"
local rfm = require "custan.rfm"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local data = here .. "/../../examples/data"

local function rel(a, b) return math.abs(a - b) / math.max(math.abs(b), 1e-300) end

local function cdnow_summary()
  return rfm.summary_file(data .. "/cdnow_sample.txt", {
    customer = "id", date = "date", amount = "amount", period = "day", unit = "week",
    ["end"] = "1997-09-30",
    read = {delimiter = "whitespace", header = false, names = {"master", "id", "date", "cds", "amount"},
      types = {date = "timestamp:%Y%m%d", id = "int64"}}})
end

-- a model with given parameters, as a fit would return it
local function model(name, params, names)
  return setmetatable({model = name, params = params, param_names = names},
    getmetatable(clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"))))
end

describe("custan.clv", function()
  local summary
  setup(function() summary = cdnow_summary() end)

  describe("BG/NBD", function()
    it("should reproduce Fader, Hardie & Lee (2005) on CDNOW", function()
      -- r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
      local m = clv.fit(summary)
      assert.is_true(m.converged)
      assert.are.near(0.243, m.params.r, 0.0005)
      assert.are.near(4.414, m.params.alpha, 0.0005)
      assert.are.near(0.793, m.params.a, 0.0005)
      assert.are.near(2.426, m.params.b, 0.0005)
      assert.are.near(-9582.4, m.loglik, 0.05)
      assert.are.near(8 - 2 * m.loglik, m.aic, 1e-9)
      assert.is_true(m.se.r > 0 and m.se.b > 0)
      assert.same({"r", "alpha", "a", "b"}, m.param_names)
    end)

    it("should fit the published summary table the same", function()
      local m = clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"))
      assert.are.near(-9582.4, m.loglik, 0.05)
      assert.are.near(0.243, m.params.r, 0.0005)
    end)

    it("should take weighted rows that stand for many customers", function()
      local s = custan.read_csv(data .. "/cdnow_summary.csv")
      local agg = s:group_by{"frequency", "recency", "T"}:agg{{"frequency", "size", as = "n"}}
      assert.is_true(agg:nrows() < s:nrows())
      local m = clv.fit(agg, {weight = "n"})
      assert.are.near(-9582.4256, m.loglik, 1e-3)
      assert.are.equal(2357, m.customers)
    end)

    it("should predict as the paper does at the published parameters", function()
      local m = model("bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426}, {"r", "alpha", "a", "b"})
      assert.are.near(0.5737864, m:pmf(39, 0), 5e-7)          -- P(X(39) = 0)
      local one = summary:filter(summary.customer:eq(1))      -- x = 2, t_x = 30.43, T = 38.86
      assert.are.near(1.226, m:conditional(one, 39):get(1), 0.0005)
      assert.are.near(1.2261158061, m:conditional(one, 39):get(1), 1e-9) -- reference script
    end)

    it("should predict a new customer's purchases at its fit", function()
      -- 0.0532, 0.1506, 1.0437 and 1.8576 by weeks 1, 3, 32, 78 (the paper's
      -- unrounded estimates; the likelihood is flat along b, which moves the
      -- 78-week value in its 4th digit)
      local m = clv.fit(summary)
      assert.are.near(0.0532, m:expected(1), 5e-5)
      assert.are.near(0.1506, m:expected(3), 5e-5)
      assert.are.near(1.0437, m:expected(32), 5e-5)
      assert.are.near(1.8576, m:expected(78), 5e-4)
      local alive = m:p_alive(summary)
      assert.are.equal(2357, alive:count())
      assert.is_true(alive:min() > 0 and alive:max() <= 1)
    end)

    it("should say when it did not converge", function()
      local m = clv.fit(summary, {max_iter = 1, tol = 1e-30})
      assert.is_false(m.converged)
      assert.truthy(m.message:find("did not converge", 1, true))
    end)

    it("should reject impossible summaries, naming the row", function()
      local bad = custan.frame({frequency = {1, 2}, recency = {5, 12}, T = {10, 11}},
        {"frequency", "recency", "T"})
      assert.has_error(function() clv.fit(bad) end)
      local ok, err = pcall(clv.fit, bad)
      assert.truthy(err:find("customer row 2: recency is greater than T", 1, true), err)
    end)
  end)

  describe("MBG/NBD", function()
    it("should match BTYDplus's CDNOW fit", function()
      -- BTYDplus (R) reports r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
      local m = clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"), {model = "mbgnbd"})
      assert.is_true(m.converged)
      assert.are.near(0.525, m.params.r, 0.0005)
      assert.are.near(6.183, m.params.alpha, 0.0005)
      assert.are.near(0.891, m.params.a, 0.0005)
      assert.are.near(1.614, m.params.b, 0.0005)
    end)
  end)

  describe("Pareto/NBD", function()
    it("should reproduce the CDNOW fit reported beside BG/NBD", function()
      -- Fader, Hardie & Lee (2005): r = 0.553, alpha = 10.578, s = 0.606,
      -- beta = 11.669, LL = -9595.0; the likelihood is nearly flat along s
      -- and beta (standard errors about 0.19 and 6.2)
      local m = clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"), {model = "pareto"})
      assert.is_true(m.converged)
      assert.are.near(-9595.0, m.loglik, 0.05)
      assert.are.near(0.553, m.params.r, 0.0005)
      assert.are.near(10.578, m.params.alpha, 0.005)
      assert.are.near(0.606, m.params.s, 0.01)
      assert.are.near(11.669, m.params.beta, 0.05)
      assert.are.near(0.19, m.se.s, 0.01)
      assert.are.near(6.2, m.se.beta, 0.1)
      assert.same({"r", "alpha", "s", "beta"}, m.param_names)
    end)

    it("should predict sensibly at the published parameters", function()
      local m = model("pareto", {r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669},
        {"r", "alpha", "s", "beta"})
      -- E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)]
      local r, a, s, b = 0.553, 10.578, 0.606, 11.669
      assert.are.near(r * b / (a * (s - 1)) * (1 - (b / (b + 39)) ^ (s - 1)), m:expected(39), 1e-12)
      local alive = m:p_alive(summary)
      assert.is_true(alive:min() > 0 and alive:max() <= 1)
      -- a customer whose last purchase is at the end of observation is alive
      local last_day = custan.frame({frequency = {3}, recency = {20.0}, T = {20.0}},
        {"frequency", "recency", "T"})
      assert.are.equal(1, m:p_alive(last_day):get(1))
      local next39 = m:conditional(summary, 39)
      assert.is_true(next39:min() >= 0)
    end)
  end)

  describe("BG/BB", function()
    -- the donation data's estimates (Fader, Hardie & Shang 2010), used as
    -- the truth for simulated donors with 6 opportunities
    local truth = {alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783}

    it("should recover its parameters from simulated customers", function()
      local s = clv.simulate_bgbb(truth, 100000, 6, {seed = 3})
      local m = clv.fit(s, {model = "bgbb"})
      assert.is_true(m.converged)
      assert.are.equal(22, m.distinct_rows) -- the 22 (x, t_x) patterns of 6 opportunities
      for k, v in pairs(truth) do
        assert.is_true(math.abs(m.params[k] - v) < 4 * m.se[k], "bgbb " .. k)
      end
    end)

    it("should predict holdout purchases and a new customer's as simulated", function()
      local s = clv.simulate_bgbb(truth, 100000, 6, {seed = 9, holdout = 5})
      local m = model("bgbb", truth, {"alpha", "beta", "gamma", "delta"})
      local predicted, simulated = m:conditional(s, 5):mean(), s.frequency_holdout:mean()
      local se = s.frequency_holdout:std() / math.sqrt(100000)
      assert.is_true(math.abs(predicted - simulated) < 4 * se,
        string.format("predicted %.4f, simulated %.4f", predicted, simulated))
      local mean6 = s.frequency:mean()
      assert.is_true(math.abs(m:expected(6) - mean6) < 4 * s.frequency:std() / math.sqrt(100000))
      local alive = m:p_alive(s)
      assert.is_true(alive:min() > 0 and alive:max() <= 1)
    end)

    it("should give count probabilities as simulated", function()
      local s = clv.simulate_bgbb(truth, 100000, 6, {seed = 4})
      local m = model("bgbb", truth, {"alpha", "beta", "gamma", "delta"})
      local total = 0
      for x = 0, 6 do
        local p = m:pmf(6, x)
        local share = s.frequency:eq(x):sum() / 100000
        assert.is_true(math.abs(share - p) < 4 * math.sqrt(p * (1 - p) / 100000),
          string.format("x = %d: P %.4f, simulated %.4f", x, p, share))
        total = total + p
      end
      assert.are.near(1, total, 1e-12)
      assert.are.equal(0, m:pmf(6, 7))
    end)

    it("should refuse summaries that are not opportunities", function()
      local bad = custan.frame({frequency = {2}, recency = {1}, n_periods = {6}},
        {"frequency", "recency", "n_periods"})
      assert.has_error(function() clv.fit(bad, {model = "bgbb"}) end)
    end)
  end)

  describe("simulation", function()
    local function ages(n)
      local T = {}
      for i = 1, n do T[i] = 27 + (i % 13) end -- first purchases over 13 weeks, as CDNOW
      return custan.column(T, "float64")
    end

    for _, case in ipairs{
      {"bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426}},
      {"mbgnbd", {r = 0.525, alpha = 6.183, a = 0.891, b = 1.614}},
      {"pareto", {r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669}},
    } do
      local name, truth = case[1], case[2]
      it("should recover " .. name .. " parameters from simulated customers", function()
        local s = clv.simulate(name, truth, ages(100000), {seed = 11})
        local m = clv.fit(s, {model = name})
        assert.is_true(m.converged)
        for k, v in pairs(truth) do
          -- within 4 standard errors of the truth
          assert.is_true(math.abs(m.params[k] - v) < 4 * m.se[k], name .. " " .. k)
        end
      end)

      it("should give " .. name .. " count probabilities as simulated", function()
        -- 100,000 new customers observed for 39 weeks: the share with n
        -- repeat purchases against P(X(39) = n), within 4 standard errors
        local T = {}
        for i = 1, 100000 do T[i] = 39 end
        local s = clv.simulate(name, truth, custan.column(T, "float64"), {seed = 21})
        local names = name == "pareto" and {"r", "alpha", "s", "beta"} or {"r", "alpha", "a", "b"}
        local m = setmetatable({model = name, params = truth, param_names = names},
          getmetatable(clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"))))
        local total = 0
        for n = 0, 4 do
          local p = m:pmf(39, n)
          local share = s.frequency:eq(n):sum() / 100000
          assert.is_true(math.abs(share - p) < 4 * math.sqrt(p * (1 - p) / 100000),
            string.format("%s n = %d: P %.4f, simulated %.4f", name, n, p, share))
          total = total + p
        end
        assert.is_true(total < 1)
      end)

      it("should predict " .. name .. " holdout purchases as simulated", function()
        local s = clv.simulate(name, truth, ages(100000), {seed = 5, holdout = 39})
        local names = name == "pareto" and {"r", "alpha", "s", "beta"} or {"r", "alpha", "a", "b"}
        local m = setmetatable({model = name, params = truth, param_names = names},
          getmetatable(clv.fit(custan.read_csv(data .. "/cdnow_summary.csv"))))
        local predicted = m:conditional(s, 39):mean()
        local simulated = s.frequency_holdout:mean()
        local se = s.frequency_holdout:std() / math.sqrt(100000)
        assert.is_true(math.abs(predicted - simulated) < 4 * se,
          string.format("%s: predicted %.4f, simulated %.4f", name, predicted, simulated))
      end)
    end

    it("should be the same for the same seed", function()
      local a = clv.simulate("bgnbd", {r = 1, alpha = 2, a = 1, b = 2}, ages(100), {seed = 3})
      local b = clv.simulate("bgnbd", {r = 1, alpha = 2, a = 1, b = 2}, ages(100), {seed = 3})
      assert.same(a:to_columns(), b:to_columns())
    end)
  end)

  describe("Gamma-Gamma", function()
    it("should reproduce Fader & Hardie's CDNOW spend model", function()
      -- p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat customers
      local g = clv.fit_spend(summary)
      assert.is_true(g.converged)
      assert.are.equal(946, g.customers)
      assert.are.near(6.25, g.params.p, 0.005)
      assert.are.near(3.74, g.params.q, 0.005)
      assert.are.near(15.44, g.params.gamma, 0.005)
    end)
  end)

  describe("evaluation", function()
    local holdout, read
    setup(function()
      read = {delimiter = "whitespace", header = false, names = {"master", "id", "date", "cds", "amount"},
        types = {date = "timestamp:%Y%m%d", id = "int64"}}
      holdout = rfm.summary_file(data .. "/cdnow_sample.txt", {customer = "id", date = "date",
        amount = "amount", period = "day", unit = "week", calibration_end = "1997-09-30",
        ["end"] = "1998-06-30", read = read})
    end)

    it("should compare holdout purchases by calibration frequency", function()
      local m = clv.fit(holdout)
      local t = clv.holdout_by_frequency(m, holdout)
      assert.same({0, 1, 2, 3, 4, 5, 6, 7}, t.frequency:to_table())
      assert.are.equal(2357, t.customers:sum())
      assert.are.equal(1882, holdout.frequency_holdout:sum()) -- the 39 holdout weeks
      local zero = holdout:filter(holdout.frequency:eq(0))
      assert.are.near(zero.frequency_holdout:mean(), t.actual:get(1), 1e-12)
      assert.are.near(m:conditional(zero, 39):mean(), t.predicted:get(1), 1e-12)
    end)

    it("should tabulate fit and holdout error per model", function()
      local models = {bgnbd = clv.fit(holdout), mbgnbd = clv.fit(holdout, {model = "mbgnbd"})}
      local c = clv.compare(models, holdout)
      assert.same({"bgnbd", "mbgnbd"}, c.model:to_table())
      for _, r in ipairs(c:to_rows()) do
        assert.are.near(2 * r.k - 2 * r.loglik, r.aic, 1e-9)
        local h = clv.holdout_error(models[r.model], holdout)
        assert.are.near(h.total_predicted - 1882, r.holdout_total_error, 1e-9)
      end
    end)

    it("should track repeat transactions over calendar time", function()
      local m = clv.fit(holdout)
      local tx = custan.read_csv(data .. "/cdnow_sample.txt", read)
      local tr = clv.tracking(m, tx, {customer = "id", date = "date", unit = "week",
        start = "1997-01-01", periods = 78})
      assert.are.equal(78, tr:nrows())
      -- actual: purchase days after each customer's first, counted directly
      local days = custan.frame({c = tx.id, d = tx.date}, {"c", "d"}):group_by{"c", "d"}:size()
      assert.are.equal(days:nrows() - 2357, tr.cumulative_actual:get(78))
      assert.are.near(tr.expected:sum(), tr.cumulative_expected:get(78), 1e-6)
      assert.is_true(math.abs(tr.cumulative_expected:get(39) / tr.cumulative_actual:get(39) - 1) < 0.05)
    end)
  end)

  describe("clv", function()
    it("should equal lifetimes' customer_lifetime_value at fixed parameters", function()
      local bg = model("bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426}, {"r", "alpha", "a", "b"})
      local gg = model("gamma_gamma", {p = 6.25, q = 3.74, gamma = 15.44}, {"p", "q", "gamma"})
      local v = clv.clv(bg, gg, summary, {horizon = 12, discount = 0.01, unit = "week"})
      assert.is_true(rel(v:sum(), 71559.03434928) < 1e-9)
      local expected = {[1] = 36.2857015547, [2] = 4.6410308669, [3] = 8.3694912635,
        [18] = 6.3493688112, [1108] = 15.4794298874}
      local ids = summary.customer:to_table()
      local values = v:to_table()
      for i, id in ipairs(ids) do
        if expected[id] then assert.is_true(rel(values[i], expected[id]) < 1e-9, "customer " .. id) end
      end
    end)

    it("should give an interval that depends on the seed alone", function()
      local bg, gg = clv.fit(summary), clv.fit_spend(summary)
      local small = summary:head(50)
      local p1, lo1, hi1 = clv.clv_interval(bg, gg, small, {draws = 40, seed = 3})
      local _, lo2, hi2 = clv.clv_interval(bg, gg, small, {draws = 40, seed = 3})
      local _, lo3 = clv.clv_interval(bg, gg, small, {draws = 40, seed = 4})
      assert.same(lo1:to_table(), lo2:to_table())
      assert.same(hi1:to_table(), hi2:to_table())
      assert.are_not.same(lo1:to_table(), lo3:to_table())
      local inside = ((lo1:le(p1)) & (p1:le(hi1))):sum()
      assert.is_true(inside >= 45) -- the point estimate sits inside its 90% range
    end)

    -- The interval moved into C (issue 14): its quantiles must equal those
    -- of the CLV computed draw by draw in Lua (the previous implementation)
    -- from the same parameter draws.
    it("should give the quantiles of the per-draw CLV computed in Lua", function()
      local bg, gg = clv.fit(summary), clv.fit_spend(summary)
      local small, draws = summary:head(40), 60
      local point, lo, hi = clv.clv_interval(bg, gg, small, {draws = draws, seed = 5})
      local ptx, psp = clv.draw_params(bg, draws, 5, 1), clv.draw_params(gg, draws, 5, 2)
      local values = {}
      for i = 1, small:nrows() do values[i] = {} end
      for d = 1, draws do
        local pb, pg = {}, {}
        for i, n in ipairs(bg.param_names) do pb[n] = ptx[(d - 1) * 4 + i] end
        for i, n in ipairs(gg.param_names) do pg[n] = psp[(d - 1) * 3 + i] end
        local c = clv.clv(model("bgnbd", pb, bg.param_names), model("gamma_gamma", pg, gg.param_names),
          small, {}):to_table()
        for i = 1, small:nrows() do values[i][d] = c[i] end
      end
      local direct = clv.clv(bg, gg, small, {})
      for i = 1, small:nrows() do
        local q = custan.column(values[i], "float64"):quantiles({0.05, 0.95})
        assert.is_true(rel(lo:get(i), q[1]) < 1e-12 and rel(hi:get(i), q[2]) < 1e-12, "row " .. i)
        assert.is_true(rel(point:get(i), direct:get(i)) < 1e-12, "row " .. i)
      end
    end)
  end)

  -- Regression (hardening issue): --penalizer was said to be lifetimes'
  -- penalizer_coef but acted on unscaled time (BG/NBD alpha 1.53 at 0.01).
  -- lifetimes fits BG/NBD, MBG/NBD and Pareto/NBD on time rescaled to a
  -- largest T of 1, and its Pareto/NBD divides by the mean weight.  The
  -- numbers are lifetimes' own fits (tests/reference/penalizer_lifetimes.py).
  describe("penalizer, as lifetimes' penalizer_coef", function()
    local function check(model, pen, expected, tol)
      local m = clv.fit(summary, {model = model, penalizer = pen})
      for i, name in ipairs(m.param_names) do
        assert.is_true(rel(m.params[name], expected[i]) < tol,
          string.format("%s %g %s: %.6f against lifetimes' %.6f", model, pen, name,
            m.params[name], expected[i]))
      end
    end

    it("should equal lifetimes' BG/NBD and MBG/NBD", function()
      check("bgnbd", 0.01, {0.242940, 4.432437, 0.285642, 0.658454}, 2e-5)
      check("mbgnbd", 0.01, {0.615245, 6.738469, 0.499079, 0.672276}, 2e-5)
    end)

    it("should equal lifetimes' Pareto/NBD (its Nelder-Mead to about 1e-4)", function()
      check("pareto", 0.01, {0.553296, 10.577650, 0.605646, 11.650217}, 5e-4)
      check("pareto", 1.0, {0.554973, 10.571120, 0.564864, 10.372847}, 5e-4)
      check("pareto", 10.0, {0.545531, 10.312347, 0.448375, 7.118832}, 5e-4)
    end)

    it("should report the log-likelihood of the data as given", function()
      local m = clv.fit(summary, {model = "bgnbd", penalizer = 0.01})
      local ll = require("custan.core.clv").loglik("bgnbd", m.params, summary.frequency,
        summary.recency, summary.T)
      assert.are.near(ll, m.loglik, 1e-9)
      assert.is_true(m.loglik < clv.fit(summary).loglik) -- below the unpenalised optimum
    end)
  end)

  describe("the model registry", function()
    it("should list every model of the C registry with its parameters and shape", function()
      local by_name = {}
      for _, m in ipairs(clv.models()) do by_name[m.name] = m end
      assert.same({"r", "alpha", "a", "b"}, by_name.bgnbd.params)
      assert.are.equal("survival", by_name.sbg.shape)
      assert.is_true(by_name.sbg.predicts.survival)
      assert.same({"bgnbd", "mbgnbd", "pareto"}, clv.model_names("counts"))
    end)
  end)

  describe("fit_retention (sBG)", function()
    -- Fader & Hardie (2007), "How to project customer retention": survivors
    -- per 1,000 over years 0..7 and the paper's fits on them.
    local regular = {1000, 631, 468, 382, 326, 289, 262, 241}
    local high_end = {1000, 869, 743, 653, 593, 551, 517, 491}

    it("should reproduce the published parameters and log-likelihoods", function()
      local r = clv.fit_retention({regular})
      assert.are.near(0.704, r.params.alpha, 5e-4)
      assert.are.near(1.182, r.params.beta, 5e-4)
      assert.are.near(-1680.3, r.loglik, 0.05)
      local h = clv.fit_retention({high_end})
      assert.are.near(0.668, h.params.alpha, 5e-4)
      assert.are.near(3.806, h.params.beta, 5e-4)
      assert.are.near(-1611.2, h.loglik, 0.05)
      assert.is_true(r.converged and h.converged)
    end)

    it("should project survival and retention rising with tenure", function()
      local r = clv.fit_retention({regular})
      local a, b = r.params.alpha, r.params.beta
      assert.are.near((b + 7) / (a + b + 7), r:retention(8), 1e-12)
      -- the fitted curve stays close to the data it was fitted on
      for t = 1, 7 do assert.are.near(regular[t + 1] / 1000, r:survival(t), 0.02) end
      assert.is_true(r:retention(12) > r:retention(8))
    end)

    it("should pool cohorts observed for different lengths", function()
      local one = clv.fit_retention({regular})
      local two = clv.fit_retention({regular, {1000, 631, 468}})
      assert.are.near(-1680.3, one.loglik, 0.05)
      assert.is_true(two.loglik < one.loglik) -- more customers, lower total LL
      assert.is_true(math.abs(two.params.alpha - one.params.alpha) < 0.1)
    end)

    it("should refuse a cohort that grows", function()
      assert.has_error(function() clv.fit_retention({{100, 90, 95}}) end,
        "cohort 1: survivors grow from 90 to 95 in period 2")
    end)
  end)
end)
