--- Terminal report of scoring with a saved churn model
-- (custan.analysis.churn.score).
-- @module custan.report.churn_score

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("scored %s customers of %s with %s (%s)", util.commas(s.customers), s.input,
    s.model_file, s.model)
  local skipped = doc.info and doc.info.read and transactions.skipped_message(doc.info.read)
  if skipped then w:line(skipped) end
  if s.evaluation then
    local ev = s.evaluation
    w:line("against '%s': ROC AUC %.4f, PR AUC %.4f, log loss %.4f, Brier %.4f",
      s.label, ev.roc_auc or 0 / 0, ev.pr_auc or 0 / 0, ev.log_loss or 0 / 0, ev.brier or 0 / 0)
  end
  w:blank()
  local rows = doc.scores:head(10):to_rows()
  local id = doc.scores:names()[1]
  w:table(rows, {{id, left = true, fmt = "text"}, {"churn_probability", fmt = "%.4f"},
    {"risk_tier", left = true}})
  if doc.scores:nrows() > 10 then w:line("... %s more", util.commas(doc.scores:nrows() - 10)) end
end

return M
