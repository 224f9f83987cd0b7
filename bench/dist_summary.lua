-- bench/dist_summary.lua 'SHARDS' DIR: the customer summary of a sharded
-- log (run it under mpirun for several ranks).  Each rank keeps and writes
-- its own customers (DIR/customers.part-R.csv and a manifest: memory per
-- rank falls as ranks grow).  Rank 0 prints one line: seconds, customers,
-- rows, then per rank its peak memory (MB) and the bytes it sent and
-- received (MB), comma-separated.
local dist = require "custan.dist"
local host = require "custan.core.host"
local rfm = require "custan.rfm"
local util = require "custan.util"

local t0 = host.now()
local customers, info = rfm.summary_file(arg[1], {gather = "none"})
dist.write_parts(customers, arg[2], "customers")
local seconds = host.now() - t0
local total = dist.sum(customers:nrows())
local all = dist.gather({peak = util.process_memory().peak, moved = dist.bytes_moved()})
if dist.is_root() then
  local peaks, moved = {}, {}
  for i, r in ipairs(all) do
    peaks[i] = string.format("%.0f", r.peak / 1048576)
    moved[i] = string.format("%.0f", r.moved / 1048576)
  end
  print(string.format("%.3f %d %d %s %s", seconds, total, info.read.rows,
    table.concat(peaks, ","), table.concat(moved, ",")))
end
