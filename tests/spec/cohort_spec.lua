-- Specs for custan.cohort.  Expected numbers come from
-- tests/reference/cohorts.py (pandas, Debian's python3-pandas):
--   /usr/bin/python3 tests/reference/cohorts.py examples/data/online_retail.csv.gz
local custan = require "custan"
local cohort = require "custan.cohort"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local retail = here .. "/../../examples/data/online_retail.csv.gz"

describe("custan.cohort", function()
  local p
  setup(function()
    p = cohort.purchases(custan.read_csv(retail))
  end)

  it("should keep the purchase rows", function()
    assert.are.equal(531285, p:nrows())
    assert.same({"customer", "date", "amount", "order", "product", "country"}, p:names())
  end)

  it("should count monthly cohorts and their retention", function()
    local c = cohort.cohorts(p)
    assert.are.equal(91, c:nrows())
    local function cell(month, age)
      local r = c:filter(c.cohort:eq(month) & c.age:eq(age))
      return r:row(1)
    end
    assert.are.equal(885, cell("2010-12-01", 0).active)
    assert.are.equal(324, cell("2010-12-01", 1).active)
    assert.are.near(324 / 885, cell("2010-12-01", 1).retention, 1e-15)
    assert.are.equal(445, cell("2010-12-01", 11).active)
    assert.are.equal(101, cell("2011-03-01", 4).active)
    assert.are.equal(885, cell("2010-12-01", 11).size)
  end)

  it("should measure revenue concentration", function()
    local k = cohort.concentration(p)
    assert.are.equal(4339, k.customers)
    assert.are.near(0.746171371868, k.top_share, 1e-11)
    assert.are.near(0.715205269097, k.gini, 1e-11)
    assert.are.equal(4340, k.lorenz:nrows()) -- every customer and the origin
    assert.are.equal(0, k.lorenz.revenue_share:get(1))
    assert.are.near(1, k.lorenz.revenue_share:get(4340), 1e-12)
  end)

  it("should classify products A, B and C", function()
    local counts = {}
    for _, r in ipairs(cohort.abc(p).class:value_counts():to_rows()) do counts[r.value] = r.count end
    assert.same({A = 801, B = 973, C = 2167}, counts)
  end)

  it("should tabulate weekdays, hours, countries and months", function()
    local h = cohort.weekday_hour(p)
    assert.are.equal(648, h:filter(h.weekday:eq(3) & h.hour:eq(12)):row(1).orders)
    assert.are.equal(0, h:filter(h.weekday:eq(6)):nrows()) -- no Saturday orders
    local countries = cohort.by_country(p)
    assert.are.equal("United Kingdom", countries.country:get(1))
    local m = cohort.monthly(p)
    local nov = m:filter(m.month:eq("2011-11-01")):row(1)
    assert.are.near(1509496.33, nov.revenue, 1e-6)
    assert.are.equal(2884, nov.orders)
    assert.are.equal(324, nov.new_customers)
    assert.are.equal(nov.customers - 324, nov.returning_customers)
  end)

  it("should broadcast a group's aggregate to its rows", function()
    local t = custan.frame({k = {"a", "b", "a"}, v = {3, 5, 1}}, {"k", "v"})
    assert.same({1, 5, 1}, t:group_by("k"):transform("v", "min"):to_table())
  end)
end)
