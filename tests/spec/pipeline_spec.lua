-- Specs for the pipeline's parts (issue 14): the CLV baseline of a
-- policy and its uncertainty, insights' AUC standard error, the funnel,
-- the event-log reader, date.add_months and the pipeline runner's checks.
-- The whole pipeline on the bundled logs is tested in tests/cli/run.sh.
local custan = require "custan"
local clv = require "custan.clv"
local date = require "custan.date"
local policy = require "custan.policy"
local sim = require "custan.sim"
local transactions = require "custan.data.transactions"
local insights = require "custan.analysis.insights"
local funnel = require "custan.analysis.funnel"
local pipeline = require "custan.analysis.pipeline"

local function rel(a, b) return math.abs(a - b) / math.max(math.abs(b), 1e-300) end

-- Fader, Hardie & Lee's published CDNOW estimates (BG/NBD, 2005; Gamma-Gamma, 2005)
local bg = clv.from_params("bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426})
bg.param_names = {"r", "alpha", "a", "b"}
local gg = clv.from_params("gamma_gamma", {p = 6.25, q = 3.74, gamma = 15.44})
gg.param_names = {"p", "q", "gamma"}

-- A few customers with their summaries in weeks, in another row order than
-- the customer table (the baseline joins by id).
local summary = custan.frame({customer = {"c", "a", "b", "d"}, frequency = {0, 2, 7, 1},
  recency = {0, 30.4, 38, 2}, T = {39, 38.9, 39, 30}, monetary_value = {0, 35.5, 12, 80}},
  {"customer", "frequency", "recency", "T", "monetary_value"})
local customers = custan.frame({customer = {"a", "b", "c", "d"}, segment = {"x", "x", "y", "y"},
  churn_probability = {0.2, 0.1, 0.7, 0.9}}, {"customer", "segment", "churn_probability"})
local models = {purchase = bg, spend = gg, summary = summary, unit = "week"}

describe("policy baselines from the CLV models", function()
  it("should keep the model's expected revenue: r * orders * value = E[X(h)] E[M]", function()
    local r, o, ov = policy.clv_baseline(customers, "customer", models, 91)
    local s = customers:select{"customer"}:join(summary, "customer")
    local expected = bg:conditional(s, 13) * gg:expected_spend(s) -- 91 days = 13 weeks
    local pa = bg:p_alive(s)
    for i = 1, 4 do
      assert.is_true(rel(r:get(i), pa:get(i)) < 1e-12)
      assert.is_true(rel(r:get(i) * o:get(i) * ov:get(i), expected:get(i)) < 1e-12, "customer " .. i)
    end
  end)

  it("should name customers the summary lacks", function()
    local more = custan.frame({customer = {"a", "zz"}}, {"customer"})
    assert.matches("1 customers have no CLV summary row",
      select(2, pcall(policy.clv_baseline, more, "customer", models, 90)))
  end)

  local scenario = {
    name = "test", target = "all", horizon_days = 91,
    baseline = {source = "clv", retention = function(c) return 1 - c.churn_probability end},
    assumptions = {uptake = sim.beta(30, 70), churn_reduction = 0.2, margin = 0.3},
    costs = {contact = 1},
  }

  it("should take the fields a policy gives over the models'", function()
    local s = policy.check(scenario, "spec")
    local plan = policy.plan(s, customers, {id = "customer", clv = models})
    local r = plan.selected:sort("id"):col("r"):to_table()
    assert.are.near(0.8, r[1], 1e-12) -- 1 - churn_probability of a
    assert.are.near(0.1, r[4], 1e-12)
  end)

  -- 400 customers (the four above, 100 times each), so that who happens
  -- to respond (binomial noise) is small against the sums
  local function copies(t, n)
    local parts = {}
    for k = 1, n do
      local c = t:copy()
      c.customer = t.customer:map(function(v) return v .. k end, "string")
      parts[k] = c
    end
    return custan.concat(table.unpack(parts))
  end
  local many = copies(customers, 100)
  local many_models = {purchase = bg, spend = gg, summary = copies(summary, 100), unit = "week"}

  it("should split the net value's variance between the models and the assumptions", function()
    -- identical parameter sets: no model uncertainty at all
    local plan = policy.plan(policy.check(scenario, "spec"), many, {id = "customer", clv = many_models})
    local same = {}
    for k = 1, 20 do same[k] = {purchase = bg, spend = gg} end
    local r0 = policy.simulate(plan, {draws = 2000, seed = 3, parameter_sets = same})
    assert.is_true(r0.uncertainty.model_share < 0.05)
    assert.is_true(r0.total.net.sd > 0)
    -- everyone responds and stays: only the parameters can move the net value
    local fixed = {}
    for k, v in pairs(scenario) do fixed[k] = v end
    fixed.assumptions = {uptake = 1, churn_reduction = 1, margin = 0.3}
    plan = policy.plan(policy.check(fixed, "spec"), many, {id = "customer", clv = many_models})
    -- parameter sets far apart: purchase rates of 0.2 and 5 times the fit's
    local apart = {}
    for k = 1, 20 do
      local f = k % 2 == 0 and 5 or 0.2
      local p = clv.from_params("bgnbd", {r = 0.243 * f, alpha = 4.414, a = 0.793, b = 2.426})
      p.param_names = bg.param_names
      apart[k] = {purchase = p, spend = gg}
    end
    local r1 = policy.simulate(plan, {draws = 2000, seed = 3, parameter_sets = apart})
    assert.is_true(r1.uncertainty.model_share > 0.95)
    assert.are.near(1, r1.uncertainty.model_share + r1.uncertainty.assumptions_share, 1e-12)
    -- the same seed gives the same draws
    local again = policy.simulate(plan, {draws = 2000, seed = 3, parameter_sets = apart})
    assert.are.same(r1.per_draw.net:to_table(), again.per_draw.net:to_table())
  end)

  it("should refuse a CLV baseline without the models, saying where to run it", function()
    local s = policy.check({name = "x", target = "all", baseline = "clv",
      assumptions = {uptake = 0.5}}, "spec")
    assert.matches("needs the fitted CLV models", select(2, pcall(policy.plan, s, customers, {id = "customer"})))
  end)
end)

describe("insights", function()
  -- Hanley & McNeil (1982), eq. 2, worked by hand: A = 0.8, 50 and 50:
  -- Q1 = 2/3, Q2 = 0.711111; SE^2 = (0.16 + 49 (Q1 - 0.64) + 49 (Q2 - 0.64)) / 2500
  it("should give the AUC's standard error of Hanley and McNeil", function()
    local q1, q2 = 0.8 / 1.2, 2 * 0.64 / 1.8
    local want = math.sqrt((0.16 + 49 * (q1 - 0.64) + 49 * (q2 - 0.64)) / 2500)
    assert.are.near(want, insights.auc_se(0.8, 50, 50), 1e-15)
    assert.are.near(0.0445, insights.auc_se(0.8, 50, 50), 5e-5)
    assert.is_nil(insights.auc_se(0.8, 0, 50))
  end)
end)

describe("event logs and the funnel", function()
  local path = os.tmpname()
  before_each(function()
    local f = io.open(path, "w")
    -- visitor 1 views, carts and buys; 2 views and carts; 3 only views;
    -- timestamps are milliseconds since 1970 (2015-06-01 00:00:00 UTC = 1433116800000)
    f:write("timestamp,visitorid,event,itemid,transactionid\n",
      "1433116800000,1,view,10,\n", "1433116860000,1,addtocart,10,\n",
      "1433116920000,1,transaction,10,7\n", "1433203200000,2,view,11,\n",
      "1433203260000,2,addtocart,11,\n", "1433289600000,3,view,12,\n",
      "1433289660000,3,view,13,\n")
    f:close()
  end)
  after_each(function() os.remove(path) end)

  it("should read milliseconds as UTC times and transactions as purchases", function()
    local tx = transactions.read(path, {preset = "retailrocket"})
    assert.are.equal("2015-06-01 00:00:00", tostring(tx.date:min()):sub(1, 19))
    assert.are.same({false, false, true, false, false, false, false}, tx.purchase:to_table())
    assert.are.equal(0, tx.cancelled:sum())
    assert.is_true(transactions.counts_only(transactions.options({preset = "retailrocket"})))
  end)

  it("should count visitors at each stage", function()
    local doc = funnel.run(path, {preset = "retailrocket"})
    local f = doc.summary.overall
    assert.are.same({3, 3, 2, 1}, {f.visitors, f.viewers, f.carters, f.buyers})
    assert.are.near(2 / 3, f.view_to_cart, 1e-15)
    assert.are.near(1 / 2, f.cart_to_purchase, 1e-15)
    assert.are.near(1 / 3, f.view_to_purchase, 1e-15)
  end)
end)

describe("custan.date.add_months", function()
  it("should move to the same day, or the month's last", function()
    assert.are.equal("2011-02-28", date.add_months("2011-01-31", 1))
    assert.are.equal("2012-02-29", date.add_months("2011-12-29", 2))
    assert.are.equal("2010-12-15", date.add_months("2011-01-15", -1))
    assert.has_error(function() date.add_months("2011-13-01", 1) end)
  end)
end)

describe("pipeline files", function()
  it("should load the library's default pipeline", function()
    local p = pipeline.load()
    local names = {}
    for i, st in ipairs(p.stages) do names[i] = st.name end
    assert.are.same(require("custan.pipeline").default, names)
  end)

  it("should name the file and the stage in its errors", function()
    local path = os.tmpname()
    local f = io.open(path, "w")
    f:write('return {stages = {{name = "a", run = function() end}, {name = "a", run = function() end}}}')
    f:close()
    assert.matches("pipeline " .. path:gsub("%p", "%%%0") .. ": stages%[2%]: two stages are named 'a'",
      select(2, pcall(pipeline.load, path)))
    os.remove(path)
  end)

  it("should add columns by customer, whatever the row order", function()
    local ctx = pipeline.context({customers = customers:copy()})
    ctx:add(custan.frame({customer = {"d", "a"}, score = {4, 1}}, {"customer", "score"}), {"score"})
    assert.are.same({1, nil, nil, 4}, {ctx.customers.score:get(1), ctx.customers.score:get(2),
      ctx.customers.score:get(3), ctx.customers.score:get(4)})
    assert.matches("ids must be unique", select(2, pcall(ctx.add, ctx,
      custan.frame({customer = {"a", "a"}, x = {1, 2}}, {"customer", "x"}), {"x"})))
  end)
end)

describe("the segments stage", function()
  -- 300 customers on three repeated points and one far away: a mixture of
  -- four puts a component on the lone customer (0.3% of them), which the
  -- stage must see as degenerate and replace by k-means, saying so
  it("should fall back to k-means when the mixture is degenerate", function()
    local r, o, v = {}, {}, {}
    for i = 1, 300 do
      local g = i % 3
      r[i], o[i], v[i] = 10 + 40 * g + i % 7, 1 + g + i % 2, 50 + 100 * g + i % 11
    end
    r[300], o[300], v[300] = 400, 60, 90000
    local ids = {}
    for i = 1, 300 do ids[i] = "c" .. i end
    local c = custan.frame({customer = ids, recency_days = r, orders = o, revenue = v},
      {"customer", "recency_days", "orders", "revenue"})
    local ctx = pipeline.context({customers = c, options = {seed = 1}, warnings = {}})
    ctx.quiet = true
    local doc = require("custan.pipeline").segments.run(ctx, {})
    assert.are.equal("kmeans", doc.summary.method)
    assert.is_truthy(doc.summary.fallback)
    assert.matches("the Gaussian mixture was degenerate", table.concat(doc.warnings, "\n"))
    assert.is_true(ctx.customers:has("cluster_segment"))
  end)
end)
