--- Distributions and seeded draws (GSL generators; see docs/models.md).
--
--   local sim = require "custan.sim"
--   local uptake = sim.beta(30, 70)          -- an assumption: about 30%
--   local x = sim.draw(uptake, 10000, 1)     -- a float64 column, seeded
--   print(sim.mean(uptake), sim.quantile(uptake, 0.95))
--
-- Draws come in blocks of 16,384, each from its own stream of the seed, so
-- a column is the same with any number of threads.
-- @module custan.sim

local core = require "custan.core.sim"

local M = {}

local Dist = {}
Dist.__index = Dist
M.Dist = Dist

local function dist(kind, t)
  t.kind = kind
  return setmetatable(t, Dist)
end

--- A fixed value (an assumption without uncertainty).
function M.constant(v) return dist("constant", {a = v}) end
--- Uniform on [lo, hi).
function M.uniform(lo, hi) return dist("uniform", {a = lo, b = hi}) end
--- Normal with mean and standard deviation.
function M.normal(mean, sd) return dist("normal", {a = mean, b = sd}) end
--- Lognormal: exp of a normal with meanlog and sdlog.
function M.lognormal(meanlog, sdlog) return dist("lognormal", {a = meanlog, b = sdlog}) end
--- Beta(alpha, beta), e.g. beta(successes + 1, failures + 1).
function M.beta(alpha, beta) return dist("beta", {a = alpha, b = beta}) end
--- Gamma with shape and scale (mean shape x scale).
function M.gamma(shape, scale) return dist("gamma", {a = shape, b = scale}) end
--- Poisson with a mean.
function M.poisson(mean) return dist("poisson", {a = mean}) end
--- Binomial: successes in n trials of probability p.
function M.binomial(n, p) return dist("binomial", {a = n, b = p}) end
--- Negative binomial: failures before the r-th success of probability p.
function M.negbin(r, p) return dist("negbin", {a = r, b = p}) end
--- Triangular on [lo, hi] with a mode.
function M.triangular(lo, mode, hi) return dist("triangular", {a = lo, b = mode, c = hi}) end
--- Normal(mean, sd) truncated to [lo, hi].
function M.truncnormal(mean, sd, lo, hi)
  return dist("truncnormal", {a = mean, b = sd, c = lo, d = hi})
end
--- Values with weights (weights optional: equal).
function M.discrete(values, weights)
  return dist("discrete", {values = values, weights = weights})
end
--- The empirical distribution of observed values (a Lua array or a column).
function M.empirical(values)
  if type(values) ~= "table" then values = values:to_table() end
  local clean = {}
  for _, v in ipairs(values) do if v == v then clean[#clean + 1] = v end end
  return dist("discrete", {values = clean})
end

--- True for a distribution made here.
function M.is_dist(v) return getmetatable(v) == Dist end

--- A distribution from a number (a constant) or a distribution.
function M.as_dist(v)
  if type(v) == "number" then return M.constant(v) end
  if M.is_dist(v) then return v end
  return nil
end

--- n seeded draws as a float64 column; `stream` tells apart draws of one
-- seed (each assumption of a scenario has its own).
function M.draw(d, n, seed, stream)
  return core.draw(d, n, seed or 1, stream or 0)
end

function M.mean(d) return (core.describe(d)) end
function M.variance(d) return select(2, core.describe(d)) end
--- The q-quantile.
function M.quantile(d, q)
  local _, _, qs = core.describe(d, q)
  return qs[1]
end

--- A short text: "beta(30, 70)".
function Dist:__tostring()
  if self.kind == "discrete" then return string.format("discrete(%d values)", #self.values) end
  local args = {}
  for _, k in ipairs{"a", "b", "c", "d"} do
    if self[k] ~= nil then args[#args + 1] = string.format("%.6g", self[k]) end
  end
  return self.kind .. "(" .. table.concat(args, ", ") .. ")"
end

--- Checks the parameters; nil and a message when they are impossible.
function M.check(d)
  local ok, err = pcall(core.describe, d)
  if ok then return true end
  return nil, tostring(err)
end

return M
