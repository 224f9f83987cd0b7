--- Model selection, written once: the candidate with the best score among
-- those that qualify.  CLV models are chosen by BIC among converged fits,
-- cluster counts by silhouette or BIC, churn models by cross-validated AUC.
-- @module custan.models.select

local M = {}

--- The best candidate.
-- @tparam table candidates array of entries (any tables)
-- @tparam table how `score` (function(entry) -> number or nil; nil leaves
--   the entry out), `higher` (true: the highest score wins; default lowest),
--   `eligible` (optional function(entry) -> boolean: entries that may win;
--   when none is eligible, every scored entry may)
-- @return the best entry, its score, and whether it was eligible (false
--   when the winner came from the fallback); nil when nothing is scored
-- @usage local best = select.best(fits, {score = function(f) return f.bic end,
--   eligible = function(f) return f.converged end})
function M.best(candidates, how)
  local function pick(only_eligible)
    local best, best_score
    for _, c in ipairs(candidates) do
      local s = how.score(c)
      local ok = s ~= nil and s == s and (not only_eligible or not how.eligible or how.eligible(c))
      if ok and (best == nil or (how.higher and s > best_score) or (not how.higher and s < best_score)) then
        best, best_score = c, s
      end
    end
    return best, best_score
  end
  local best, score = pick(true)
  if best then return best, score, true end
  best, score = pick(false)
  return best, score, false
end

--- True when the winning value sits at an edge of the range searched (a
-- k of 2 in 2..8, say): the best may lie outside it.
function M.at_edge(value, lo, hi)
  return lo < hi and (value == lo or value == hi)
end

return M
