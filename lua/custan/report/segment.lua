--- Terminal report of a segmentation (custan.analysis.segment).
-- @module custan.report.segment

local transactions = require "custan.data.transactions"
local util = require "custan.util"

local M = {}

function M.terminal(doc, w)
  local s = doc.summary
  w:line("%s: %s customers (%s), features %s, scaling %s", s.input, util.commas(s.customers),
    s.input_kind, table.concat(s.features, ", "), s.scale)
  local skipped = doc.info and transactions.skipped_message(doc.info.read)
  if skipped then w:line(skipped) end
  w:line("%s%s, seed %d", s.method == "kmeans" and "k-means" or "Gaussian mixture",
    s.method == "gmm" and (" (" .. s.covariance .. " covariance)") or "", s.seed)
  w:blank()
  local columns = {{"k", fmt = "%d"}}
  if s.method == "kmeans" then
    columns[#columns + 1] = {"inertia", fmt = "%.2f"}
  else
    columns[#columns + 1] = {"loglik", title = "log-lik", fmt = "%.2f"}
    columns[#columns + 1] = {"bic", title = "BIC", fmt = "%.1f"}
  end
  columns[#columns + 1] = {"silhouette", fmt = "%.4f"}
  columns[#columns + 1] = {"calinski_harabasz", title = "Calinski-Harabasz", fmt = "%.1f"}
  columns[#columns + 1] = {"davies_bouldin", title = "Davies-Bouldin", fmt = "%.4f"}
  w:table(s.fits, columns)
  if s.fits[1].silhouette_sampled then
    w:line("(silhouette on a seeded sample of %s rows)", util.commas(s.fits[1].silhouette_rows))
  end
  w:line("k = %d: %s", s.k, s.reason)
  w:blank()
  local seg_columns = {{"segment", left = true}, {"customers", fmt = "count"}, {"share", fmt = "pct"}}
  for _, f in ipairs(s.features) do seg_columns[#seg_columns + 1] = {"mean_" .. f, title = f, fmt = "money"} end
  if s.segments[1].revenue_share then
    seg_columns[#seg_columns + 1] = {"revenue_share", title = "revenue share", fmt = "pct"}
  end
  w:table(s.segments, seg_columns)
  w:blank()
  w:table(s.segments, {{"segment", left = true}, {"strategy", left = true}}, "strategies", "  ")
end

return M
