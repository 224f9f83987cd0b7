--- Reports: a result document rendered to the terminal, to a folder of
-- CSV and JSON files, or to one JSON document on stdout.
--
-- An analysis (custan.analysis.*) returns a document and prints nothing:
--
--   {kind = "rfm",            -- picks the terminal renderer
--    summary = {...},         -- scalars and small tables: summary.json, --json
--    tables = {{"customers.csv", frame}, ...},  -- the CSV files of --output
--    warnings = {"..."}}      -- also in summary.warnings
--
-- Renderers are a registry: `custan.report.<kind>` is loaded on first use,
-- or `M.register(kind, renderer)` adds one (a table with `terminal(doc, w)`).
-- @module custan.report

local json = require "custan.json"
local files = require "custan.report.files"
local terminal = require "custan.report.terminal"

local M = {}

local renderers = {}

--- Adds or replaces the renderer of a document kind.
-- @tparam string kind
-- @tparam table renderer with `terminal(doc, w)` (w: custan.report.terminal writer)
function M.register(kind, renderer)
  if type(renderer) ~= "table" or type(renderer.terminal) ~= "function" then
    error("report.register: a renderer is a table with a terminal(doc, w) function", 2)
  end
  renderers[kind] = renderer
end

local function renderer_of(kind)
  if not renderers[kind] then
    local ok, r = pcall(require, "custan.report." .. kind)
    if not ok then error(string.format("no renderer for result kind '%s'", tostring(kind)), 0) end
    renderers[kind] = r
  end
  return renderers[kind]
end

-- Replaces numbers that are not finite (NaN, infinities) by nothing, and
-- says where: a result never presents a NaN as a number.
local function drop_nonfinite(t, path, found, seen)
  if seen[t] then return end
  seen[t] = true
  for k, v in pairs(t) do
    if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then
      t[k] = nil
      found[#found + 1] = path .. tostring(k)
    elseif type(v) == "table" and getmetatable(v) == nil or type(v) == "table" and
        getmetatable(v).__jsontype then
      drop_nonfinite(v, path .. tostring(k) .. ".", found, seen)
    end
  end
end

--- The JSON document of a result: its summary, with the warnings.
function M.json_document(doc)
  local s = doc.summary or {}
  local found = {}
  drop_nonfinite(s, "", found, {})
  doc.warnings = doc.warnings or {}
  if #found > 0 then
    table.sort(found)
    doc.warnings[#doc.warnings + 1] = "not a number, left out: " .. table.concat(found, ", ")
  end
  if #doc.warnings > 0 then s.warnings = doc.warnings end
  return s
end

--- Renders a document.
-- @tparam table doc a result document
-- @tparam string format "terminal", "json" or "files"
-- @tparam[opt] table options terminal: `out` (a file, default io.stdout);
--   files: `dir` (required), `force`; json: `out`
-- @return for "files", the names written
function M.render(doc, format, options)
  local o = options or {}
  if format == "terminal" then
    local w = terminal.writer(o.out or io.stdout)
    renderer_of(doc.kind).terminal(doc, w)
    for _, warning in ipairs(doc.warnings or {}) do w:line("warning: " .. warning) end
    return w:finish()
  elseif format == "json" then
    return terminal.write_all(o.out or io.stdout, json.encode(M.json_document(doc), {indent = "  "}) .. "\n")
  elseif format == "files" then
    return files.write(o.dir, doc.tables or {}, M.json_document(doc), o)
  end
  error(string.format("report.render: unknown format '%s'", tostring(format)), 2)
end

return M
