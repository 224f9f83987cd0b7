-- bench/rfm_lean.lua FILE OUT.csv: lifetimes' four fields of an Online
-- Retail-shaped file (daily periods, no orders or products read), written
-- as CSV: what the performance issue's lean DuckDB query computes
-- (bench/duckdb_lean.mjs).  Prints: seconds inside the process, customers,
-- peak RSS.
local rfm = require "custan.rfm"
local host = require "custan.core.host"
local util = require "custan.util"

local t0 = host.now()
local customers = rfm.summary_file(arg[1], {order = false, product = false})
customers:select{"customer", "frequency", "recency", "T", "monetary_value"}:write_csv(arg[2])
print(string.format("%.4f %d %d", host.now() - t0, customers:nrows(), util.process_memory().peak))
