-- Specs for custan.dist in one process (no mpirun): one rank, and every
-- collective gives back its input; the sum is exact.  The same functions
-- across ranks are tested under mpirun in tests/cli/dist.sh.
local custan = require "custan"
local dist = require "custan.dist"

describe("custan.dist in one process", function()
  it("should be rank 0 of 1, the root", function()
    assert.are.equal(0, dist.rank())
    assert.are.equal(1, dist.size())
    assert.is_true(dist.is_root())
    assert.is_string(dist.library())
  end)

  it("should give back numbers, lists and columns from sum, max and min", function()
    assert.are.equal(2.5, dist.sum(2.5))
    assert.same({1, 2, 3}, dist.max({1, 2, 3}))
    assert.same({-1, 0.5}, dist.min({-1, 0.5}))
    local c = dist.sum(custan.column({0.25, 4}, "float64"))
    assert.same({0.25, 4}, c:to_table())
    assert.has_error(function() dist.sum(custan.column({1, nil, 3}, "float64", 3)) end,
      "reduce: the column must be float64 without missing values")
  end)

  it("should gather a list of one and broadcast its value", function()
    assert.same({"x"}, dist.gather("x"))
    assert.same({{a = 1}}, dist.gather({a = 1}))
    assert.are.equal("hello", dist.broadcast("hello"))
    assert.same({k = {1, 2}}, dist.broadcast({k = {1, 2}}))
  end)

  it("should share a list round-robin (all of it to the only rank)", function()
    assert.same({"a", "b", "c"}, dist.share({"a", "b", "c"}))
    assert.is_true(dist.any(true))
    assert.is_false(dist.any(false))
    assert.is_true(dist.all(true))
  end)

  it("should raise the message of abort when there is one rank", function()
    assert.has_error(function() dist.abort("stop here") end, "stop here")
  end)
end)

describe("custan.dist's frames and merges in one process", function()
  local function frame()
    return custan.frame({customer = custan.column({3, 1, 2, 1}, "float64"),
      amount = custan.column({0.1, 0.2, 0.3, 0.4}, "float64")}, {"customer", "amount"})
  end

  it("should exchange, own and gather a frame as itself", function()
    local t = frame()
    assert.are.equal(t, dist.exchange(t, "customer"))
    assert.are.equal(t, dist.owned(t, "customer"))
    local parts = dist.exchange_parts(t, "customer")
    assert.are.equal(1, #parts)
    assert.same(t.amount:to_table(), parts[1].amount:to_table())
    local all = dist.allgather_frames(t)
    assert.are.equal(1, #all)
    assert.are.equal(4, all[1]:nrows())
    assert.is_nil(dist.concat({false}))
    assert.same({{1}}, dist.allgather({1}))
  end)

  it("should sum a column exactly, the same bits in any order", function()
    -- 1e16 + 1 - 1e16: a plain left-to-right sum loses the 1
    local a = custan.column({1e16, 1, -1e16, 0.5}, "float64")
    local b = custan.column({0.5, -1e16, 1, 1e16}, "float64")
    assert.are.equal(1.5, a:exact_sum())
    assert.are.equal(a:exact_sum(), b:exact_sum())
    assert.are.equal(1.5, dist.exact_sum(a))
    assert.are.equal(0, custan.column({}, "float64"):exact_sum())
  end)

  it("should make group sums exact, and their rests add back to the whole", function()
    local t = custan.frame({k = custan.column({"a", "a", "a", "b"}, "string"),
      v = custan.column({1e16, 1, -1e16, 0.1}, "float64")}, {"k", "v"})
    local g = t:group_by("k"):agg{{"v", "sum", as = "s"}, {"v", "sum_err1", as = "e1"},
      {"v", "sum_err2", as = "e2"}, {"v", "sum_err3", as = "e3"}}
    local rows = g:to_rows()
    assert.are.equal(1, rows[1].s) -- Neumaier gets this too; a plain sum gives 0
    assert.are.equal(0, rows[1].e1)
    assert.are.equal(0.1, rows[2].s)
    -- a sum that does not fit one double: 1 + 2^-60 rounds to 1 and leaves 2^-60
    local u = custan.frame({k = custan.column({1, 1}, "int64"),
      v = custan.column({1, 2 ^ -60}, "float64")}, {"k", "v"})
    local r = u:group_by("k"):agg{{"v", "sum", as = "s"}, {"v", "sum_err1", as = "e1"}}:to_rows()[1]
    assert.are.equal(1, r.s)
    assert.are.equal(2 ^ -60, r.e1)
    assert.has_error(function() u:group_by("v"):agg{{"k", "sum_err1"}} end)
  end)

  it("should merge group-bys as themselves with one rank", function()
    local t = frame()
    local specs = dist.exact_sum_specs("amount", "revenue")
    assert.are.equal(1, #specs) -- the rests only under mpirun
    local g = t:group_by("customer"):agg(specs)
    assert.are.equal(g, dist.merge_groups(g, {"customer"}, {revenue = "exact"}))
  end)

  it("should split fits by default and count the blocks it ran", function()
    assert.is_true(dist.split())
    assert.is_true(dist.split(false))
    assert.is_false(dist.split(true))
    local ran, total, rounds = dist.blocks()
    assert.are.equal(ran, total) -- one rank runs every block
    assert.is_true(rounds >= 0)
  end)
end)
