--- Readable terminal output: lines and aligned tables with thousands
-- separators, written so that a failed write (a full disk, a closed pipe)
-- is an error, not a silent empty file.
-- @module custan.report.terminal

local util = require "custan.util"

local M = {}

--- Writes text to a file handle; raises "stdout: cannot write: ..." when
-- the write or the flush fails.
function M.write_all(out, text)
  local ok, err = out:write(text)
  if ok then ok, err = out:flush() end
  if not ok then
    error(string.format("%s: cannot write: %s", out == io.stdout and "stdout" or "output",
      tostring(err)), 0)
  end
  return true
end

--- Formats one value.  `fmt` is "count" (whole number with separators),
-- "money" (two decimals with separators), "pct" (a share as 12.3%),
-- "text", a string.format pattern, or a function(value) -> string.
function M.format(value, fmt)
  if value == nil then return "" end
  if type(fmt) == "function" then return fmt(value) end
  if fmt == "count" then
    return util.commas(math.tointeger(value) or string.format("%.0f", value))
  elseif fmt == "money" then
    return util.commas(string.format("%.2f", value))
  elseif fmt == "pct" then
    return string.format("%.1f%%", 100 * value)
  elseif fmt == nil or fmt == "text" then
    return tostring(value)
  end
  return string.format(fmt, value)
end

local function is_numeric(fmt, value)
  if fmt == "text" then return false end
  return fmt ~= nil or type(value) == "number"
end

--- Lays rows out as an aligned table.
-- @tparam table rows array of row tables
-- @tparam table columns array of {key, title = , fmt = , left = }: numbers
--   right-aligned, text left-aligned
-- @tparam[opt] string indent before each line ("")
-- @return array of lines (a header, then one per row)
function M.table_lines(rows, columns, indent)
  indent = indent or ""
  local cells, width, right = {}, {}, {}
  for j, c in ipairs(columns) do
    local title = c.title or c[1]
    width[j] = #title
    right[j] = not c.left
  end
  for i, row in ipairs(rows) do
    cells[i] = {}
    for j, c in ipairs(columns) do
      local v = row[c[1]]
      local s = M.format(v, c.fmt)
      cells[i][j] = s
      if utf8.len(s) and utf8.len(s) > width[j] then width[j] = utf8.len(s) end
      if i == 1 and not c.left and not is_numeric(c.fmt, v) then right[j] = false end
    end
  end
  local function pad(s, w, r)
    local n = utf8.len(s) or #s
    if n >= w then return s end
    return r and string.rep(" ", w - n) .. s or s .. string.rep(" ", w - n)
  end
  local function line(values)
    local parts = {}
    for j, v in ipairs(values) do parts[j] = pad(v, width[j], right[j]) end
    return ((indent .. table.concat(parts, "  ")):gsub("%s+$", ""))
  end
  local titles, any_title = {}, false
  for j, c in ipairs(columns) do
    titles[j] = c.title or c[1]
    any_title = any_title or titles[j] ~= ""
  end
  local lines = {any_title and line(titles) or nil}
  for i = 1, #rows do lines[#lines + 1] = line(cells[i]) end
  return lines
end

local Writer = {}
Writer.__index = Writer

--- A line of text (string.format arguments allowed).
function Writer:line(fmt, ...)
  local text = select("#", ...) > 0 and string.format(fmt, ...) or (fmt or "")
  self.parts[#self.parts + 1] = text .. "\n"
end

--- A blank line, never two in a row and never first.
function Writer:blank()
  local last = self.parts[#self.parts]
  if last and last ~= "\n" then self.parts[#self.parts + 1] = "\n" end
end

--- An aligned table (see table_lines), under an optional title line.
function Writer:table(rows, columns, title, indent)
  if title then self:line(title) end
  for _, l in ipairs(M.table_lines(rows, columns, indent)) do self:line(l) end
end

--- Writes what was collected; raises when the output cannot take it.
function Writer:finish()
  local text = table.concat(self.parts)
  self.parts = {}
  if text == "" then return true end
  return M.write_all(self.out, text)
end

--- A writer that collects lines and writes them on finish.
function M.writer(out)
  return setmetatable({out = out, parts = {}}, Writer)
end

return M
