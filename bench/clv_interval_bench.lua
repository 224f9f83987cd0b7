-- bench/clv_interval_bench.lua [N] [DRAWS] [REPS]: the CLV interval (issue 14).
-- N customers (1,000,000) simulated with the BG/NBD sampler at CDNOW's
-- published estimates (first purchases over 13 weeks, times to the day, as
-- bench/clv_bench.lua), mean repeat spend drawn from the Gamma-Gamma model
-- at the published CDNOW estimates (p 6.25, q 3.74, gamma 15.44: Fader,
-- Hardie & Lee 2005, "RFM and CLV"), both models fitted, then
-- clv.clv_interval: a 12-month horizon, DRAWS (200) parameter draws.
-- Prints "N draws simulate_s fit_s interval_s(median) distinct_rows".
local custan = require "custan"
local clv = require "custan.clv"
local host = require "custan.core.host"

local n, draws, reps = tonumber(arg[1] or "1000000"), tonumber(arg[2] or "200"), tonumber(arg[3] or "3")
local t0 = host.now()
local ages = {}
for i = 1, n do ages[i] = 27 + (i % 13) end
local s = clv.simulate("bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426},
  custan.column(ages, "float64"), {seed = 1, resolution = 1 / 7})

-- Gamma(shape, 1) by Marsaglia and Tsang, from Lua's seeded generator
math.randomseed(7)
local function normal()
  local u1, u2 = 1 - math.random(), math.random()
  return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
end
local function gamma(shape)
  if shape < 1 then return gamma(shape + 1) * math.random() ^ (1 / shape) end
  local d = shape - 1 / 3
  local c = 1 / math.sqrt(9 * d)
  while true do
    local z = normal()
    local v = (1 + c * z) ^ 3
    if v > 0 and math.log(1 - math.random()) < 0.5 * z * z + d - d * v + d * math.log(v) then
      return d * v
    end
  end
end
local p, q, g = 6.25, 3.74, 15.44
local x = s.frequency:to_table()
local m = {}
for i = 1, n do
  local nu = gamma(q) / g
  m[i] = x[i] > 0 and gamma(p * x[i]) / (nu * x[i]) or 0
end
s.monetary_value = custan.column(m, "float64", n)
local t1 = host.now()
local tx = clv.fit(s, {model = "bgnbd"})
local spend = clv.fit_spend(s)
local t2 = host.now()
local times = {}
local low
for r = 1, reps do
  collectgarbage()
  local a = host.now()
  local _, lo = clv.clv_interval(tx, spend, s, {draws = draws, seed = 1, horizon = 12, unit = "week"})
  times[r] = host.now() - a
  low = lo
end
table.sort(times)
print(string.format("%d %d %.2f %.2f %.3f %d %.4f", n, draws, t1 - t0, t2 - t1, times[(reps + 1) // 2],
  tx.distinct_rows or -1, low:mean()))
