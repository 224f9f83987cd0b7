/* test_ml.c: logistic regression, metrics, splits, SMOTE and the XGBoost
 * wrapper.  Reference numbers, on 40 rows made here (x1 = i / 10,
 * x2 = sin i, y = (7 i mod 5 < 2), flipped on every 9th row):
 *   statsmodels 0.13 Logit (Newton, tol 1e-14): the parameters and
 *     standard errors below;
 *   scikit-learn 1.2.1 LogisticRegression(C=0.5, solver="newton-cg",
 *     tol=1e-14) on StandardScaler'd features.
 * Metrics: scikit-learn 1.2.1 on tests/fixtures/scores.csv
 * (tests/reference/metrics.py). */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "csv_io.h"
#include "ml.h"
#include "random.h"
#include "xgb.h"

static void toy(double *X, double *y) {
  for (int i = 0; i < 40; i++) {
    X[2 * i] = i / 10.0;
    X[2 * i + 1] = sin(i);
    y[i] = (7 * i) % 5 < 2;
    if (i % 9 == 0) y[i] = 1 - y[i];
  }
}

static void test_logistic(void) {
  double Xr[80], y[40], x1[40], x2[40];
  toy(Xr, y);
  for (int i = 0; i < 40; i++) x1[i] = Xr[2 * i], x2[i] = Xr[2 * i + 1];
  const double *X[2] = {x1, x2};
  cu_err e = {0};
  cu_logit m;
  cu_logit_options o = {CU_PENALTY_NONE, 1, 1, 1, 100, 1e-12, 1};
  CHECK(cu_logit_fit(&m, X, 40, 2, y, NULL, &o, &e) == 0);
  CHECK(m.converged);
  CHECK_NEAR(m.intercept, -0.71889351720641, 1e-9);
  CHECK_NEAR(m.coef[0], 0.2088792051411, 1e-9);
  CHECK_NEAR(m.coef[1], 0.152395791973789, 1e-9);
  CHECK(m.se != NULL);
  if (m.se) {
    CHECK_NEAR(m.se[0], 0.646368930842225, 1e-9);
    CHECK_NEAR(m.se[1], 0.281054311819631, 1e-9);
    CHECK_NEAR(m.se[2], 0.458429654185464, 1e-9);
  }
  double p[40];
  cu_logit_predict(&m, X, 40, p, 2);
  CHECK_NEAR(p[0], 1 / (1 + exp(0.71889351720641)), 1e-9);
  cu_logit_free(&m);

  o.penalty = CU_PENALTY_L2;
  o.C = 0.5;
  CHECK(cu_logit_fit(&m, X, 40, 2, y, NULL, &o, &e) == 0);
  CHECK_NEAR(m.intercept_std, -0.305622986595997, 1e-9);
  CHECK_NEAR(m.coef_std[0], 0.198685060354817, 1e-9);
  CHECK_NEAR(m.coef_std[1], 0.087367594040637, 1e-9);
  CHECK(m.se == NULL);
  cu_logit_free(&m);

  /* L1 strong enough zeroes every coefficient: the intercept is the log-odds */
  o.penalty = CU_PENALTY_L1;
  o.C = 0.01;
  CHECK(cu_logit_fit(&m, X, 40, 2, y, NULL, &o, &e) == 0);
  CHECK(m.coef[0] == 0 && m.coef[1] == 0);
  CHECK_NEAR(m.intercept, log(17.0 / 23.0), 1e-9);
  cu_logit_free(&m);

  y[3] = 2;
  CHECK(cu_logit_fit(&m, X, 40, 2, y, NULL, &o, &e) == CU_EARG);
  CHECK(strstr(e.msg, "row 4: the label must be 0 or 1") != NULL);
}

/* 600,000 rows: past 32 blocks the Newton steps use a sampled Hessian;
 * the exact gradient still drives the fit to the optimum, and the standard
 * errors come from a final exact Hessian.  The data follow known
 * coefficients (1, -2, 0.5; intercept -0.3), which the fit must recover
 * within 4 standard errors, with the same bits on 1 and 2 threads. */
static void test_logistic_large(void) {
  size_t n = 600000;
  double *x1 = malloc(n * sizeof *x1), *x2 = malloc(n * sizeof *x2), *x3 = malloc(n * sizeof *x3);
  double *y = malloc(n * sizeof *y);
  uint64_t s = 42;
  for (size_t i = 0; i < n; i++) {
    double u[4];
    for (int k = 0; k < 4; k++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      u[k] = (double)(s >> 11) / 9007199254740992.0;
    }
    x1[i] = u[0] - 0.5, x2[i] = u[1] - 0.5, x3[i] = 2 * u[2];
    double z = -0.3 + x1[i] - 2 * x2[i] + 0.5 * x3[i];
    y[i] = u[3] < 1 / (1 + exp(-z));
  }
  const double *X[3] = {x1, x2, x3};
  cu_logit a, b;
  cu_logit_options o = {CU_PENALTY_NONE, 1, 1, 1, 100, 1e-10, 1};
  cu_err e = {0};
  CHECK(cu_logit_fit(&a, X, n, 3, y, NULL, &o, &e) == 0);
  o.threads = 2;
  CHECK(cu_logit_fit(&b, X, n, 3, y, NULL, &o, &e) == 0);
  CHECK(a.converged && a.violation <= 1e-10);
  CHECK(memcmp(a.coef, b.coef, 3 * sizeof *a.coef) == 0);
  double truth[4] = {-0.3, 1, -2, 0.5};
  CHECK(a.se != NULL);
  if (a.se) {
    CHECK(fabs(a.intercept - truth[0]) < 4 * a.se[0]);
    for (int j = 0; j < 3; j++) CHECK(fabs(a.coef[j] - truth[j + 1]) < 4 * a.se[j + 1]);
    CHECK(a.se[1] > 0.005 && a.se[1] < 0.02); /* about 1 / sqrt(n var(x) p(1-p)) */
  }
  cu_logit_free(&a);
  cu_logit_free(&b);
  free(x1), free(x2), free(x3), free(y);
}

static void test_metrics(void) {
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, CUSTAN_FIXTURES "/scores.csv", NULL, NULL, &e) == 0);
  if (!f) return;
  size_t n = f->nrows;
  double *y = malloc(n * sizeof *y), *p = malloc(n * sizeof *p), *w = malloc(n * sizeof *w);
  for (size_t i = 0; i < n; i++) {
    y[i] = cu_column_get_f(f->cols[0], i);
    p[i] = cu_column_get_f(f->cols[1], i);
    w[i] = cu_column_get_f(f->cols[2], i);
  }
  cu_curve c;
  CHECK(cu_binary_curve(&c, y, p, NULL, n, &e) == 0);
  CHECK_NEAR(cu_curve_roc_auc(&c), 0.82644688644688635, 1e-9);
  CHECK_NEAR(cu_curve_average_precision(&c), 0.71284442708970452, 1e-9);
  cu_curve_free(&c);
  CHECK(cu_binary_curve(&c, y, p, w, n, &e) == 0);
  CHECK_NEAR(cu_curve_roc_auc(&c), 0.84149288016371038, 1e-9);
  CHECK_NEAR(cu_curve_average_precision(&c), 0.71461964100432074, 1e-9);
  cu_curve_free(&c);
  double ll, bs;
  CHECK(cu_prob_scores(y, p, NULL, n, 2.220446049250313e-16, &ll, &bs, &e) == 0);
  CHECK_NEAR(ll, 0.70770290356741894, 1e-9);
  CHECK_NEAR(bs, 0.16213166666666667, 1e-9);
  double cm[4];
  cu_confusion(y, p, NULL, n, 0.5, cm);
  CHECK_NEAR(2 * cm[0] / (2 * cm[0] + cm[1] + cm[3]), 0.61202185792349717, 1e-12); /* F1 */
  /* one class only: no AUC */
  double ones[3] = {1, 1, 1}, sc[3] = {0.1, 0.2, 0.3};
  CHECK(cu_binary_curve(&c, ones, sc, NULL, 3, &e) == 0);
  CHECK(isnan(cu_curve_roc_auc(&c)));
  cu_curve_free(&c);
  free(y);
  free(p);
  free(w);
  cu_frame_release(f);
}

static void test_splits(void) {
  int32_t cls[1000], fold[1000];
  uint8_t test[1000], again[1000];
  for (int i = 0; i < 1000; i++) cls[i] = i % 4 == 0;
  cu_err e = {0};
  CHECK(cu_stratified_split(cls, 1000, 2, 0.25, 9, test, &e) == 0);
  CHECK(cu_stratified_split(cls, 1000, 2, 0.25, 9, again, &e) == 0);
  CHECK(memcmp(test, again, sizeof test) == 0);
  int pos = 0, all = 0;
  for (int i = 0; i < 1000; i++) {
    all += test[i];
    pos += test[i] && cls[i];
  }
  CHECK(all == 251 && pos == 63); /* round(62.5) + round(187.5), half up per class */
  CHECK(cu_stratified_folds(cls, 1000, 2, 3, 9, fold, &e) == 0);
  int size[3] = {0};
  for (int i = 0; i < 1000; i++) size[fold[i]]++;
  CHECK(size[0] == 334 && size[1] == 333 && size[2] == 333);
  CHECK(cu_stratified_split(cls, 1000, 2, 1.5, 9, test, &e) == CU_EARG);
}

static void test_smote(void) {
  double X[80], y[40], a[60 * 2], b[60 * 2];
  toy(X, y);
  uint8_t minority[40];
  for (int i = 0; i < 40; i++) minority[i] = y[i] == 1;
  cu_err e = {0};
  CHECK(cu_smote(X, 40, 2, minority, 3, 60, 5, 1, a, &e) == 0);
  CHECK(cu_smote(X, 40, 2, minority, 3, 60, 5, 2, b, &e) == 0);
  CHECK(memcmp(a, b, sizeof a) == 0);
  /* each synthetic row lies on a segment between two minority rows */
  int on_segment = 1;
  for (int s = 0; s < 60; s++) {
    int found = 0;
    for (int i = 0; i < 40 && !found; i++)
      for (int j = 0; j < 40 && !found; j++) {
        if (!minority[i] || !minority[j] || i == j) continue;
        double dx = X[2 * j] - X[2 * i], t = dx != 0 ? (a[2 * s] - X[2 * i]) / dx : -1;
        if (t >= 0 && t <= 1 &&
            fabs(X[2 * i + 1] + t * (X[2 * j + 1] - X[2 * i + 1]) - a[2 * s + 1]) < 1e-9)
          found = 1;
      }
    on_segment &= found;
  }
  CHECK(on_segment);
  CHECK(cu_smote(X, 40, 2, minority, 30, 5, 5, 1, a, &e) == CU_EARG);
}

static void test_xgb(void) {
  double X[80], y[40], p1[40], p2[40];
  toy(X, y);
  const char *keys[] = {"max_depth", "eta", "seed", "nthread"};
  const char *vals[] = {"2", "0.3", "1", "1"};
  const char *names[] = {"x1", "x2"};
  cu_xgb *m = NULL, *back = NULL;
  cu_err e = {0};
  CHECK(cu_xgb_train(&m, X, 40, 2, y, NULL, keys, vals, 4, 10, names, &e) == 0);
  if (!m) return;
  CHECK(cu_xgb_predict(m, X, 40, 2, p1, 1, &e) == 0);
  CHECK(cu_xgb_set_attr(m, "custan", "{}", &e) == 0);
  char *json = NULL, *attr = NULL;
  size_t len = 0;
  CHECK(cu_xgb_save(m, &json, &len, &e) == 0);
  CHECK(json && strstr(json, "\"learner\"") != NULL);
  CHECK(cu_xgb_load(&back, json, len, &e) == 0);
  if (back) {
    CHECK(cu_xgb_predict(back, X, 40, 2, p2, 1, &e) == 0);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    CHECK(cu_xgb_get_attr(back, "custan", &attr, &e) == 0);
    CHECK_STR(attr, "{}");
    size_t nf;
    int rounds;
    CHECK(cu_xgb_shape(back, &nf, &rounds, &e) == 0);
    CHECK(nf == 2 && rounds == 10);
    CHECK(cu_xgb_predict(back, X, 20, 4, p2, 1, &e) == CU_EARG); /* wrong width */
  }
  size_t count;
  char **fn;
  double *score;
  CHECK(cu_xgb_importance(m, "total_gain", &count, &fn, &score, &e) == 0);
  CHECK(count >= 1);
  for (size_t i = 0; i < count; i++) free(fn[i]);
  free(fn);
  free(score);
  cu_xgb *bad = NULL;
  CHECK(cu_xgb_load(&bad, "{not json", 9, &e) != 0 && bad == NULL);
  free(attr);
  free(json);
  cu_xgb_free(back);
  cu_xgb_free(m);
}

int main(void) {
  test_logistic();
  test_logistic_large();
  test_metrics();
  test_splits();
  test_smote();
  test_xgb();
  return check_done("ml");
}
