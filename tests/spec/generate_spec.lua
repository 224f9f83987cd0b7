-- Specs for the generated world (custan.analysis.generate), the adjusted
-- Rand index and the segment classifier's pieces.  The adjusted Rand
-- reference is scikit-learn 1.2.1's adjusted_rand_score (Debian's
-- python3-sklearn) on the labelings below: 0.4318181818181818; identical
-- one-class partitions 1.0; one against singletons 0.0.
local custan = require "custan"
local cluster = require "custan.cluster"
local generate = require "custan.analysis.generate"
local classify = require "custan.analysis.classify"
local core_ml = require "custan.core.ml"
local util = require "custan.util"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  return d
end

local function world(extra)
  local w = {start = "2024-01-01", days = 120, holdout_days = 30,
    segments = {{name = "A", share = 1, purchase = {model = "bgnbd", r = 2, alpha = 40, a = 1, b = 3},
                 spend = {p = 6, q = 4, gamma = 30}}}}
  for k, v in pairs(extra or {}) do w[k] = v end
  return w
end

describe("cluster.adjusted_rand", function()
  it("equals scikit-learn's adjusted_rand_score", function()
    local a = custan.column({"x", "x", "y", "y", "z", "z", "z", "y", "x", "x"}, "string")
    local b = custan.column({1, 1, 0, 0, 2, 2, 1, 0, 1, 2}, "int64")
    assert.is_true(math.abs(cluster.adjusted_rand(a, b) - 0.4318181818181818) < 1e-12)
    assert.are.equal(1.0, cluster.adjusted_rand(custan.column({0, 0, 0}, "int64"),
      custan.column({1, 1, 1}, "int64")))
    assert.are.equal(0.0, cluster.adjusted_rand(custan.column({0, 1, 2}, "int64"),
      custan.column({0, 0, 0}, "int64")))
  end)
  it("is 1 for the same partition under other names", function()
    local a = custan.column({1, 1, 2, 2, 3}, "int64")
    local b = custan.column({"p", "p", "q", "q", "r"}, "string")
    assert.are.equal(1.0, cluster.adjusted_rand(a, b))
  end)
  it("refuses a missing label", function()
    assert.has_error(function()
      cluster.adjusted_rand(custan.column({1, nil, 2}, "int64", 3), custan.column({1, 1, 2}, "int64"))
    end)
  end)
end)

describe("generate.resolve", function()
  it("fills the defaults and weights by name", function()
    local spec = generate.resolve(world{channels = {"web", "shop"},
      segments = {{name = "A", purchase = {r = 1, alpha = 10, a = 1, b = 1}, spend = {p = 1, q = 2, gamma = 1},
                   channels = {shop = 3}}}})
    assert.are.same({1, 3}, spec.segments[1].channels)
    assert.are.equal("bgnbd", spec.segments[1].process)
    assert.are.equal(120, spec.segments[1].signup_to)
    assert.are.equal(19723, spec.start_day) -- 2024-01-01
  end)
  it("starts an experiment in the log's last days by default", function()
    local spec = generate.resolve(world{experiment = {days = 30, purchase_lift = 0.2}})
    assert.are.equal(90, spec.experiment.start)
    assert.are.equal(0.5, spec.experiment.share)
  end)
  it("names an unknown weight, a bad model and a missing parameter", function()
    local ok, err = pcall(generate.resolve, world{segments = {{name = "A", purchase = {r = 1, alpha = 1, a = 1, b = 1},
      spend = {p = 1, q = 2, gamma = 1}, countries = {Mars = 1}}}}, {where = "world w.lua"})
    assert.is_false(ok)
    assert.matches("world w.lua: segment 'A': countries: unknown name 'Mars'", err, 1, true)
    ok, err = pcall(generate.resolve, world{segments = {{name = "A", purchase = {model = "nbd", r = 1}}}})
    assert.matches("purchase.model must be bgnbd or pareto", err, 1, true)
    ok, err = pcall(generate.resolve, world{segments = {{name = "A", purchase = {r = 1, alpha = 1, a = 1},
      spend = {p = 1, q = 2, gamma = 1}}}})
    assert.matches("purchase.b must be a number", err, 1, true)
  end)
end)

describe("generate.run", function()
  it("writes the same files with 1 and 2 threads, one truth row per customer", function()
    local d1, d2 = tmpdir(), tmpdir()
    local doc = generate.run{world = world(), customers = 500, seed = 9, threads = 1, output = d1, events = true}
    generate.run{world = world(), customers = 500, seed = 9, threads = 2, output = d2, events = true}
    for _, f in ipairs{"orders.csv", "truth.csv", "customers.csv", "events.csv", "products.csv"} do
      assert.are.equal(util.read_file(d1 .. "/" .. f), util.read_file(d2 .. "/" .. f))
    end
    assert.are.equal(500, custan.read_csv(d1 .. "/truth.csv"):nrows())
    assert.are.equal(500, doc.summary.customers)
    assert.is_true(doc.summary.lines >= doc.summary.orders and doc.summary.orders >= 500)
    os.execute("rm -rf '" .. d1 .. "' '" .. d2 .. "'")
  end)
  it("leaves no folder when the world is bad", function()
    local d = tmpdir()
    local w = world()
    w.segments[1].purchase.alpha = -1
    local ok, err = pcall(generate.run, {world = w, customers = 10, output = d})
    assert.is_false(ok)
    assert.matches("alpha must be positive", err, 1, true)
    assert.is_nil(io.open(d .. "/orders.csv"))
  end)
end)

describe("the segment classifier's pieces", function()
  it("predicts class probabilities that sum to 1", function()
    local x = {}
    local y = {}
    for i = 1, 300 do x[i] = i % 3 + (i % 7) / 10; y[i] = i % 3 end
    local cols = {custan.column(x, "float64")}
    local b = core_ml.xgb_train(cols, {"x"}, custan.column(y, "float64"), nil,
      {"num_class", "objective", "nthread", "seed"}, {"3", "multi:softprob", "1", "1"}, 20)
    local p = b:predict_classes(cols, {"x"}, 3)
    assert.are.equal(3, #p)
    for i = 1, 300, 37 do
      local s = p[1]:to_table()[i] + p[2]:to_table()[i] + p[3]:to_table()[i]
      assert.is_true(math.abs(s - 1) < 1e-5)
    end
    assert.is_true(p[y[4] + 1]:to_table()[4] > 0.9) -- a separable class is learnt
  end)
  it("counts early behaviour from the first purchase", function()
    local tx = custan.frame({
      customer = custan.column({1, 1, 1, 2}, "int64"),
      date = custan.column({0, 0, 10 * 86400e6, 0}, "int64"):cast("timestamp"),
      amount = custan.column({5, 7, 100, 3}, "float64"),
      order = custan.column({"a", "a", "b", "c"}, "string"),
      product = custan.column({"p", "q", "p", "p"}, "string"),
      purchase = custan.column({true, true, true, true}, "bool")},
      {"customer", "date", "amount", "order", "product", "purchase"})
    local e = classify.early_features(tx, 5):to_rows()
    assert.are.same({customer = 1, early_orders = 1, early_revenue = 12, early_products = 2,
      first_order_value = 12}, e[1])
    e = classify.early_features(tx, 30):to_rows()
    assert.are.equal(2, e[1].early_orders)
    assert.are.equal(112, e[1].early_revenue)
  end)
end)
