--- Terminal report of plain lines: {kind = "lines", lines = {...}}.
-- @module custan.report.lines

local M = {}

function M.terminal(doc, w)
  for _, l in ipairs(doc.lines) do w:line(l) end
end

return M
