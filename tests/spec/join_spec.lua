-- Specs for joins and reshaping (custan.join): each checked against a
-- nested-loop reference written here in Lua on random tables, plus the
-- corner cases by hand.
local custan = require "custan"

-- The reference: every (left, right) pair with equal, non-missing keys,
-- in left-row then right-row order; left rows with no match once (left join).
local function reference(lrows, rrows, key, how)
  local out = {}
  for i, l in ipairs(lrows) do
    local matched = false
    for j, r in ipairs(rrows) do
      if l[key] ~= nil and l[key] == r[key] then
        out[#out + 1] = {i, j}
        matched = true
      end
    end
    if not matched and how == "left" then out[#out + 1] = {i, false} end
  end
  return out
end

local function random_frame(n, nkeys, seed, name)
  math.randomseed(seed)
  local ids, keys, vals = {}, {}, {}
  for i = 1, n do
    ids[i] = i
    keys[i] = math.random(10) == 1 and nil or ("k" .. math.random(nkeys))
    vals[i] = math.random() * 100
  end
  local t = custan.frame({[name .. "_row"] = custan.column(ids, "int64", n),
    key = custan.column(keys, "string", n), [name] = custan.column(vals, "float64", n)},
    {name .. "_row", "key", name})
  local rows = {}
  for i = 1, n do rows[i] = {key = keys[i]} end
  return t, rows
end

describe("custan.join", function()
  for _, how in ipairs{"inner", "left"} do
    it("should match a nested-loop " .. how .. " join on random many-to-many tables", function()
      for seed = 1, 5 do
        local l, lrows = random_frame(200, 30, seed, "x")
        local r, rrows = random_frame(80, 40, seed + 100, "y")
        local j = l:join(r, "key", {how = how})
        local want = reference(lrows, rrows, "key", how)
        assert.are.equal(#want, j:nrows())
        local xr, yr = j.x_row:to_table(), j.y_row:to_table()
        for k, p in ipairs(want) do
          assert.are.equal(p[1], xr[k])
          assert.are.equal(p[2] or nil, yr[k])
        end
      end
    end)
  end

  it("should join on several keys and rename clashing columns", function()
    local a = custan.frame({c = {"u", "u", "v"}, d = {1, 2, 1}, v = {1, 2, 3}}, {"c", "d", "v"})
    local b = custan.frame({c = {"u", "v"}, day = {2, 1}, v = {20, 30}}, {"c", "day", "v"})
    local j = a:join(b, {"c", d = "day"})
    assert.same({"c", "d", "v", "v_right"}, j:names())
    assert.same({2, 3}, j.v:to_table())
    assert.same({20, 30}, j.v_right:to_table())
  end)

  it("should refuse keys of types that cannot match, naming them", function()
    local a = custan.frame({id = {1, 2}}, {"id"})
    local b = custan.frame({id = {"1", "2"}}, {"id"})
    local ok, err = pcall(a.join, a, b, "id")
    assert.is_false(ok)
    assert.matches("join key 1: cannot match int64 keys with string keys", err)
    assert.matches("no column 'nope'", select(2, pcall(a.join, a, b, "nope")))
  end)

  it("should take the last row at or before each time (as-of)", function()
    local orders = custan.frame({customer = {"a", "a", "b"},
      date = custan.column({"2011-01-05", "2011-03-01", "2011-01-01"}, "timestamp")},
      {"customer", "date"})
    local tiers = custan.frame({customer = {"a", "a", "b"},
      since = custan.column({"2011-01-01", "2011-02-01", "2011-02-01"}, "timestamp"),
      tier = {"silver", "gold", "silver"}}, {"customer", "since", "tier"})
    local j = orders:asof_join(tiers, {by = "customer", time = {left = "date", right = "since"}})
    assert.same({"silver", "gold"}, {j.tier:get(1), j.tier:get(2)})
    assert.is_nil(j.tier:get(3)) -- b's tier starts after its order
  end)

  it("should pivot and unpivot back", function()
    local long = custan.frame({c = {"a", "a", "b", "a"}, m = {1, 2, 1, 1}, r = {5, 6, 7, 1}},
      {"c", "m", "r"})
    local wide = long:pivot{index = "c", names = "m", values = "r", agg = "sum"}
    assert.same({"c", "1", "2"}, wide:names())
    assert.same({6, 7}, wide["1"]:to_table())
    assert.same({6}, {wide["2"]:get(1)})
    assert.is_nil(wide["2"]:get(2))
    local n = long:pivot{index = "c", names = "m", values = "r", agg = "count"}
    assert.same({0}, {n["2"]:get(2)})
    assert.matches("rows 1 and 4 fall in the same cell",
      select(2, pcall(long.pivot, long, {index = "c", names = "m", values = "r"})))
    local back = wide:unpivot{id = "c", names_to = "m", values_to = "r"}
    assert.same({"c", "m", "r"}, back:names())
    assert.same({"1", "1", "2", "2"}, back.m:to_table())
    assert.same({6, 7, 6}, {back.r:get(1), back.r:get(2), back.r:get(3)})
  end)
end)
