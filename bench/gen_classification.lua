-- bench/gen_classification.lua N D FILE: a seeded binary classification
-- table for the churn benchmarks: D uniform features x1..xD in [-0.5, 0.5)
-- and a label y with P(y = 1) = logistic(sum_j b_j x_j), b_j = 3 (-1)^j / j.
-- Uniforms come from custan.core.ml.permutation (a shuffle of 1..N divided
-- by N), so the file is the same on every run and machine.
local custan = require "custan"
local core = require "custan.core.ml"

local n, d, path = tonumber(arg[1]), tonumber(arg[2]), arg[3]
assert(n and d and path, "usage: gen_classification.lua N D FILE")
local cols, names, z = {}, {}, nil
for j = 1, d do
  local x = core.permutation(n, 17, j):cast("float64") / n - 0.5
  local name = "x" .. j
  cols[name], names[j] = x, name
  local term = x * (3 * (-1) ^ j / j)
  z = z and (z + term) or term
end
local u = core.permutation(n, 17, d + 1):cast("float64") / n
local p = (-z):exp() + 1
cols.y = u:lt(p ^ -1):cast("float64")
names[#names + 1] = "y"
custan.frame(cols, names):write_csv(path)
