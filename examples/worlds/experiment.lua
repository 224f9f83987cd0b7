-- One Pareto/NBD segment with a test in the last 90 days: a random half of
-- the customers who had bought by then get an offer that raises their
-- purchase rate 30%.  Pareto/NBD lifetimes do not depend on purchases, so
-- the offer's true effect is exactly 30% more orders from the treated who
-- are still alive.  The parameters are Fader, Hardie and Lee's (2005)
-- Pareto/NBD estimates for CDNOW in days (alpha 10.58 and beta 11.67 weeks)
-- and their Gamma-Gamma spend.  The recovery tests simulate the offer as a
-- policy on the pipeline's CLV baseline as of the test's start and check
-- that the experiment's analysed lift covers it.
return {
  name = "A test on a Pareto/NBD world",
  start = "1997-01-01",
  days = 546,
  holdout_days = 90,
  segments = {
    {name = "Everyone", share = 1,
     purchase = {model = "pareto", r = 0.55, alpha = 74.06, s = 0.61, beta = 81.69},
     spend = {p = 6.25, q = 3.74, gamma = 15.44},
     signup = {from = 0, to = 84}},
  },
  experiment = {start = 456, days = 90, share = 0.5, purchase_lift = 0.3},
}
