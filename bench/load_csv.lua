-- bench/load_csv.lua FILE [THREADS]: one timed load of FILE into a frame.
-- Prints: seconds, rows, frame bytes, RSS before, peak RSS (bytes).
-- Run by bench/run.sh, one process per repetition so the peak is the load's.
local custan = require "custan"
local host = require "custan.core.host"
local util = require "custan.util"

local path, threads = arg[1], tonumber(arg[2] or "0")
local before = util.process_memory().rss
local t0 = host.now()
local t = custan.read_csv(path, {threads = threads})
local seconds = host.now() - t0
print(string.format("%.4f %d %d %d %d", seconds, t:nrows(), t:nbytes(), before,
  util.process_memory().peak))
