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

--- The JSON document of a result: its summary, with the warnings.
function M.json_document(doc)
  local s = doc.summary or {}
  if doc.warnings and #doc.warnings > 0 and s.warnings == nil then s.warnings = doc.warnings end
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
