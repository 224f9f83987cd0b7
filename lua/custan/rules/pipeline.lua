--- The default pipeline of `custan run pipeline.lua`: from a raw order log
-- to a decision.  Copy this file, edit it and pass it with --pipeline:
--
--   * remove a stage from the list, or name it in `skip`;
--   * replace one: `{name = "segments", run = function(ctx, options) ... end}`;
--   * add one anywhere: a table with a name and `run(ctx, options)` that
--     returns a result document `{summary = {...}, tables = {{"file.csv",
--     frame}}, warnings = {}}` (written to DIR/<name>/) or nil, and may add
--     columns to the customer table with `ctx:add(frame, {"column", ...})`
--     or `ctx.customers.my_column = ...`;
--   * change a stage's options in `options.<stage name>`.
--
-- The file runs in the sandbox policy files run in (`--trust` lifts it).
-- What a stage's context holds is documented in custan.pipeline
-- (lua/custan/pipeline.lua) and docs/guide.md, "The pipeline".
local stages = require "custan.pipeline"

return {
  name = "order log to decision",
  stages = {
    stages.read,        -- read and clean once; data quality; --as-of
    stages.customers,   -- customer summary (lifetimes' fields) and RFM segments
    stages.cohorts,     -- cohorts and the sBG projection, concentration, ABC, countries
    stages.segments,    -- Gaussian mixture on log-scaled RFM (k-means if degenerate)
    stages.clv,         -- purchase model chosen on a holdout, Gamma-Gamma, CLV interval
    stages.churn,       -- trained on the window before --as-of, everyone scored as of it
    stages.recovery,    -- against a generated world's truth (--truth only)
    stages.policies,    -- policy scenarios on the joined customer table
    stages.test_design, -- the test that would prove the best scenario
    stages.funnel,      -- view -> cart -> purchase (event logs only)
  },
  skip = {},
  options = {
    segments = {method = "gmm", k = 4},
    clv = {horizon = 12, draws = 100},   -- months; parameter draws of the CLV interval
    churn = {window = 90},               -- days
    policies = {draws = 10000, parameter_sets = 100},
  },
}
