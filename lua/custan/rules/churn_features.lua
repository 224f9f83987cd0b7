--- The churn model's features (custan run churn.lua --features FILE).
--
-- Copy this file, add, drop or change entries, and pass it with --features.
-- Each entry makes one feature (or one per level for a one-hot
-- categorical) from a column of the customer table.  For a transaction log
-- that table is the calibration summary (docs/guide.md lists its columns:
-- recency_days, orders, revenue, mean_order_value, tenure_days, products,
-- cancel_share, ipt_mean_days, ipt_std_days, recent_periods,
-- activity_trend, country, frequency, recency, T, ...); for a ready table,
-- its own columns.
--
-- Fields of an entry:
--   name        the feature's name (required)
--   column      the source column (default: the name)
--   transform   "log1p", "log", "sqrt" or nil
--   clip        {lo, hi}: values outside are moved to the bound first
--   fill        the value of missing rows (default: an error for logistic
--               regression; XGBoost takes missing values as they are)
--   value       function(customers) returning a column, instead of column
--   categorical true for a text column; then
--     encoding  "onehot" (one 0/1 feature per level, named name=level) or
--               "frequency" (the level's share of the training rows)
--     levels    the one-hot levels; default the `top` most frequent
--     top       how many levels when not listed (10)
--   optional    true: leave the feature out when its column is missing (a
--               log with no product or country column); the model then
--               learns and keeps the others
--   clv         "p_alive" or "expected_purchases": from a BG/NBD model fitted
--               on the training customers (frequency, recency, T in days);
--               expected purchases are over the label window
-- Fitted parts (levels, frequencies, the BG/NBD parameters) are learned on
-- the training rows and saved with the model.

return {
  {name = "recency", column = "recency_days"},
  {name = "frequency", column = "orders", transform = "log1p"},
  {name = "monetary", column = "revenue", clip = {0, math.huge}, transform = "log1p"},
  {name = "mean_order_value", clip = {0, math.huge}, transform = "log1p"},
  {name = "tenure", column = "tenure_days"},
  {name = "products", transform = "log1p", optional = true},
  {name = "cancel_share", fill = 0},
  {name = "ipt_mean", column = "ipt_mean_days", fill = 0},
  {name = "ipt_std", column = "ipt_std_days", fill = 0},
  {name = "recent_periods", transform = "log1p"},
  {name = "activity_trend"},
  {name = "country", categorical = true, encoding = "onehot", levels = {"United Kingdom"},
   optional = true},
  {name = "p_alive", clv = "p_alive"},
  {name = "expected_purchases", clv = "expected_purchases", transform = "log1p"},
}
