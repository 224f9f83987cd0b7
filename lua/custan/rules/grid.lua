--- Hyperparameter grids for churn.lua --grid (scored by cross-validated
-- AUC on the training rows).  Each model kind maps parameter names to the
-- values to try; every combination is fitted --cv times, so keep grids small.
return {
  logistic = {penalty = {"l2", "l1"}, C = {0.01, 0.1, 1, 10}},
  xgboost = {max_depth = {2, 3, 4, 6}, eta = {0.03, 0.1}, rounds = {100, 300}},
  forest = {max_depth = {4, 6, 8, 12}, colsample_bynode = {0.4, 0.6}},
}
