-- Three planted segments far apart in how often they buy and how much
-- they spend: the world on which segmentation must find what is there
-- (the recovery tests ask for an adjusted Rand index of at least 0.9 with
-- k = 3).  Everyone starts in the first two months and hardly anyone
-- leaves; rates vary little within a segment (large gamma shapes), so a
-- segment's customers look alike and unlike the others'.  Attributes
-- differ by segment too, for the segment classifier (classify.lua).
return {
  name = "Three planted segments",
  start = "2023-01-01",
  days = 730,
  holdout_days = 90,
  countries = {{name = "United Kingdom", region = "Europe"}, {name = "Germany", region = "Europe"},
               {name = "USA", region = "Americas"}},
  age_bands = {"18-34", "35-54", "55+"},
  channels = {"search", "social", "email"},
  catalogue = {
    {category = "Home", products = 200, median_price = 8, price_spread = 0.6, margin = 0.4},
    {category = "Gadgets", products = 100, median_price = 25, price_spread = 0.5, margin = 0.3},
  },
  segments = {
    {name = "Frequent big spenders", share = 0.2,
     purchase = {model = "bgnbd", r = 50, alpha = 500, a = 0.01, b = 100},   -- 0.1 a day
     spend = {p = 20, q = 41, gamma = 600},                                  -- 300 an order
     basket = {lines = 5, quantity = 2},
     countries = {["United Kingdom"] = 3}, age_bands = {["35-54"] = 3}, channels = {email = 3},
     signup = {from = 0, to = 60}},
    {name = "Occasional", share = 0.5,
     purchase = {model = "bgnbd", r = 50, alpha = 2500, a = 0.01, b = 100},  -- 0.02 a day
     spend = {p = 20, q = 41, gamma = 120},                                  -- 60
     basket = {lines = 3, quantity = 1},
     countries = {Germany = 3}, age_bands = {["55+"] = 3}, channels = {search = 3},
     signup = {from = 0, to = 60}},
    {name = "Rare small", share = 0.3,
     purchase = {model = "bgnbd", r = 50, alpha = 16000, a = 0.01, b = 100}, -- 0.003 a day
     spend = {p = 20, q = 41, gamma = 24},                                   -- 12
     basket = {lines = 1, quantity = 1},
     countries = {USA = 3}, age_bands = {["18-34"] = 3}, channels = {social = 3},
     signup = {from = 0, to = 60}},
  },
}
