--- The cost table behind churn.lua's profit-optimal threshold
-- (custan run churn.lua --costs FILE).
--
-- Contacting a customer costs `contact`; a contacted churner stays with
-- probability `save_rate` and is then worth `saved_value`, less the
-- `offer_cost` of the incentive.  The threshold reported is the score cut
-- that maximises the test set's total of
--   churners contacted x save_rate x (saved_value - offer_cost)
--   - customers contacted x contact.
return {
  contact = 2.0,     -- per customer contacted (email, call, mailing)
  save_rate = 0.25,  -- share of contacted churners who stay
  saved_value = 120, -- value of a customer kept (e.g. a year's margin)
  offer_cost = 10,   -- incentive paid by each saved customer
}
