--- dashboard.lua: a dashboard page from a pipeline run's output folder.
--
--   custan run dashboard.lua --input out/ --output operational.html
--   custan run dashboard.lua --input out/ --layout my_layout.lua --output mine.html
--
-- The page is one self-contained HTML file (data, chart configurations and
-- Chart.js inline) that opens offline in any browser.  The layout is a Lua
-- file (lua/custan/rules/dashboards/operational.lua is the default) that
-- users copy and edit.  The work is custan.analysis.dashboard.

local analysis = require "custan.analysis.dashboard"
local cli = require "custan.cli"
local sandbox = require "custan.sandbox"
local util = require "custan.util"

local p = cli.parser("dashboard.lua",
  "A dashboard page (self-contained HTML with Chart.js charts, KPI tiles, a segment filter and " ..
  "sortable, searchable tables) from the --output folder of pipeline.lua.",
  "Examples:\n" ..
  "  custan run dashboard.lua --input out/ --output operational.html\n" ..
  "  custan run dashboard.lua --input out/ --layout my_layout.lua --output mine.html")
p:option("-i --input", "The --output folder of a pipeline.lua run."):count(1)
p:option("--layout", "A layout file (Lua), or the name of one of the library's: operational " ..
  "(the default) or diagnostics.")
p:option("-o --output", "The HTML file to write."):count(1)
p:flag("-q --quiet", "Print nothing but errors.")
p:flag("--trust", "Run the layout file without the sandbox (your own file).")
local args = cli.parse(p, arg)
if args.trust then sandbox.trusted = true end

local layout = args.layout or "operational"
if not layout:find("[/\\%.]") then layout = cli.try(analysis.layout_file, layout) end
local page = cli.try(function()
  local data = analysis.from_folder(args.input)
  return (analysis.build(data, layout))
end)
local ok, err = util.write_file_atomic(args.output, page)
if not ok then cli.fail(err) end
if not args.quiet then
  print(string.format("wrote %s (%.1f MB)", args.output, #page / 1e6))
end
