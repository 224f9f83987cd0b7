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
p:option("-o --output", "The HTML file to write.")
p:option("--pdf", "Print the strategic dashboard and the model diagnostics to this PDF (headless " ..
  "Chromium); with --layout, that page.")
p:option("--png", "Write each chart of the page as a PNG into this folder (headless Chromium).")
p:flag("-q --quiet", "Print nothing but errors.")
p:flag("--trust", "Run the layout file without the sandbox (your own file).")
local args = cli.parse(p, arg)
if args.trust then sandbox.trusted = true end

if not (args.output or args.pdf or args.png) then cli.usage_error("give --output, --pdf or --png") end
local layout = args.layout or "operational"
if not layout:find("[/\\%.]") then layout = cli.try(analysis.layout_file, layout) end
local data = cli.try(analysis.from_folder, args.input)
local page = cli.try(function() return (analysis.build(data, layout)) end)
local say = args.quiet and function() end or function(...) print(string.format(...)) end
if args.output then
  local ok, err = util.write_file_atomic(args.output, page)
  if not ok then cli.fail(err) end
  say("wrote %s (%.1f MB)", args.output, #page / 1e6)
end
if args.pdf or args.png then
  local browser = require "custan.report.browser"
  local _, missing = browser.find()
  if missing then cli.fail(missing) end
  if args.pdf then
    local report = args.layout and page or cli.try(function()
      return (analysis.build(data, analysis.report_layout()))
    end)
    local ok, err = util.write_file_atomic(args.pdf, cli.try(browser.pdf_bytes, report))
    if not ok then cli.fail(err) end
    say("wrote %s", args.pdf)
  end
  if args.png then
    local lfs = require "lfs"
    if lfs.attributes(args.png, "mode") ~= "directory" and not lfs.mkdir(args.png) then
      cli.fail(args.png .. ": cannot make the folder")
    end
    local images = cli.try(browser.png_images, page)
    for _, img in ipairs(images) do
      local ok, err = util.write_file_atomic(args.png .. "/" .. img[1], img[2])
      if not ok then cli.fail(err) end
    end
    say("wrote %d charts as PNG in %s", #images, args.png)
  end
end
