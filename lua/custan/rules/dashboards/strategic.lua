--- The strategic dashboard (management, every quarter).  A layout like
-- the operational one (see its comments for the section kinds); its data
-- are the pipeline's clv, cohorts, segments, policies and churn stages.
return {
  title = "Customer value and strategy",
  subtitle = "strategic",
  segment_filter = false,
  sections = {
    {kpis = {"expected_value", "customers", "top_share", "churn_rate", "value_at_stake"}},
    {chart = "clv_by_segment", data = "clv_segments", title = "CLV by segment",
     note = "mean CLV over the next 12 months, and the mean of the customers' 90% ranges from the " ..
       "models' parameter uncertainty"},
    {matrix = "cohorts", title = "Cohort retention: share of each month's new customers buying again",
     note = "rows: the month of the first purchase; columns: months since"},
    {grid = {
      {chart = "survival_projection", data = "retention_projection", title = "Cohort survival and the sBG projection",
       note = "a customer counts as kept until the month they last bought (3 months' grace)"},
      {chart = "lorenz", data = "lorenz", title = "Revenue concentration"},
    }},
    {grid = {
      {table = "abc", title = "ABC products", note = "A: the products making 80% of revenue; B: the next 15%; C: the rest"},
      {chart = "countries", data = "countries", title = "Countries"},
    }},
    {chart = "segment_map", data = "segment_map", title = "Segment map", height = 420,
     note = "the customers on the first two principal components of log-scaled recency, orders " ..
       "and revenue, coloured by cluster"},
    -- t-SNE instead of (or beside) PCA: data = "segment_map_tsne" (1,000 customers at most;
    -- about 1.5 s more to build the page)
    -- {chart = "segment_map", data = "segment_map_tsne", title = "Segment map (t-SNE)", height = 420},
    {table = "policies", title = "Policy scenarios side by side"},
    {grid = {
      {chart = "net_distributions", data = "net_distributions", title = "Net value over the draws"},
      {chart = "tornado", data = "sensitivity", title = "Sensitivity: the assumptions that matter most"},
    }},
    {chart = "targeting", data = "targeting", title = "Targeting curves",
     note = "the expected net value of contacting each rule's best customers first"},
    {grid = {
      {chart = "roc", data = "roc", title = "Churn model: ROC on the test split"},
      {chart = "gain", data = "gain", title = "Churn model: cumulative gain"},
    }},
    {grid = {
      {chart = "calibration", data = "calibration", title = "Churn model: calibration"},
      {chart = "importance", data = "importance", title = "Churn model: feature importance"},
    }},
  },
}
