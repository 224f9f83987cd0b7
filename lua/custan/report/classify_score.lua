--- Terminal report of classifier scores (custan.analysis.classify.score).
-- @module custan.report.classify_score

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("%d customers scored with %s", s.customers, s.model)
  local rows = {}
  for _, c in ipairs(s.classes) do rows[#rows + 1] = {segment = tostring(c), customers = s.predicted[tostring(c)] or 0} end
  w:table(rows, {{"segment", left = true}, {"customers", fmt = "count"}}, "predicted segments")
end

return M
