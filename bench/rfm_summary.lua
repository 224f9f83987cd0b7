-- bench/rfm_summary.lua FILE OUT.csv: the customer summary of an Online
-- Retail-shaped file, written as CSV (what rfm.lua computes before scores
-- and segments).  Prints: seconds inside the process, customers, peak RSS.
local rfm = require "custan.rfm"
local host = require "custan.core.host"

local function status_kb(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s+(%d+) kB")
    if v then return tonumber(v) end
  end
end

local t0 = host.now()
local customers = rfm.summary_file(arg[1], {["end"] = arg[3]})
customers:write_csv(arg[2])
print(string.format("%.4f %d %d", host.now() - t0, customers:nrows(), status_kb("VmHWM") * 1024))
