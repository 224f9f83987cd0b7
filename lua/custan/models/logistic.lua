--- The "logistic" model kind of custan.ml: regularised logistic regression
-- (custan's C kernel: Newton for L2 and none, proximal Newton for L1).
-- A kind is a table of train, predict, save and load; custan.ml looks it
-- up by name (ml.register adds more).
-- @module custan.models.logistic

local core = require "custan.core.ml"

local M = {name = "logistic"}

--- A missing feature value is an error for this kind (trees take them).
M.needs_complete_rows = true

--- Fits into model m (which holds features, weights' offset, ...).
-- @param m the model being built
-- @tparam table cols feature columns, in m.features' order
-- @tparam column y labels 0/1
-- @tparam column|nil w row weights
-- @tparam table o options: `penalty` ("l2", "l1", "none"), `C`, `standardize`,
--   `max_iter`, `tol`, `threads`
function M.train(m, cols, y, w, o)
  local fit = core.logistic_fit(cols, m.features, y, w, {penalty = o.penalty or "l2", C = o.C or 1,
    standardize = o.standardize ~= false, max_iter = o.max_iter, tol = o.tol,
    threads = o.threads})
  for k, v in pairs(fit) do m[k] = v end
  m.penalty, m.C = o.penalty or "l2", o.C or 1
end

--- P(label = 1) before the class-weight correction.
function M.predict(m, cols)
  return core.logistic_predict(cols, m.features, m.coef, m.intercept)
end

--- What a report says of a trained model: coefficients and fit diagnostics.
function M.describe(m)
  return {coefficients = m:coefficients(), intercept = m.intercept, converged = m.converged,
          iterations = m.iterations}
end

local SAVED = {"coef", "coef_std", "intercept", "intercept_std", "mean", "scale", "penalty", "C",
               "iterations", "converged"}

--- The model's JSON document: custan's own format (info holds the common part).
function M.save(m, info, json)
  for _, k in ipairs(SAVED) do info[k] = m[k] end
  return json.encode(info, {indent = "  "}) .. "\n"
end

--- Whether a decoded JSON document is one of this kind's.
function M.claims(doc)
  return doc.format == "custan-model" and doc.kind == "logistic"
end

--- The model fields from a decoded document; raises naming `where`.
function M.load(doc, _, where)
  local m = {}
  for k, v in pairs(doc) do m[k] = v end
  if type(m.coef) ~= "table" or type(m.features) ~= "table" or #m.coef ~= #m.features
      or type(m.intercept) ~= "number" then
    error(string.format("%s: the logistic model's coefficients do not match its features", where), 0)
  end
  return m
end

return M
