-- bench/column_bench.lua N [REPS]: element-wise column operations and
-- reductions on N float64 values, timed in-process and warm: each
-- operation runs REPS times (default 21) after 3 unmeasured runs, and the
-- median is printed in milliseconds, one "name ms" line each.  The peer is
-- bench/numpy_columns.py with the same operations (bench/run.sh columns).
local custan = require "custan"
local host = require "custan.core.host"

local n = math.tointeger(tonumber(arg[1])) or 1000000
local reps = math.tointeger(tonumber(arg[2])) or 21
-- the values (i mod 1000) / 100; the Lua table they come from is dropped
-- so the collector has no n-entry table to walk while the clock runs
local t = {}
for k = 1, n do t[k] = (k % 1000) / 100 end
local p = custan.column(t, "float64", n)
t = nil
collectgarbage("collect")
local b, c = p:gt(3), p:lt(7)

local ops = {
  {"p + 1", function() return p + 1 end},
  {"p * p", function() return p * p end},
  {"p / 3", function() return p / 3 end},
  {"p > 3", function() return p:gt(3) end},
  {"p == q", function() return p:eq(p) end},
  {"b & c", function() return b & c end},
  {"b | c", function() return b | c end},
  {"sum", function() return p:sum() end},
  {"mean", function() return p:mean() end},
  {"min", function() return p:min() end},
}
for _, op in ipairs(ops) do
  for _ = 1, 3 do op[2]() end
  local times = {}
  for r = 1, reps do
    local t0 = host.now()
    op[2]()
    times[r] = host.now() - t0
  end
  table.sort(times)
  print(string.format("%s %.4f", op[1], times[(reps + 1) // 2] * 1000))
end
