/* test_clv.c: BG/NBD against Fader, Hardie & Lee (2005) on the CDNOW
 * sample (examples/data/cdnow_summary.csv: 2,357 customers, 39 weeks):
 * r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4; at those
 * parameters a customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226
 * purchases in the next 39 weeks and P(X(39) = 0) = 0.5737864; a new
 * customer expects 0.0532, 0.1506, 1.0437, 1.8576 purchases by weeks 1, 3,
 * 32, 78 (the paper's figures and the authors' "Implementing the BG/NBD
 * model" note).  The last four come from the authors' unrounded estimates:
 * at the rounded ones week 32 gives 1.0452, at our MLE 1.0437 and 1.8580
 * (the likelihood is flat along b, which moves the 78-week value in its
 * 4th digit), so they are checked at our fit to 0.0005.  Also: the
 * driver's diagnostics, weights, and the analytic gradient. */
#include <stdlib.h>

#include "check.h"
#include "clv.h"
#include "csv_io.h"

static const double published[4] = {0.243, 4.414, 0.793, 2.426};

static void check_predictions(void) {
  CHECK_NEAR(cu_bgnbd_conditional(published, 39, 2, 30.43, 38.86), 1.226, 0.0005);
  CHECK_NEAR(cu_bgnbd_pmf(published, 39, 0), 0.5737864, 0.0000005);
  double total = 0; /* the pmf sums to one */
  for (int n = 0; n < 200; n++) total += cu_bgnbd_pmf(published, 39, n);
  CHECK_NEAR(total, 1, 1e-9);
  CHECK(cu_bgnbd_p_alive(published, 0, 0, 38.86) == 1);
  CHECK(cu_bgnbd_p_alive(published, 2, 30.43, 38.86) < 1);
  /* 2F1 against a closed form: 2F1(1, 1; 2; z) = -log(1 - z) / z */
  CHECK_NEAR(cu_hyp2f1(1, 1, 2, 0.5), -log(0.5) / 0.5, 1e-14);
}

/* A model's analytic gradient against central differences. */
static void check_gradient(cu_loglik_fn fn, const double *p, cu_clv_data *d) {
  double ll, g[4];
  fn(p, &ll, g, d);
  for (int j = 0; j < 4; j++) {
    double h = 1e-6 * p[j], q[4], lp, lm;
    memcpy(q, p, sizeof q);
    q[j] = p[j] + h;
    fn(q, &lp, NULL, d);
    q[j] = p[j] - h;
    fn(q, &lm, NULL, d);
    CHECK_NEAR(g[j], (lp - lm) / (2 * h), 1e-4 * (1 + fabs(g[j])));
  }
}

int main(void) {
  check_predictions();
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, CUSTAN_EXAMPLES "/data/cdnow_summary.csv", NULL, NULL, &e) == 0);
  if (!f) return check_done("clv");
  size_t n = f->nrows;
  double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T);
  for (size_t i = 0; i < n; i++) {
    x[i] = cu_column_get_f(f->cols[cu_frame_find(f, "frequency")], i);
    tx[i] = cu_column_get_f(f->cols[cu_frame_find(f, "recency")], i);
    T[i] = cu_column_get_f(f->cols[cu_frame_find(f, "T")], i);
  }
  cu_clv_data d;
  CHECK(cu_clv_data_make(&d, x, tx, T, NULL, NULL, n, &e) == 0);
  CHECK(d.total_w == 2357 && d.n < n); /* equal customers were merged */
  cu_fit fit;
  CHECK(cu_bgnbd_fit(&fit, &d, NULL, &e) == 0);
  CHECK(fit.converged);
  CHECK_NEAR(fit.p[0], 0.243, 0.0005);
  CHECK_NEAR(fit.p[1], 4.414, 0.0005);
  CHECK_NEAR(fit.p[2], 0.793, 0.0005);
  CHECK_NEAR(fit.p[3], 2.426, 0.0005);
  CHECK_NEAR(fit.loglik, -9582.4, 0.05);
  CHECK(fit.has_se && fit.se[0] > 0 && fit.se[0] < 0.1);
  CHECK_NEAR(cu_bgnbd_expected(fit.p, 1), 0.0532, 0.00005);
  CHECK_NEAR(cu_bgnbd_expected(fit.p, 3), 0.1506, 0.00005);
  CHECK_NEAR(cu_bgnbd_expected(fit.p, 32), 1.0437, 0.00005);
  CHECK_NEAR(cu_bgnbd_expected(fit.p, 78), 1.8576, 0.0005);
  CHECK_NEAR(cu_bgnbd_conditional(fit.p, 39, 2, 30.43, 38.86), 1.226, 0.0005);
  CHECK_NEAR(fit.aic, 8 - 2 * fit.loglik, 1e-9);
  /* weights: the same customers given once each with weight 2 double the LL */
  double *w = malloc(n * sizeof *w);
  for (size_t i = 0; i < n; i++) w[i] = 2;
  cu_clv_data d2;
  CHECK(cu_clv_data_make(&d2, x, tx, T, NULL, w, n, &e) == 0);
  double ll1, ll2;
  cu_bgnbd_loglik(fit.p, &ll1, NULL, &d);
  cu_bgnbd_loglik(fit.p, &ll2, NULL, &d2);
  CHECK_NEAR(ll2, 2 * ll1, 1e-6);
  /* the analytic gradient against central differences */
  check_gradient(cu_bgnbd_loglik, published, &d);
  /* bad input names the row */
  tx[5] = T[5] + 1;
  cu_clv_data_free(&d2);
  CHECK(cu_clv_data_make(&d2, x, tx, T, NULL, NULL, n, &e) == CU_EARG);
  CHECK(strstr(e.msg, "customer row 6: recency is greater than T") != NULL);
  /* Pareto/NBD: the quadrature of the likelihood's integral against the
   * published closed form with 2F1, for single customers, and the
   * analytic gradient against central differences */
  const double pp[4] = {0.553, 10.578, 0.606, 11.669};
  const double cases[][3] = {{0, 0, 38.86},    {2, 30.43, 38.86}, {1, 1.71, 38.86},
                             {29, 35.1, 36.0}, {5, 10, 38},       {3, 38, 38.5}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double cx = cases[c][0], ctx = cases[c][1], cT = cases[c][2], one = 1, ll;
    cu_clv_data single = {1, &cx, &ctx, &cT, NULL, &one, 1};
    CHECK(cu_pareto_loglik(pp, &ll, NULL, &single) == 0);
    double C1 = -(pp[0] + cx) * log(pp[1] + cT) - pp[2] * log(pp[3] + cT);
    double D = cu_pareto_log_a0_2f1(pp, cx, ctx, cT);
    double L = C1 > D ? C1 + log1p(exp(D - C1)) : D + log1p(exp(C1 - D));
    double closed =
        lgamma(pp[0] + cx) - lgamma(pp[0]) + pp[0] * log(pp[1]) + pp[2] * log(pp[3]) + L;
    CHECK_NEAR(ll, closed, 1e-11);
  }
  check_gradient(cu_pareto_loglik, pp, &d);
  cu_clv_data_free(&d);
  cu_clv_data_free(&d2);
  free(x);
  free(tx);
  free(T);
  free(w);
  cu_frame_release(f);
  return check_done("clv");
}
