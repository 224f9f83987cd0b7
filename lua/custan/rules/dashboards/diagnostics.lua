--- The model diagnostics page: the purchase model as lifetimes and
-- CLVTools users check it.  A layout like the operational one (see its
-- comments); the sections here are the diagnostics' own.
--   {matrix = "expected" | "p_alive"}   frequency/recency matrices at the largest T
--   charts on period_transactions, holdout_by_frequency and tracking data
return {
  title = "Purchase model diagnostics",
  subtitle = "model fit",
  segment_filter = false,
  sections = {
    {matrix = "expected", note = "the purchases expected in the next month of a customer first " ..
      "seen T ago, with that many repeat purchases, the last one at that recency"},
    {matrix = "p_alive", note = "the probability that such a customer is still a customer"},
    {grid = {
      {chart = "period_transactions", data = "period_transactions",
       title = "Customers by number of repeat purchases: actual and simulated from the model"},
      {chart = "holdout_by_frequency", data = "holdout_by_frequency",
       title = "Calibration against holdout: mean holdout purchases by calibration frequency",
       note = "the model fitted on the log up to the holdout"},
    }},
    {chart = "tracking_weekly", data = "tracking", title = "Repeat transactions per week: actual and model",
     note = "the model fitted up to the holdout, tracked through it"},
    {chart = "tracking_cumulative", data = "tracking", title = "Cumulative repeat transactions"},
  },
}
