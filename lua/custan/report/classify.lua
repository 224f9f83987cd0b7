--- Terminal report of the segment classifier (custan.analysis.classify).
-- @module custan.report.classify

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("segment classifier of '%s': %d classes, %d features, %d customers (%d train, %d test)",
    s.label, #s.classes, #s.features, s.rows, s.split.train, s.split.test)
  w:blank()
  local rows = {}
  for _, kind in ipairs{"xgboost", "forest"} do
    local m = s.models[kind]
    if m then
      rows[#rows + 1] = {model = kind .. (kind == s.best and " (best)" or ""), accuracy = m.accuracy,
        macro_f1 = m.macro_f1, top = m.importance[1] and m.importance[1].feature or ""}
    end
  end
  w:table(rows, {{"model", left = true}, {"accuracy", fmt = "%.3f"}, {"macro_f1", title = "macro F1", fmt = "%.3f"},
    {"top", title = "top feature", left = true}})
  local best = s.models[s.best]
  w:blank()
  w:table(best.per_class, {{"class", left = true}, {"precision", fmt = "%.3f"}, {"recall", fmt = "%.3f"},
    {"f1", title = "F1", fmt = "%.3f"}, {"support", fmt = "count"}}, s.best .. " on the test customers")
  w:blank()
  local cols = {{"actual", left = true}}
  for _, c in ipairs(s.classes) do cols[#cols + 1] = {tostring(c), fmt = "count"} end
  w:table(best.confusion, cols, "confusion matrix (rows: actual, columns: predicted)")
end

return M
