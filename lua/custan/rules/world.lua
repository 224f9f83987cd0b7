-- The default world of generate.lua: a gift shop selling to consumers in
-- Europe and beyond, with four kinds of customer.  Copy this file and edit
-- it to describe your own (custan run generate.lua --world my_world.lua).
--
-- Rates are per day.  A segment's purchases follow BG/NBD (model "bgnbd":
-- purchase rate lambda ~ Gamma(r, alpha), after each repeat purchase the
-- customer leaves with p ~ Beta(a, b)) or Pareto/NBD (model "pareto":
-- lifetime ~ Exponential(mu), mu ~ Gamma(s, beta)); each order's value is
-- Gamma-Gamma (nu ~ Gamma(q, gamma), value ~ Gamma(p, nu); the mean order
-- value of the segment is p gamma / (q - 1)).  Weights by name (countries,
-- categories, ...) are relative; a name left out has weight 1.
-- docs/guide.md ("Generated worlds") describes every field.
return {
  name = "Gift shop",
  start = "2023-01-01",       -- the log's first day (UTC)
  days = 730,                 -- the log's length (--days overrides)
  holdout_days = 180,         -- simulated after the log, for truth.csv only
  layout = "online_retail",   -- or "online_retail_ii"
  cancellation_rate = 0.02,   -- orders cancelled the same day (a C invoice)
  return_rate = 0.01,         -- lines returned 1-30 days later (a C invoice)

  seasonality = {
    weekday = {1.1, 1.1, 1.05, 1.1, 0.95, 0.6, 0.9},  -- Monday first
    month = {0.8, 0.8, 0.9, 0.9, 0.95, 0.9, 0.85, 0.9, 1.1, 1.2, 1.5, 1.3},
  },

  countries = {
    {name = "United Kingdom", region = "Europe"}, {name = "Germany", region = "Europe"},
    {name = "France", region = "Europe"}, {name = "Netherlands", region = "Europe"},
    {name = "EIRE", region = "Europe"}, {name = "Spain", region = "Europe"},
    {name = "USA", region = "Americas"}, {name = "Australia", region = "Oceania"},
  },
  age_bands = {"18-24", "25-34", "35-44", "45-54", "55+"},
  channels = {"search", "social", "email", "referral", "marketplace"},

  catalogue = {
    {category = "Home", products = 400, median_price = 4.5, price_spread = 0.8, popularity = 1.0, margin = 0.45},
    {category = "Kitchen", products = 300, median_price = 5.0, price_spread = 0.7, popularity = 1.0, margin = 0.40},
    {category = "Stationery", products = 250, median_price = 2.0, price_spread = 0.6, popularity = 0.8, margin = 0.55},
    {category = "Toys", products = 200, median_price = 6.0, price_spread = 0.7, popularity = 1.1, margin = 0.35},
    {category = "Garden", products = 150, median_price = 8.0, price_spread = 0.6, popularity = 0.9, margin = 0.40},
    {category = "Seasonal", products = 200, median_price = 3.5, price_spread = 0.7, popularity = 1.2, margin = 0.50},
  },

  segments = {
    {name = "Loyal", share = 0.15,
     purchase = {model = "bgnbd", r = 1.5, alpha = 40, a = 0.4, b = 8},
     spend = {p = 6, q = 4, gamma = 30},            -- mean order value 60
     basket = {lines = 6, quantity = 3},
     web = {views = 6, view_to_cart = 0.45, cart_to_purchase = 0.7},
     categories = {Home = 3, Kitchen = 2, Garden = 2},
     countries = {["United Kingdom"] = 20, Germany = 3},
     age_bands = {["35-44"] = 3, ["45-54"] = 3, ["55+"] = 2},
     channels = {email = 4, referral = 3}},
    {name = "Regular", share = 0.35,
     purchase = {model = "bgnbd", r = 1.0, alpha = 80, a = 0.8, b = 5},
     spend = {p = 5, q = 3, gamma = 20},            -- 50
     basket = {lines = 4, quantity = 2},
     web = {views = 5, view_to_cart = 0.35, cart_to_purchase = 0.55},
     countries = {["United Kingdom"] = 12},
     age_bands = {["25-34"] = 2, ["35-44"] = 2},
     channels = {search = 3, email = 2}},
    {name = "Bargain hunter", share = 0.30,
     purchase = {model = "bgnbd", r = 0.8, alpha = 100, a = 1, b = 3},
     spend = {p = 4, q = 3, gamma = 10},            -- 20
     basket = {lines = 3, quantity = 2},
     web = {views = 8, view_to_cart = 0.25, cart_to_purchase = 0.4},
     categories = {Seasonal = 3, Stationery = 2, Toys = 2},
     countries = {["United Kingdom"] = 8, France = 2, Spain = 2},
     age_bands = {["18-24"] = 3, ["25-34"] = 3},
     channels = {social = 4, marketplace = 4}},
    {name = "One-off", share = 0.20,
     purchase = {model = "bgnbd", r = 0.3, alpha = 150, a = 2, b = 2},
     spend = {p = 3, q = 4, gamma = 30},            -- 30
     basket = {lines = 2, quantity = 1},
     web = {views = 3, view_to_cart = 0.2, cart_to_purchase = 0.35},
     categories = {Seasonal = 4, Toys = 2},
     countries = {["United Kingdom"] = 6, USA = 2, Australia = 2},
     channels = {marketplace = 3, search = 2}},
  },

  -- a test in the log's last 90 days: a random half of the customers who
  -- had signed up by then get an offer that raises their purchase rate 15%
  experiment = {days = 90, share = 0.5, purchase_lift = 0.15},
}
