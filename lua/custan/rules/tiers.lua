--- Risk tiers of churn.lua's scores (custan run churn.lua --tiers FILE).
--
-- A customer gets the first tier, from the top, whose `min` its churn
-- probability reaches.  Copy this file to change the cut-offs, names or
-- actions.
return {
  {name = "High", min = 0.7, action = "Win back now: personal outreach and a tailored offer."},
  {name = "Medium", min = 0.4, action = "Re-engage: reminders, recommendations, a light incentive."},
  {name = "Low", min = 0, action = "Business as usual; no retention spend."},
}
