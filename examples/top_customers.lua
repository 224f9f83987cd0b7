-- examples/top_customers.lua: the README's example script.
--   custan run examples/top_customers.lua examples/data/online_retail.csv.gz
local custan = require "custan"

local tx = custan.read_csv(arg[1] or "examples/data/online_retail.csv.gz")
tx.Revenue = tx.Quantity * tx.UnitPrice             -- vectorised, in C
local sales = tx:filter(~tx.InvoiceNo:startswith("C") & tx.Quantity:gt(0)
                        & ~tx.CustomerID:is_missing())
local by_customer = sales:group_by("CustomerID"):agg{
  {"Revenue", "sum", as = "revenue"},
  {"InvoiceNo", "n_unique", as = "orders"},
  {"InvoiceDate", "max", as = "last_purchase"},
}
print(by_customer:sort("revenue", {desc = true}):head(10))
if arg[2] then by_customer:write_csv(arg[2]) end  -- whole or not at all
