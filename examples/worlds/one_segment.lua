-- One segment whose purchases follow BG/NBD exactly: the world of the
-- recovery tests (tests/cli).  Every customer makes a first purchase in the
-- first 12 weeks, as in the CDNOW cohort, and is followed for 78 weeks;
-- the parameters are Fader, Hardie and Lee's (2005) CDNOW estimates in
-- days (alpha 4.414 weeks = 30.9 days) and the Gamma-Gamma estimates of
-- Fader, Hardie and Lee (2005b) for CDNOW spend.  No seasonality, no
-- experiment: the models' assumptions hold, so a fit should recover these
-- parameters within its standard errors.
return {
  name = "One BG/NBD segment",
  start = "1997-01-01",
  days = 546,
  holdout_days = 273,
  segments = {
    {name = "Everyone", share = 1,
     purchase = {model = "bgnbd", r = 0.243, alpha = 30.9, a = 0.793, b = 2.426},
     spend = {p = 6.25, q = 3.74, gamma = 15.44},
     basket = {lines = 2, quantity = 1},
     signup = {from = 0, to = 84}},
  },
}
