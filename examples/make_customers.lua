-- examples/make_customers.lua: builds examples/data/customers.csv.gz, the
-- customer table the example policies (examples/policies/) run on.
--
--   build/custan run examples/make_customers.lua [OUT.csv]
--
-- From the bundled Online Retail log, as of its last day (2011-12-09): one
-- row per customer with its RFM segment (rfm.lua's rules), recency_days,
-- orders, revenue (custan's column names, docs/models.md), mean order
-- value, orders per 90 days of its life so far, country, and the
-- probability of buying nothing in the next
-- 90 days from a logistic churn model trained as churn.lua does (cut-off
-- 2011-09-09, a 91-day window, the default features).
local custan = require "custan"
local transactions = require "custan.data.transactions"
local rfm = require "custan.rfm"
local churn = require "custan.churn"
local ml = require "custan.ml"

local here = debug.getinfo(1, "S").source:match("^@(.*)[/\\][^/\\]*$") or "."
local out = arg[1] or (here .. "/data/customers.csv")
local tx = transactions.read(here .. "/data/online_retail.csv.gz")

-- the churn model, trained on the labelled past
local past = churn.customers(tx, {cutoff = "2011-09-09", window = 91})
local definition = churn.load_features()
local X, names, state = churn.build(past, definition, nil, {window = 91})
local model = ml.train("logistic", X, names, past:col("churned"):cast("float64"), {seed = 1})

-- everyone as of the end of the log
local now = churn.customers(tx, {})
rfm.score(now, {recency = "recency_days", frequency = "orders", monetary = "revenue"})
rfm.segment(now)
local Xnow = churn.build(now, definition, state, {window = 91})
local t = custan.frame({
  customer = now:col("customer"), segment = now:col("segment"),
  recency_days = now:col("recency_days"), orders = now:col("orders"), revenue = now:col("revenue"),
  mean_order_value = now:col("mean_order_value"),
  orders_90d = (now:col("orders"):cast("float64") / (now:col("tenure_days"):cast("float64")):clip(90, math.huge)) * 90,
  country = now:col("country"),
  churn_probability = model:predict(Xnow),
}, {"customer", "segment", "recency_days", "orders", "revenue", "mean_order_value", "orders_90d",
    "country", "churn_probability"})
t:write_csv(out)
print(string.format("wrote %d customers to %s", t:nrows(), out))
