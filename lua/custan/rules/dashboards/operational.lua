--- The operational dashboard (the CRM team, every week).  Copy this file,
-- edit it and pass it with --layout: reorder, drop or add sections.
--
-- A section is one of
--   {kpis = {"revenue", ...}}                       KPI tiles (custan.analysis.dashboard.kpis)
--   {chart = "weekly_revenue", data = "weekly"}    a chart (custan.report.charts) on a data
--                                                    source: weekly, segments, tiers, funnel
--   {table = "contact_list", rows = 100}           a table (custan.analysis.dashboard.tables)
--   {grid = {section, section, ...}}               sections side by side
--   {text = "...", title = "..."}                  a note
-- with optional `title`, `note` and `height` (pixels, charts).  Charts on
-- weekly or tier data and tables tagged by segment follow the segment
-- filter at the top of the page (`segment_filter = false` removes it).
-- The file runs in the sandbox policy files run in.
return {
  title = "Customers this week",
  subtitle = "operational",
  sections = {
    {kpis = {"active_customers", "revenue", "orders", "average_order_value", "churn_rate",
             "customers_at_risk", "value_at_stake"}},
    {chart = "weekly_revenue", data = "weekly", title = "Revenue and orders by week",
     note = "weeks end on the as-of day; the filter shows one segment's"},
    {grid = {
      {chart = "new_vs_returning", data = "weekly", title = "New and returning customers"},
      {chart = "risk_tiers", data = "tiers", title = "Churn risk tiers"},
    }},
    {grid = {
      {chart = "segment_sizes", data = "segments", title = "Customers per segment", by_segment = false},
      {chart = "segment_revenue", data = "segments", title = "Revenue per segment", by_segment = false},
    }},
    {chart = "funnel", data = "funnel", title = "Funnel (event logs)"},
    {table = "contact_list", rows = 100, title = "Contact list: customers at high risk, by value at stake",
     note = "CLV over the next 12 months; value at stake = churn probability x CLV"},
    {table = "segments", title = "Segments"},
  },
}
