-- Specs for frames: construction, access, selection, filtering, sorting,
-- slicing, concatenation, group-by, conversion and printing.
local custan = require "custan"

describe("custan.frame", function()
  local t
  before_each(function()
    t = custan.frame({
      id = {1, 2, 3, 4},
      name = {"ann", "bob", nil, "dee"},
      amount = {10.5, 20, 5.25, 40},
      vip = {true, false, true, false},
    }, {"id", "name", "amount", "vip"})
  end)

  describe("construction", function()
    it("should infer types and keep the given order", function()
      assert.same({"id", "name", "amount", "vip"}, t:names())
      assert.same({id = "int64", name = "string", amount = "float64", vip = "bool"}, t:types())
      assert.are.equal(4, t:nrows())
      assert.are.equal(4, #t)
      assert.are.equal(4, t:ncols())
    end)

    it("should sort column names when no order is given", function()
      assert.same({"a", "b"}, custan.frame({b = {1}, a = {2}}):names())
    end)

    it("should build from rows and pad trailing missing values", function()
      local f = custan.from_rows({{x = 1, y = "a"}, {x = 2}}, {"x", "y"})
      assert.are.equal(2, f:nrows())
      assert.is_nil(f:row(2).y)
    end)

    it("should reject mixed value types with a message", function()
      assert.has_error(function() custan.frame({x = {1, "a"}}) end,
        "x mixes value types; give the type explicitly")
    end)

    it("should make timestamp columns from ISO strings when asked", function()
      local c = custan.column({"2011-01-02 03:04:05", nil}, "timestamp", 2)
      assert.are.equal("timestamp", c:type())
      assert.are.equal("2011-01-02 03:04:05", c:get(1))
      assert.is_nil(c:get(2))
    end)
  end)

  describe("access", function()
    it("should give columns by field and by name", function()
      assert.are.equal(20, t.amount:get(2))
      assert.are.equal("bob", t:col("name")[2])
      assert.are.equal(4, #t.id)
    end)

    it("should raise for an unknown column", function()
      assert.has_error(function() return t.nope end, "frame has no column or method 'nope'")
      assert.has_error(function() t:col("nope") end, "no column named 'nope'")
    end)

    it("should give rows as tables with nil for missing", function()
      assert.same({id = 3, amount = 5.25, vip = true}, t:row(3))
    end)

    it("should iterate rows", function()
      local total = 0
      for i, row in t:rows() do total = total + row.id * i end
      assert.are.equal(1 + 4 + 9 + 16, total)
    end)
  end)

  describe("column set", function()
    it("should add, replace and drop columns in place", function()
      t.double = t.amount * 2
      assert.are.equal(81, t.double:get(4) + 1)
      t.double = 7
      assert.are.equal(7, t.double:get(1))
      t.double = nil
      assert.is_false(t:has("double"))
    end)

    it("should reject a column of the wrong length", function()
      assert.has_error(function() t.bad = custan.column({1, 2}) end,
        "column 'bad' has 2 rows, the frame has 4")
    end)

    it("should select, drop and rename without touching the original", function()
      assert.same({"vip", "id"}, t:select{"vip", "id"}:names())
      assert.same({"vip", "id"}, t:select("vip", "id"):names())
      assert.same({"id", "vip"}, t:drop("name", "amount"):names())
      local r = t:rename{amount = "value"}
      assert.same({"id", "name", "value", "vip"}, r:names())
      assert.is_true(t:has("amount"))
    end)
  end)

  describe("rows", function()
    it("should filter by a mask, treating missing as false", function()
      local f = t:filter(t.name:ne("bob"))
      assert.same({1, 4}, f.id:to_table())
    end)

    it("should sort by several keys, descending where asked, stably", function()
      local f = custan.frame({k = {"b", "a", "b", "a"}, v = {1, 2, 3, 4}}, {"k", "v"})
      assert.same({4, 2, 3, 1}, f:sort({"k", "v"}, {desc = {false, true}}).v:to_table())
      assert.same({4, 3, 2, 1}, f:sort("v", {desc = true}).v:to_table())
    end)

    it("should put missing values last", function()
      assert.same({"ann", "bob", "dee"}, {t:sort("name").name:get(1), t:sort("name").name:get(2),
        t:sort("name").name:get(3)})
      assert.is_nil(t:sort("name").name:get(4))
      assert.is_nil(t:sort("name", {desc = true}).name:get(4))
    end)

    it("should take head, tail and slices", function()
      assert.same({1, 2}, t:head(2).id:to_table())
      assert.same({3, 4}, t:tail(2).id:to_table())
      assert.same({2, 3}, t:slice(2, 3).id:to_table())
      assert.same({4}, t:slice(-1).id:to_table())
      assert.are.equal(0, t:slice(3, 2):nrows())
      assert.are.equal(4, t:head(100):nrows())
      assert.same({4, 1}, t:take{4, 1}.id:to_table())
    end)

    it("should concatenate frames by column name", function()
      local a = custan.frame({x = {1, 2}, s = {"a", "b"}}, {"x", "s"})
      local b = custan.frame({s = {"c"}, x = {2.5}}, {"s", "x"})
      local c = custan.concat(a, b)
      assert.are.equal("float64", c.x:type())
      assert.same({1, 2, 2.5}, c.x:to_table())
      assert.same({"a", "b", "c"}, c.s:to_table())
      assert.has_error(function() custan.concat(a, custan.frame({y = {1}, s = {"z"}})) end,
        "concat: frame 2 has no column 'x'")
    end)
  end)

  describe("group_by", function()
    it("should aggregate with named outputs, sorted by key", function()
      local f = custan.frame({k = {"b", "a", "b", "a", "b"}, v = {1, 2, 3, nil, 5}}, {"k", "v"})
      local g = f:group_by("k"):agg{{"v", "sum", as = "total"}, {"v", "count"}, {"k", "size"},
                                    {"v", "mean", as = "avg"}}
      assert.same({"k", "total", "v_count", "size", "avg"}, g:names())
      assert.same({"a", "b"}, g.k:to_table())
      assert.same({2, 9}, g.total:to_table())
      assert.same({1, 3}, g.v_count:to_table())
      assert.same({2, 3}, g.size:to_table())
      assert.same({2, 3}, g.avg:to_table())
    end)

    it("should keep first-appearance order when asked", function()
      local f = custan.frame({k = {"b", "a", "b"}}, {"k"})
      assert.same({"b", "a"}, f:group_by("k", {sort = false}):size().k:to_table())
    end)

    it("should accept a map of aggregations", function()
      local f = custan.frame({k = {1, 1, 2}, v = {1, 2, 3}}, {"k", "v"})
      local g = f:group_by("k"):agg{hi = {"v", "max"}, lo = {"v", "min"}}
      assert.same({"k", "hi", "lo"}, g:names())
      assert.same({2, 3}, g.hi:to_table())
    end)

    it("should name a bad aggregation", function()
      assert.has_error(function() t:group_by("vip"):agg{{"amount", "median"}} end)
      assert.has_error(function() t:group_by("nope") end, "group_by: no column named 'nope'")
    end)
  end)

  describe("conversion and printing", function()
    it("should convert to columns and rows", function()
      assert.same({1, 2, 3, 4}, t:to_columns().id)
      assert.are.equal("dee", t:to_rows()[4].name)
    end)

    it("should map rows to a column", function()
      local c = t:map(function(row) return row.vip and row.amount or 0 end)
      assert.same({10.5, 0, 5.25, 0}, c:to_table())
    end)

    it("should print a preview with types and NA", function()
      local s = tostring(t)
      assert.truthy(s:find("frame: 4 rows x 4 columns", 1, true))
      assert.truthy(s:find("float64", 1, true))
      assert.truthy(s:find("NA", 1, true))
    end)

    it("should describe every column", function()
      local d = t:describe()
      assert.same({"id", "name", "amount", "vip"}, d.column:to_table())
      assert.same({0, 1, 0, 0}, d.missing:to_table())
      assert.are.near(18.9375, d.mean:get(3), 1e-12)
    end)
  end)
end)
