--- The pipeline: one run from a raw log to a decision.  Stages come from a
-- pipeline file (lua/custan/rules/pipeline.lua by default; users copy and
-- edit it), run in the sandbox policy files run in; each returns a result
-- document written to its own folder, and they share one customer table
-- (customers.csv) and end in insights.json.
-- @module custan.analysis.pipeline

local dist = require "custan.dist"
local host = require "custan.core.host"
local join = require "custan.join"
local json = require "custan.json"
local sandbox = require "custan.sandbox"
local transactions = require "custan.data.transactions"
local insights = require "custan.analysis.insights"
local report = require "custan.report"

local M = {}

-- ---------------------------------------------------------------- loading --

--- The default pipeline file's path.
function M.default_file()
  return assert(package.searchpath("custan.rules.pipeline", package.path),
    "the default pipeline (custan/rules/pipeline.lua) is not on the module path")
end

local function fail(where, message) error(where .. ": " .. message, 0) end

--- Loads and checks a pipeline file; errors name the file and the stage.
-- @return {name, stages = {stage...}, skip = {name = true}, options = {}, after = {fn...}}
function M.load(path)
  path = path or M.default_file()
  local where = "pipeline " .. path
  local p = sandbox.run_file(path, "pipeline")
  if type(p) ~= "table" then fail(where, "must return a table") end
  if type(p.stages) ~= "table" or #p.stages == 0 then fail(where, "stages: give a list of stages") end
  local seen, stages = {}, {}
  for i, st in ipairs(p.stages) do
    local at = string.format("stages[%d]", i)
    if type(st) ~= "table" then fail(where, at .. ": a stage is a table {name = ..., run = function(ctx, options) ... end}") end
    if type(st.name) ~= "string" or not st.name:match("^[%a_][%w_]*$") then
      fail(where, at .. ": name must be a word (letters, digits, _)")
    end
    if seen[st.name] then fail(where, at .. ": two stages are named '" .. st.name .. "'") end
    if type(st.run) ~= "function" then fail(where, at .. " (" .. st.name .. "): run must be a function") end
    seen[st.name] = true
    stages[i] = {name = st.name, title = st.title or st.name, run = st.run}
  end
  local skip = {}
  for _, name in ipairs(p.skip or {}) do
    if not seen[name] then fail(where, "skip: no stage named '" .. tostring(name) .. "'") end
    skip[name] = true
  end
  if p.options ~= nil and type(p.options) ~= "table" then fail(where, "options must be a table") end
  for name in pairs(p.options or {}) do
    if not seen[name] then fail(where, "options." .. tostring(name) .. ": no stage of that name") end
  end
  return {name = p.name or path, path = path, stages = stages, skip = skip, options = p.options or {},
          after = p.after or {}}
end

-- ---------------------------------------------------------------- context --

local Ctx = {}
Ctx.__index = Ctx

--- A line of progress on stderr: elapsed seconds and the message (plain
-- lines, also when stderr is not a terminal); nothing when quiet.
function Ctx:progress(fmt, ...)
  if self.quiet or dist.rank() ~= 0 then return end -- under mpirun, rank 0 speaks for all
  local ok, msg = pcall(string.format, fmt, ...)
  io.stderr:write(string.format("[%6.1f s] %s\n", host.now() - self.started, ok and msg or fmt))
  io.stderr:flush()
end

--- Adds columns of `frame` (one row per customer, a `customer` column) to
-- the customer table by a left join on customer; a column it has already
-- is replaced.  Customers the frame lacks get missing values.
function Ctx:add(frame, columns)
  local c = self.customers
  if not c then error("ctx:add: no customer table yet (the customers stage makes it)", 2) end
  local right = frame:select{"customer", table.unpack(columns)}
  right.customer = join.align(right:col("customer"), c:col("customer"))
  local keep = c
  local drop = {}
  for _, name in ipairs(columns) do
    if c:has(name) then drop[#drop + 1] = name end
  end
  if #drop > 0 then keep = c:drop(table.unpack(drop)) end
  local joined = keep:join(right, "customer", {how = "left"})
  if joined:nrows() ~= c:nrows() then
    error(string.format("ctx:add: the frame has %d rows for some customer (ids must be unique)",
      joined:nrows() - c:nrows() + 1), 2)
  end
  self.customers = joined
end

--- The whole log up to as_of, with ctx.tx's columns.  In one process
-- that is ctx.tx.  Under mpirun ctx.tx holds only this rank's customers'
-- rows (`ctx.partitioned`); this gathers every rank's share, in the log's
-- order, on every rank, for stages that need every customer's rows at
-- once (cohorts, the funnel).  Nothing keeps it but the caller.
function Ctx:log()
  if not self.partitioned then return self.tx end
  return dist.allgather_frame(self.tx):sort("_row"):drop("_row")
end

--- A pipeline context (what stages get as `ctx`), with `fields` in it.
function M.context(fields)
  return setmetatable(fields or {}, Ctx)
end

-- ------------------------------------------------------------------- run --

local function flatten(stage, doc, tables, extra)
  for _, t in ipairs(doc.tables or {}) do
    if t[2] then tables[#tables + 1] = {stage .. "/" .. t[1], t[2]} end
  end
  local summary = report.json_document(doc)
  extra[#extra + 1] = {stage .. "/summary.json", json.encode(summary, {indent = "  "}) .. "\n"}
end

--- Runs a pipeline.
-- @tparam string input the log (CSV or .csv.gz)
-- @tparam[opt] table options the reader's roles, `pipeline` (a file),
--   `as_of`, `holdout_start`, `policies` (paths), `seed`, `draws`, `quiet`
-- @return result document {kind = "pipeline", summary, tables, extra, customers, insights}
function M.run(input, options)
  local o = transactions.options(options)
  local p = M.load(o.pipeline)
  local ctx = M.context({input = input, options = o, results = {}, order = {}, warnings = {},
    quiet = o.quiet, started = host.now(), pipeline = p})
  local timings = {}
  local n = #p.stages
  for i, st in ipairs(p.stages) do
    if p.skip[st.name] then
      timings[#timings + 1] = {stage = st.name, title = st.title, skipped = true}
    else
      local t0 = host.now()
      local ok, doc = pcall(st.run, ctx, p.options[st.name] or {})
      if not ok then error(string.format("stage %s: %s", st.name, tostring(doc)), 0) end
      local seconds = host.now() - t0
      if doc ~= nil then
        if type(doc) ~= "table" or type(doc.summary) ~= "table" then
          error(string.format("stage %s: run must return a result document {kind, summary, " ..
            "tables, warnings} or nil", st.name), 0)
        end
        doc.kind = doc.kind or st.name
        doc.warnings = doc.warnings or {}
        ctx.results[st.name] = doc
        ctx.order[#ctx.order + 1] = st.name
      end
      timings[#timings + 1] = {stage = st.name, title = st.title, seconds = seconds,
                               ran = doc ~= nil}
      ctx:progress("[%d/%d] %s: %s in %.1f s", i, n, st.name, doc and "done" or "nothing to do", seconds)
    end
  end
  if not ctx.customers then error("the pipeline made no customer table (is the customers stage there?)", 0) end
  local ins = insights.build(ctx, p.options.insights)
  for _, fn in ipairs(p.after) do fn(ctx, ins) end -- hooks (the dashboards issue adds one)

  local tables, extra = {{"customers.csv", ctx.customers}}, {}
  for _, name in ipairs(ctx.order) do flatten(name, ctx.results[name], tables, extra) end
  extra[#extra + 1] = {"insights.json", json.encode(ins, {indent = "  "}) .. "\n"}
  local summary = {input = input, as_of = ctx.as_of, pipeline = p.path, stages = timings,
    customers = ctx.customers:nrows(), columns = ctx.customers:names(),
    seconds = host.now() - ctx.started}
  return {kind = "pipeline", summary = summary, warnings = ins.warnings, tables = tables,
          extra = extra, customers = ctx.customers, insights = ins, results = ctx.results,
          order = ctx.order, ctx = ctx}
end

return M
