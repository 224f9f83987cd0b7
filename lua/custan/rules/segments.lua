--- The widely used RFM segment map, as an R x FM grid.
-- R, F and M are quantile scores 1..5 (5 = most recent, most orders, most
-- revenue); FM is the mean of F and M rounded half up.  The grid, with R
-- down and FM across:
--
--        FM=1            2                   3                   4                 5
--   R=5  New Customers   Potential Loyalists Potential Loyalists Champions         Champions
--   R=4  Promising       Potential Loyalists Potential Loyalists Loyal Customers   Champions
--   R=3  About to Sleep  Need Attention      Need Attention      Loyal Customers   Loyal Customers
--   R=2  Hibernating     About to Sleep      At Risk             At Risk           Can't Lose Them
--   R=1  Lost            Hibernating         At Risk             Can't Lose Them   Can't Lose Them
--
-- Every cell has one segment, so every customer gets one.  Copy this file,
-- change the rules or actions, and pass it with `--rules`: a rule is a
-- name, a `when(c)` test and an `action`; `c` holds R, F, M, FM and every
-- column of the customer table (recency_days, orders, revenue, ...).
-- Rules are tried in order; the first that returns true names the segment.

return {
  name = "RFM segments (R x FM grid)",
  segments = {
    {name = "Champions",
     when = function(c) return (c.R == 5 and c.FM >= 4) or (c.R == 4 and c.FM == 5) end,
     action = "Reward them: early access, loyalty perks, referral asks; no discounts needed."},
    {name = "Loyal Customers",
     when = function(c) return (c.R == 4 and c.FM == 4) or (c.R == 3 and c.FM >= 4) end,
     action = "Upsell higher-value products; ask for reviews; keep them in the loyalty programme."},
    {name = "Potential Loyalists",
     when = function(c) return c.R >= 4 and c.FM >= 2 and c.FM <= 3 end,
     action = "Offer membership or a loyalty programme; recommend related products."},
    {name = "New Customers",
     when = function(c) return c.R == 5 and c.FM == 1 end,
     action = "Onboard well: welcome series, help with the first use, a reason for a second order."},
    {name = "Promising",
     when = function(c) return c.R == 4 and c.FM == 1 end,
     action = "Build the relationship: free shipping threshold, a small incentive for the next order."},
    {name = "Need Attention",
     when = function(c) return c.R == 3 and c.FM >= 2 and c.FM <= 3 end,
     action = "Reactivate with limited-time offers based on past purchases."},
    {name = "About to Sleep",
     when = function(c) return (c.R == 3 and c.FM == 1) or (c.R == 2 and c.FM == 2) end,
     action = "Share popular products and a modest discount before they lapse."},
    {name = "Can't Lose Them",
     when = function(c) return (c.R == 2 and c.FM == 5) or (c.R == 1 and c.FM >= 4) end,
     action = "Win them back personally: call or write, surveys, strong offers on their categories."},
    {name = "At Risk",
     when = function(c) return (c.R == 2 and c.FM >= 3 and c.FM <= 4) or (c.R == 1 and c.FM == 3) end,
     action = "Send personalised win-back emails with offers; ask what went wrong."},
    {name = "Hibernating",
     when = function(c) return (c.R == 2 and c.FM == 1) or (c.R == 1 and c.FM == 2) end,
     action = "Offer other relevant products and special discounts; recreate interest cheaply."},
    {name = "Lost",
     when = function(c) return c.R == 1 and c.FM == 1 end,
     action = "Revive with one low-cost campaign; otherwise stop spending on them."},
  },
}
