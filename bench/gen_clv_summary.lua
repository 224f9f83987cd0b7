-- bench/gen_clv_summary.lua N OUT.csv: a customer summary of N customers
-- (customer, frequency, recency, T in weeks, monetary_value) simulated at
-- CDNOW's published BG/NBD and Gamma-Gamma estimates, as
-- bench/clv_interval_bench.lua draws them; for timing clv.lua --summary.
local custan = require "custan"
local clv = require "custan.clv"
local n, out = tonumber(arg[1]), arg[2]
local ages = {}
for i = 1, n do ages[i] = 27 + (i % 13) end
local s = clv.simulate("bgnbd", {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426},
  custan.column(ages, "float64"), {seed = 1, resolution = 1 / 7})
math.randomseed(7)
local function gamma(shape) -- Marsaglia and Tsang
  if shape < 1 then return gamma(shape + 1) * math.random() ^ (1 / shape) end
  local d = shape - 1 / 3
  local c = 1 / math.sqrt(9 * d)
  while true do
    local u1, u2 = 1 - math.random(), math.random()
    local z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
    local v = (1 + c * z) ^ 3
    if v > 0 and math.log(1 - math.random()) < 0.5 * z * z + d - d * v + d * math.log(v) then return d * v end
  end
end
local x, m, ids = s.frequency:to_table(), {}, {}
for i = 1, n do
  local nu = gamma(3.74) / 15.44
  m[i] = x[i] > 0 and math.floor(gamma(6.25 * x[i]) / (nu * x[i]) * 100 + 0.5) / 100 or 0
  ids[i] = i
end
s.monetary_value = custan.column(m, "float64", n)
s.customer = custan.column(ids, "int64", n)
s:select{"customer", "frequency", "recency", "T", "monetary_value"}:write_csv(out)
