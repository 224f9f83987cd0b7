-- Specs for custan.ml: metrics, logistic regression, XGBoost, SMOTE, splits.
--
-- Metrics: scikit-learn 1.2.1 (Debian's python3-sklearn) on
-- tests/fixtures/scores.csv, from tests/reference/metrics.py.
-- Logistic regression: scikit-learn 1.2.1 and statsmodels 0.13 on the
-- training rows of tests/fixtures/churn_features.csv.gz, from
-- tests/reference/logistic.py.  Test AUCs of the peers on the same split:
-- tests/reference/churn.py (scikit-learn LogisticRegression 0.728614180
-- with newton-cg, 0.728619936 with lbfgs, which stops about 1e-4 short of
-- the optimum on its objective test; xgboost 1.7.4 with custan's
-- parameters 0.724200046, its forest 0.729874540).  L2 references are
-- newton-cg's for the same reason.
local custan = require "custan"
local ml = require "custan.ml"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local fixtures = here .. "/../fixtures"

local base = {"recency", "frequency", "monetary", "mean_order_value", "tenure", "products",
              "cancel_share", "country=United Kingdom"}

describe("custan.ml", function()
  describe("metrics against scikit-learn", function()
    local s = custan.read_csv(fixtures .. "/scores.csv")
    local y, p, w = s:col("y"):cast("float64"), s:col("p"), s:col("w")
    local core = require "custan.core.ml"

    it("should give ROC AUC, average precision, log loss and Brier to 1e-9", function()
      local m = core.metrics(y, p)
      assert.are.near(0.82644688644688635, m.roc_auc, 1e-9)
      assert.are.near(0.71284442708970452, m.average_precision, 1e-9)
      assert.are.near(0.70770290356741894, m.log_loss, 1e-9) -- clipped at eps = 2.2e-16 ("auto")
      assert.are.near(0.16213166666666667, m.brier, 1e-9)
    end)

    it("should weight rows as sample_weight does", function()
      local m = core.metrics(y, p, w)
      assert.are.near(0.84149288016371038, m.roc_auc, 1e-9)
      assert.are.near(0.71461964100432074, m.average_precision, 1e-9)
      assert.are.near(0.68887390392320824, m.log_loss, 1e-9)
    end)

    it("should give F1 at a threshold and the calibration table", function()
      local e = ml.evaluate(y, p, {threshold = 0.5})
      assert.are.near(0.61202185792349717, e.f1, 1e-9)
      assert.are.near(0.82644688644688635, e.roc_auc, 1e-9)
      local pred = {0.027, 0.15578947368421056, 0.24666666666666673, 0.3576086956521739,
                    0.45186046511627914, 0.55, 0.6511111111111111, 0.7416666666666667, 0.8625,
                    0.9775}
      local obs = {0.04, 0.05263157894736842, 0.27450980392156865, 0.32608695652173914,
                   0.4418604651162791, 0.5882352941176471, 0.8333333333333334,
                   0.9166666666666666, 1.0, 0.75}
      assert.are.equal(10, #e.calibration)
      for b = 1, 10 do
        assert.are.near(pred[b], e.calibration[b].mean_predicted, 1e-12)
        assert.are.near(obs[b], e.calibration[b].observed, 1e-12)
      end
    end)

    it("should give lift and cumulative gain by decile", function()
      local e = ml.evaluate(y, p)
      local rows, gain = 0, 0
      for _, l in ipairs(e.lift) do rows = rows + l.rows end
      assert.are.equal(300, rows)
      assert.are.near(1, e.lift[10].gain, 1e-12)
      for g = 2, 10 do assert.is_true(e.lift[g].gain >= e.lift[g - 1].gain) end
      gain = e.lift[1].gain
      assert.is_true(gain > 0.1) -- the top decile holds more than its share
    end)

    it("should pick the threshold with the highest profit", function()
      local yy = custan.column({1, 1, 0, 1, 0, 0}, "float64")
      local pp = custan.column({0.9, 0.8, 0.7, 0.6, 0.2, 0.1})
      -- contacting a churner earns 10 - 1, a stayer costs 1: best is the top 4 (3 x 10 - 4)
      local b = ml.best_threshold(yy, pp, {contact = 1, saved_value = 10})
      assert.are.equal(0.6, b.threshold)
      assert.are.equal(26, b.profit)
      assert.are.equal(4, b.contacted)
    end)
  end)

  -- Regression (hardening issue, F7): text labels outside a fixed list
  -- counted as retained, so "YES" trained as a stayer (713 churners of 1,449).
  describe("labels", function()
    it("should read text labels without case", function()
      local t = custan.frame({y = {"yes", "YES", "No", "churned", "retained"}}, {"y"})
      assert.same({1.0, 1.0, 0.0, 1.0, 0.0}, ml.labels(t, "y"):to_table())
    end)

    it("should refuse text labels it does not know, naming them", function()
      local t = custan.frame({y = {"yes", "maybe", "no", "perhaps"}}, {"y"})
      assert.has_error(function() ml.labels(t, "y") end,
        "the label column 'y' holds values that are neither churned (1, true, yes, y, churned, " ..
        "churn) nor retained (0, false, no, n, retained, active, stayed): maybe, perhaps")
    end)

    it("should take the caller's positive values, the rest negative", function()
      local t = custan.frame({y = {"gone", "here", "GONE"}}, {"y"})
      assert.same({1.0, 0.0, 1.0}, ml.labels(t, "y", {"gone"}):to_table())
    end)
  end)

  describe("splits", function()
    it("should split each class in the same proportion, seeded", function()
      local y = custan.column({1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0}, "float64")
      local a, b = ml.split(y, 0.25, 5), ml.split(y, 0.25, 5)
      assert.are.same(a:to_table(), b:to_table())
      assert.are.equal(1, (a & y:eq(1)):sum())
      assert.are.equal(2, (a & y:eq(0)):sum())
    end)

    it("should deal stratified folds of near-equal size", function()
      local v = {}
      for i = 1, 103 do v[i] = i % 3 == 0 and 1.0 or 0.0 end
      local y = custan.column(v, "float64")
      local folds = ml.folds(y, 5, 1)
      for f = 1, 5 do
        local m = folds:eq(f)
        local size = m:sum()
        assert.is_true(size == 20 or size == 21)
        local pos = (m & y:eq(1)):sum()
        assert.is_true(pos == 6 or pos == 7)
      end
    end)
  end)

  describe("logistic regression", function()
    local f = custan.read_csv(fixtures .. "/churn_features.csv.gz")
    local train = f:filter(f:col("set"):eq("train"))
    local test = f:filter(f:col("set"):eq("test"))
    local y = ml.labels(train, "churned")

    it("should equal scikit-learn's L2 fit", function()
      local m = ml.train("logistic", train, base, y, {C = 1})
      assert.is_true(m.converged)
      local ref = {0.233566187624, -1.544262071146, 1.027509841893, -0.701736263982,
                   0.024486969819, -0.318681562162, -0.083687505047, -0.060389016403}
      for j = 1, #ref do assert.are.near(ref[j], m.coef_std[j], 1e-7) end -- newton-cg stops near 1e-8
      assert.are.near(-0.151427747299, m.intercept_std, 1e-8)
      m = ml.train("logistic", train, base, y, {C = 0.1})
      ref = {0.22383620143, -0.705034237991, -0.104143190532, -0.011853868181, 0.02831539132,
             -0.309885566818, -0.081020552928, -0.059883576304}
      for j = 1, #ref do assert.are.near(ref[j], m.coef_std[j], 1e-7) end -- newton-cg stops near 1e-8
    end)

    it("should equal scikit-learn's L1 fit, with exact zeros", function()
      local m = ml.train("logistic", train, base, y, {C = 0.1, penalty = "l1"})
      assert.is_true(m.converged)
      local ref = {0.231072882973, -0.757319593765, 0, -0.054799026454, 0, -0.304115586726,
                   -0.066524698652, -0.035121073447}
      for j = 1, #ref do assert.are.near(ref[j], m.coef_std[j], 1e-7) end
      assert.are.equal(0, m.coef_std[3])
      assert.are.equal(0, m.coef_std[5])
      assert.are.near(-0.126495952298, m.intercept_std, 1e-7)
    end)

    it("should equal statsmodels' unpenalised Logit with its standard errors", function()
      local m = ml.train("logistic", train, base, y, {penalty = "none", class_weight = "none"})
      local params = {4.966968806030e+00, 3.560541706173e-03, -4.939499847527e+00,
                      2.649665468910e+00, -2.726191177271e+00, -3.061306025867e-04,
                      -3.033070268987e-01, -4.891977443404e-01, -2.171126990033e-01}
      local bse = {8.630194829116e-01, 1.080219816972e-03, 1.131538864779e+00,
                   8.023077394309e-01, 8.012862883818e-01, 1.032177765804e-03,
                   5.966108306099e-02, 2.511925839828e-01, 1.546078915849e-01}
      assert.are.near(params[1], m.intercept, 1e-7)
      assert.are.near(bse[1], m.se[1], 1e-7)
      for j = 1, #base do
        assert.are.near(params[j + 1], m.coef[j], 1e-7 * math.max(1, math.abs(params[j + 1])))
        assert.are.near(bse[j + 1], m.se[j + 1], 1e-7 * bse[j + 1] + 1e-12)
      end
      local c = m:coefficients()
      assert.are.near(math.exp(m.coef[1]), c[1].odds_ratio, 1e-12)
      assert.is_true(c[1].p_value > 0 and c[1].p_value < 0.01)
    end)

    it("should reach scikit-learn's test AUC on the same split", function()
      local m = ml.train("logistic", train, base, y)
      local auc = ml.auc(ml.labels(test, "churned"), m:predict(test))
      assert.are.near(0.728614180, auc, 1e-8) -- newton-cg; lbfgs, stopping early: 0.728619936
    end)

    it("should give the same bits with one or two threads", function()
      local a = ml.train("logistic", train, base, y, {threads = 1})
      local b = ml.train("logistic", train, base, y, {threads = 2})
      assert.are.same(a.coef, b.coef)
    end)

    it("should name a missing value", function()
      local t = custan.frame({x = {1, 2, nil, 4}, y = {0, 1, 0, 1}}, {"x", "y"})
      local ok, err = pcall(ml.train, "logistic", t, {"x"}, t:col("y"):cast("float64"))
      assert.is_false(ok)
      assert.matches("feature 'x', row 3: missing", err)
    end)

    it("should save and load with the same predictions", function()
      local m = ml.train("logistic", train, base, y)
      local back = ml.from_json(m:to_json({note = "x"}))
      assert.are.same(m:predict(test):to_table(), back:predict(test):to_table())
      assert.are.equal("x", back.meta.note)
    end)
  end)

  describe("XGBoost", function()
    local f = custan.read_csv(fixtures .. "/churn_features.csv.gz")
    local train = f:filter(f:col("set"):eq("train"))
    local test = f:filter(f:col("set"):eq("test"))
    local y, yt = ml.labels(train, "churned"), ml.labels(test, "churned")

    it("should equal the xgboost Python package's test AUC", function()
      local m = ml.train("xgboost", train, base, y, {threads = 2})
      assert.are.near(0.724200046, ml.auc(yt, m:predict(test)), 1e-8)
      local rf = ml.train("forest", train, base, y, {threads = 2})
      assert.are.near(0.729874540, ml.auc(yt, rf:predict(test)), 1e-8)
    end)

    it("should save XGBoost JSON that loads back with the same predictions", function()
      local m = ml.train("xgboost", train, base, y, {rounds = 20})
      local text = m:to_json({note = "x"})
      assert.matches('"learner"', text)
      local back = ml.from_json(text)
      assert.are.same(m:predict(test):to_table(), back:predict(test):to_table())
      assert.are.same(base, back.features)
      assert.are.equal("x", back.meta.note)
    end)

    it("should load a model trained by the xgboost Python package", function()
      -- tests/fixtures/xgb_python_model.json and its predictions for the
      -- first five test rows: tests/reference/xgb_interop.py (xgboost 1.7.4)
      local m = ml.load(fixtures .. "/xgb_python_model.json")
      assert.are.same(base, m.features)
      local p = m:predict(test:head(5))
      local want = {0.754786551, 0.0889796689, 0.46306935, 0.685130656, 0.5471524}
      for i = 1, 5 do assert.are.near(want[i], p:get(i), 1e-7) end
    end)

    it("should report gain importance over the features", function()
      local m = ml.train("xgboost", train, base, y, {rounds = 20})
      local imp = m:gain_importance()
      local total = 0
      for _, r in ipairs(imp) do total = total + r.importance end
      assert.are.near(1, total, 1e-9)
      assert.are.equal(#base, #imp)
    end)

    it("should give the same model for the same seed", function()
      local a = ml.train("xgboost", train, base, y, {rounds = 20, seed = 3})
      local b = ml.train("xgboost", train, base, y, {rounds = 20, seed = 3})
      assert.are.same(a:predict(test):to_table(), b:predict(test):to_table())
    end)

    it("should report a bad parameter", function()
      local ok, err = pcall(ml.train, "xgboost", train, base, y, {max_depth = -3})
      assert.is_false(ok)
      assert.matches("XGBoost", err)
    end)
  end)

  describe("evaluation helpers", function()
    local f = custan.read_csv(fixtures .. "/churn_features.csv.gz")
    local train = f:filter(f:col("set"):eq("train"))
    local y = ml.labels(train, "churned")

    it("should cross-validate and grid-search by AUC", function()
      local cv = ml.cross_validate("logistic", train, base, y, {folds = 3, seed = 2})
      assert.are.equal(3, #cv.folds)
      assert.is_true(cv.mean > 0.7 and cv.mean < 0.8)
      local best, rows = ml.grid_search("logistic", train, base, y, {C = {0.01, 1}},
        {folds = 3, seed = 2})
      assert.are.equal(2, #rows)
      assert.is_truthy(best.C)
    end)

    it("should rank the features by permutation importance", function()
      local m = ml.train("logistic", train, base, y)
      local imp = ml.permutation_importance(m, train, y, {repeats = 2})
      assert.are.equal(#base, #imp)
      assert.is_true(imp[1].importance > 0.01)
      assert.is_true(imp[1].importance >= imp[#imp].importance)
    end)

    it("should balance the classes with SMOTE on the segments between neighbours", function()
      local s, ys = ml.smote(train, base, y, {seed = 4})
      local pos = ys:sum()
      assert.are.equal(ys:len() - pos, pos)
      assert.are.equal(y:len() + (ys:len() - y:len()), s:nrows())
      -- a synthetic row lies within the range of the minority rows
      local minority = train:filter(y:eq(1))
      local synth = s:slice(y:len() + 1, s:nrows())
      for _, name in ipairs(base) do
        assert.is_true(synth:col(name):min() >= minority:col(name):min() - 1e-9)
        assert.is_true(synth:col(name):max() <= minority:col(name):max() + 1e-9)
      end
      local again = ml.smote(train, base, y, {seed = 4})
      assert.are.same(s:col("recency"):to_table(), again:col("recency"):to_table())
    end)
  end)
end)
