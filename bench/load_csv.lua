-- bench/load_csv.lua FILE [THREADS]: one timed load of FILE into a frame.
-- Prints: seconds, rows, frame bytes, RSS before, peak RSS (bytes).
-- Run by bench/run.sh, one process per repetition so the peak is the load's.
local custan = require "custan"
local host = require "custan.core.host"

local function status_kb(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s+(%d+) kB")
    if v then return tonumber(v) end
  end
end

local path, threads = arg[1], tonumber(arg[2] or "0")
local before = status_kb("VmRSS")
local t0 = host.now()
local t = custan.read_csv(path, {threads = threads})
local seconds = host.now() - t0
print(string.format("%.4f %d %d %d %d", seconds, t:nrows(), t:nbytes(), before * 1024,
  status_kb("VmHWM") * 1024))
