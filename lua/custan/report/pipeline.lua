--- Terminal report of a pipeline run (custan.analysis.pipeline): the
-- decision on one screen, from insights.json's fields.
-- @module custan.report.pipeline

local util = require "custan.util"

local M = {}

local function money(v) return v and util.commas(string.format("%.0f", v)) or "-" end
local function pct(v) return v and string.format("%.1f%%", 100 * v) or "-" end

function M.terminal(doc, w)
  local ins, s = doc.insights, doc.summary
  local q, k = ins.data_quality, ins.kpis
  w:line("%s as of %s: %s rows, %s purchase rows, %s customers", s.input, s.as_of,
    util.commas(q.rows), util.commas(q.purchase_rows), util.commas(k.customers))
  local notes = {string.format("%s cancelled rows", util.commas(q.cancelled_rows))}
  if q.rows_without_customer > 0 then
    notes[#notes + 1] = string.format("%s rows without a customer id", util.commas(q.rows_without_customer))
  end
  if q.skipped_bad_rows > 0 then notes[#notes + 1] = string.format("%s bad rows skipped", util.commas(q.skipped_bad_rows)) end
  if q.rows_after_as_of > 0 then notes[#notes + 1] = string.format("%s rows after it left out", util.commas(q.rows_after_as_of)) end
  if q.partial_last_month then notes[#notes + 1] = string.format("the last month is partial (%d days)", q.days_in_last_month) end
  w:line("data: " .. table.concat(notes, "; "))
  w:blank()
  local t = k.revenue_trend
  w:line("revenue %s; last %d days %s (%s on the %d days before); %s customers bought in the last %d days",
    money(k.revenue), t.days, money(t.last_period), t.change and string.format("%+.1f%%", 100 * t.change) or "n/a",
    t.days, util.commas(k.active_customers), k.active_days)
  if k.expected_value then
    local e = k.expected_value
    w:line("expected value of the next %d months: %s (90%% range %s to %s; parameter uncertainty)",
      e.horizon_months, money(e.value), money(e.low), money(e.high))
  end
  if k.predicted_churn_rate then
    w:line("predicted churn in the next %d days: %s; %s customers at high risk, %s of CLV at stake",
      k.churn_window_days or 90, pct(k.predicted_churn_rate), util.commas(k.customers_at_risk),
      money(k.value_at_stake))
  end
  w:blank()
  w:table(ins.segments, {{"name", title = "segment", left = true}, {"customers", fmt = "count"},
    {"revenue_share", title = "revenue", fmt = "pct"}, {"mean_clv", title = "mean CLV", fmt = money},
    {"churn_risk", title = "churn risk", fmt = pct}, {"action", left = true,
      fmt = function(v) return v and (#v > 60 and v:sub(1, 57) .. "..." or v) or "" end}},
    "segments (RFM rules), by revenue:")
  local mq = ins.model_quality
  w:blank()
  if mq.segmentation then
    w:line("segmentation: %s, k = %d%s%s", mq.segmentation.method, mq.segmentation.k,
      mq.segmentation.silhouette and string.format(", silhouette %.3f", mq.segmentation.silhouette) or "",
      mq.segmentation.fallback and " (the mixture was degenerate: " .. mq.segmentation.fallback .. ")" or "")
  end
  if mq.purchase_model then
    local m = mq.purchase_model
    w:line("purchase model: %s, chosen by holdout error (MAE %s per customer from %s), refitted on the whole log",
      m.name, m.holdout_mae and string.format("%.3f", m.holdout_mae) or "-", m.holdout_start or "-")
  end
  if mq.churn then
    w:line("churn model: %s, test AUC %.3f ± %.3f (%d customers; cut-off %s, %d-day window)",
      mq.churn.model, mq.churn.auc or 0, mq.churn.auc_se or 0, mq.churn.test_customers,
      mq.churn.cutoff or "-", mq.churn.window_days or 0)
  end
  if ins.funnel then
    local f = ins.funnel
    w:line("funnel: %s visitors; view -> cart %s, cart -> purchase %s, view -> purchase %s",
      util.commas(f.visitors), pct(f.view_to_cart), pct(f.cart_to_purchase), pct(f.view_to_purchase))
  end
  local rec = doc.results and doc.results.recovery
  if rec then
    local r = rec.summary
    local parts = {}
    if r.segments then
      parts[#parts + 1] = string.format("segments adjusted Rand %.3f (%d clusters, %d true segments)",
        r.segments.adjusted_rand, r.segments.clusters, r.segments.true_segments)
    end
    if r.churn then
      parts[#parts + 1] = string.format("churn AUC %.3f against who truly left (%.3f on the observed label)",
        r.churn.roc_auc_truth or 0, r.churn.roc_auc_observed or 0)
    end
    if r.p_alive then parts[#parts + 1] = string.format("P(alive) AUC %.3f", r.p_alive.roc_auc_truth or 0) end
    if r.holdout then
      parts[#parts + 1] = string.format("%s predicts %s purchases in the %d days after the log, truly %s (%s)",
        r.holdout.model, util.commas(string.format("%.0f", r.holdout.predicted)), r.holdout.days,
        util.commas(r.holdout.actual), r.holdout.relative_error and string.format("%+.1f%%", 100 * r.holdout.relative_error) or "-")
    end
    w:line("against the truth of world '%s': %s", tostring(r.world), table.concat(parts, "; "))
  end
  if #ins.policies > 0 then
    w:blank()
    w:table(ins.policies, {{"name", title = "policy", left = true}, {"contacted", fmt = "count"},
      {"net", title = "net mean", fmt = function(v) return money(v.mean) end},
      {"net", title = "5%", fmt = function(v) return money(v.p05) end},
      {"net", title = "95%", fmt = function(v) return money(v.p95) end},
      {"p_positive", title = "P(net>0)", fmt = "%.3f"}, {"roi", title = "ROI", fmt = "%.2f"},
      {"uncertainty", title = "from models", fmt = function(v) return v and pct(v.model_share) or "-" end}},
      "policies (net value over each horizon, against doing nothing):")
  end
  local test = ins.recommended_test
  if test and test.per_arm then
    w:blank()
    w:line("the test of '%s' (the best expected net value): %s customers per arm (treated and " ..
      "control) to detect its effect on %s (%.4g on a baseline of %.4g) over %d days; %s", test.scenario,
      util.commas(test.per_arm), test.outcome, test.effect, test.baseline, test.duration_days,
      test.feasible and "it contacts enough customers" or
        string.format("it contacts only %s: that many detect %.4g", util.commas(test.contacted),
          test.detectable_effect or 0))
  end
  if #ins.at_risk > 0 then
    w:blank()
    local rows = {}
    for i = 1, math.min(10, #ins.at_risk) do rows[i] = ins.at_risk[i] end
    w:table(rows, {{"customer", left = true}, {"segment", left = true}, {"clv", title = "CLV", fmt = money},
      {"p_alive", title = "P(alive)", fmt = "%.2f"}, {"churn_probability", title = "churn", fmt = "%.2f"},
      {"value_at_stake", title = "at stake", fmt = money}},
      "customers at high risk, by value at stake:")
  end
  w:blank()
  local parts = {}
  for _, st in ipairs(s.stages) do
    parts[#parts + 1] = st.skipped and (st.stage .. " skipped") or string.format("%s %.1f s", st.stage, st.seconds)
  end
  w:line("stages: %s; %.1f s in all", table.concat(parts, ", "), s.seconds)
end

return M
