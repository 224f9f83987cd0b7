-- The win-back coupon again, with its uptake taken from last quarter's
-- test instead of a guess.  winback_test.json is what
--   custan run experiment.lua analyze --input examples/data/winback_test.csv \
--       --group arm --outcome redeemed --output DIR
-- wrote (DIR/summary.json, copied here).  The uptake becomes the treatment
-- arm's Beta posterior of the redemption rate (289 of 1,200 redeemed);
-- everything else is winback_at_risk.lua's, read from beside this file.
local sim = require "custan.sim"
local experiment = require "custan.experiment"

local here = ... -- this file's folder
local test = experiment.load_result(here .. "/winback_test.json")
local post = test.bayes.posterior[test.treatment]

local policy = dofile(here .. "/winback_at_risk.lua")
policy.name = "Win-back coupon (from the test)"
policy.description = "As winback_at_risk.lua, with the uptake measured in a test"
policy.assumptions.uptake = sim.beta(post.alpha, post.beta)
return policy
