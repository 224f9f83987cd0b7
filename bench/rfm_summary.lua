-- bench/rfm_summary.lua FILE OUT.csv: the customer summary of an Online
-- Retail-shaped file, written as CSV (what rfm.lua computes before scores
-- and segments).  Prints: seconds inside the process, customers, peak RSS.
local rfm = require "custan.rfm"
local host = require "custan.core.host"
local util = require "custan.util"

local t0 = host.now()
local customers = rfm.summary_file(arg[1], {["end"] = arg[3]})
customers:write_csv(arg[2])
print(string.format("%.4f %d %d", host.now() - t0, customers:nrows(), util.process_memory().peak))
