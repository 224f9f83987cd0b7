--- Terminal report of a churn training result (custan.analysis.churn.train).
-- @module custan.report.churn

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

local function cv(e)
  return e.cv_auc and string.format("%.4f ± %.4f", e.cv_auc, e.cv_sd) or nil
end

function M.terminal(doc, w)
  local s = doc.summary
  local best = s.best
  w:line("%s: %s customers, %s churned (%.1f%%)%s", s.input, util.commas(s.customers),
    util.commas(s.churners), 100 * s.churn_rate,
    s.cutoff and string.format("; cut-off %s, window %d days to %s", s.cutoff, s.window,
      s.window_end) or "")
  local skipped = doc.info and doc.info.read and transactions.skipped_message(doc.info.read)
  if skipped then w:line(skipped) end
  w:line("split: %d train, %d test (stratified, seed %d); %s; %d features",
    s.split.train, s.split.test, s.seed, s.balancing, #s.features)
  if s.ids_left_out then
    w:line("left out as ids (a different value in every row): %s", table.concat(s.ids_left_out, ", "))
  end
  w:blank()
  local rows = {}
  for _, kind in ipairs(doc.order) do
    local e = s.models[kind]
    rows[#rows + 1] = {model = kind .. (kind == best and " *" or ""), cv_auc = cv(e),
      test_auc = e.test.roc_auc, pr_auc = e.test.pr_auc, log_loss = e.test.log_loss,
      brier = e.test.brier, f1 = e.test.f1}
  end
  if s.baseline then
    rows[#rows + 1] = {model = "BG/NBD E[purchases] alone", test_auc = s.baseline.roc_auc}
  end
  w:table(rows, {{"model", left = true}, {"cv_auc", title = "CV AUC", fmt = "text"},
    {"test_auc", title = "test AUC", fmt = "%.4f"}, {"pr_auc", title = "PR AUC", fmt = "%.4f"},
    {"log_loss", title = "log loss", fmt = "%.4f"}, {"brier", fmt = "%.4f"}, {"f1", title = "F1", fmt = "%.4f"}})
  local be = s.models[best].test
  w:blank()
  w:line("best: %s.  At threshold %.2f: accuracy %.3f, precision %.3f, recall %.3f, F1 %.3f",
    best, be.threshold, be.accuracy, be.precision, be.recall, be.f1)
  w:line("confusion (test): %d churners caught, %d missed; %d false alarms, %d correctly kept",
    be.confusion.tp, be.confusion.fn, be.confusion.fp, be.confusion.tn)
  local bt, costs = s.best_threshold, s.best_threshold.costs
  if bt.threshold then
    w:line("profit-optimal threshold %.3f: contact %d of %d test customers, expected " ..
      "profit %.2f (costs: contact %.2f, save rate %.2f, value %.2f, offer %.2f)", bt.threshold,
      bt.contacted, bt.customers_scored, bt.profit, costs.contact or 0, costs.save_rate or 1,
      costs.saved_value or 0, costs.offer_cost or 0)
  else
    w:line("profit-optimal threshold: none; under the cost table no contact pays")
  end
  w:blank()
  w:table(be.lift, {{"group", title = "decile", fmt = "%d"}, {"rows", title = "customers", fmt = "count"},
    {"positives", title = "churners", fmt = "count"}, {"rate", fmt = "%.3f"}, {"lift", fmt = "%.4f"},
    {"gain", title = "cumulative gain", fmt = "%.4f"}}, "lift by decile (test, best model):")
  w:blank()
  w:line("importance (test AUC lost when the feature is shuffled):")
  local top = {}
  for _, r in ipairs(s.models[best].permutation_importance) do
    if #top < 8 then top[#top + 1] = string.format("%s %.4f", r.feature, r.importance) end
  end
  w:line("  " .. best .. ": " .. table.concat(top, ", "))
  if s.models.logistic then
    w:blank()
    w:line("logistic regression: odds ratio per standard deviation of each feature")
    local parts = {}
    for _, c in ipairs(s.models.logistic.coefficients) do
      parts[#parts + 1] = string.format("%s %.3f", c.feature, c.odds_ratio_std)
    end
    w:line("  " .. table.concat(parts, ", "))
  end
  w:blank()
  local tier_parts = {}
  for _, t in ipairs(s.tiers) do
    tier_parts[#tier_parts + 1] = string.format("%s %s", t.tier, util.commas(t.customers))
  end
  w:line("risk tiers (customers of the labelled window): " .. table.concat(tier_parts, ", "))
  if s.scored_as_of then
    w:line("scored as of %s: %s customers, expected churn %.1f%% in the next %d days " ..
      "(current_scores.csv)", s.scored_as_of, util.commas(s.current_customers),
      100 * s.current_churn_rate, s.window)
  end
  if s.saved then w:line("saved the %s model to %s", best, s.saved) end
end

return M
