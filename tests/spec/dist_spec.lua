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
