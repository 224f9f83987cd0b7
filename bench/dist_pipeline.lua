-- bench/dist_pipeline.lua 'SHARDS' DIR: the whole pipeline (pipeline.lua's
-- analysis and its files) on a sharded log; run it under mpirun for
-- several ranks.  Rank 0 prints one line: seconds, customers, then per
-- rank its peak memory (MB) and the bytes it sent and received (MB),
-- comma-separated, then the seconds of each stage.
local analysis = require "custan.analysis.pipeline"
local dist = require "custan.dist"
local host = require "custan.core.host"
local report = require "custan.report"
local util = require "custan.util"

local t0 = host.now()
local doc = analysis.run(arg[1], {quiet = true})
report.render(doc, "files", {dir = arg[2], force = true, extra = doc.extra})
local seconds = host.now() - t0
local all = dist.gather({peak = util.process_memory().peak, moved = dist.bytes_moved()})
if dist.is_root() then
  local peaks, moved, stages = {}, {}, {}
  for i, r in ipairs(all) do
    peaks[i] = string.format("%.0f", r.peak / 1048576)
    moved[i] = string.format("%.0f", r.moved / 1048576)
  end
  for _, s in ipairs(doc.summary.stages) do
    if s.seconds then stages[#stages + 1] = string.format("%s=%.1f", s.stage, s.seconds) end
  end
  print(string.format("%.3f %d %s %s %s", seconds, doc.customers:nrows(), table.concat(peaks, ","),
    table.concat(moved, ","), table.concat(stages, ",")))
end
