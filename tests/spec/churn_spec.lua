-- Specs for custan.churn: labels, the activity columns, the feature
-- builder, tiers and the checks of the editable files.  The hand-made log
-- below is worked by hand in the comments.
local custan = require "custan"
local churn = require "custan.churn"
local transactions = require "custan.data.transactions"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local examples = here .. "/../../examples/data"

-- customer 1 buys on days 1, 11 and 31 of January and again in the window;
-- customer 2 once on 20 January and never again; customer 3 only after the
-- cut-off (not a calibration customer)
local function log()
  local t = custan.frame({
    customer = {1, 1, 1, 1, 2, 3},
    date = {"2024-01-01", "2024-01-11", "2024-01-31", "2024-02-10", "2024-01-20", "2024-02-05"},
    amount = {10, 20, 30, 40, 50, 60},
    country = {"UK", "UK", "UK", "UK", "France", "UK"},
  }, {"customer", "date", "amount", "country"})
  t.date = t.date:cast("timestamp")
  return transactions.standardize(t, {customer = "customer", date = "date", amount = "amount",
                                      country = "country", order = false, product = false,
                                      quantity = false})
end

local options = {cutoff = "2024-01-31", window = 30, activity_days = 15}

describe("custan.churn", function()
  it("should label calibration customers by the window", function()
    local s, info = churn.customers(log(), options)
    assert.are.equal(2, s:nrows()) -- customer 3 bought only after the cut-off
    assert.are.same({false, true}, s:col("churned"):to_table())
    assert.are.equal("2024-03-01", info.window_end)
    assert.are.same({"UK", "France"}, s:col("country"):to_table())
  end)

  it("should compute the activity columns", function()
    local s = churn.customers(log(), options)
    -- customer 1: gaps 10 and 20 days: mean 15, sd 5; purchase days within
    -- 15 days of 31 Jan: one (31 Jan); age 31 days: trend 1/3 - 15/31
    assert.are.near(15, s:col("ipt_mean_days"):get(1), 1e-12)
    assert.are.near(5, s:col("ipt_std_days"):get(1), 1e-12)
    assert.are.equal(1, s:col("recent_periods"):get(1))
    assert.are.near(1 / 3 - 15 / 31, s:col("activity_trend"):get(1), 1e-12)
    -- customer 2: one purchase day: no gaps; 11 days before the cut-off,
    -- so recent, and all of its 12 days are in the window: trend 1 - 1
    assert.is_nil(s:col("ipt_mean_days"):get(2))
    assert.are.equal(1, s:col("recent_periods"):get(2))
    assert.are.near(0, s:col("activity_trend"):get(2), 1e-12)
  end)

  it("should build features and reuse what it learned", function()
    local s = churn.customers(log(), options)
    local def = {spec = churn.check_features({
      {name = "recency", column = "recency_days"},
      {name = "ipt", column = "ipt_mean_days", fill = -1},
      {name = "value", value = function(c) return c.revenue * 2 end, transform = "log1p"},
      {name = "country", categorical = true, encoding = "onehot", top = 1},
      {name = "share", column = "country", categorical = true, encoding = "frequency"},
    })}
    local X, names, state = churn.build(s, def)
    assert.are.same({"recency", "ipt", "value", "country=France", "share"}, names)
    assert.are.same({15, -1}, X:col("ipt"):to_table())
    assert.are.near(math.log(1 + 120), X:col("value"):get(1), 1e-12)
    assert.are.same({"France"}, state.levels.country) -- ties: the first value in order
    local again = churn.build(s:head(1), def, state)
    assert.are.same({0}, again:col("country=France"):to_table())
    assert.are.near(0.5, again:col("share"):get(1), 1e-12)
  end)

  it("should give the Online Retail labels of the issue", function()
    local tx = require("custan.data.transactions").read(examples .. "/online_retail.csv.gz")
    local s, info = churn.customers(tx, {cutoff = "2011-09-09", window = 91})
    assert.are.equal(3370, s:nrows())
    assert.are.equal(1449, s:col("churned"):sum())
    assert.are.equal("2011-12-09", info.window_end)
  end)

  it("should map probabilities to tiers", function()
    local tiers = churn.load_tiers()
    local t = churn.tiers(custan.column({0.9, 0.5, 0.1, 0.7}), tiers)
    assert.are.same({"High", "Medium", "Low", "High"}, t:to_table())
  end)

  it("should name the file and entry of a bad feature", function()
    local ok, err = pcall(churn.check_features, {{name = "a"}, {name = "a"}}, "f.lua")
    assert.is_false(ok)
    assert.matches("f.lua: feature 2 %(a%): the name is used twice", err)
    ok, err = pcall(churn.features_from_source, "return {{name = 'x', clip = {2, 1}}}", "g.lua")
    assert.is_false(ok)
    assert.matches("clip must be {lo, hi}", err)
    ok, err = pcall(churn.build, custan.frame({a = {1}}), {spec = {{name = "b"}}})
    assert.is_false(ok)
    assert.matches("feature b: no column 'b'", err)
  end)

  it("should ship files that load", function()
    assert.is_true(#churn.load_features().spec >= 10)
    assert.are.equal(3, #churn.load_tiers())
    assert.is_true(churn.load_costs().contact >= 0)
  end)
end)
