/* test_sim.c: samplers, the policy simulation and the experiment
 * statistics.  Sample sizes: statsmodels 0.13.5 NormalIndPower (see
 * tests/reference/experiment.py); P(T > C): a 2,000,000-draw Monte Carlo
 * there (0.98942). */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "parallel.h"
#include "policy.h"
#include "random.h"
#include "stats.h"

static void check_moments(cu_dist d, double tol_sd) {
  cu_err e = {0};
  CHECK(cu_dist_check(&d, &e) == 0);
  size_t n = 200000;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  CHECK(cu_dist_fill(&d, 7, 3, x, n, 1, &e) == 0);
  CHECK(cu_dist_fill(&d, 7, 3, y, n, 2, &e) == 0);
  CHECK(memcmp(x, y, n * sizeof *x) == 0); /* the same draws on 1 and 2 threads */
  double s = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  double m = s / (double)n;
  for (size_t i = 0; i < n; i++) s2 += (x[i] - m) * (x[i] - m);
  double v = s2 / (double)(n - 1), mean = cu_dist_mean(&d), var = cu_dist_variance(&d);
  double se = sqrt(var / (double)n) + 1e-12;
  if (!(fabs(m - mean) < tol_sd * se))
    fprintf(stderr, "%s: mean %g, expected %g\n", cu_dist_name(d.kind), m, mean);
  CHECK(fabs(m - mean) < tol_sd * se);
  CHECK(fabs(v - var) < 0.03 * var + 1e-12);
  /* the median quantile splits the draws in half */
  double q = cu_dist_quantile(&d, 0.5);
  size_t below = 0;
  for (size_t i = 0; i < n; i++) below += x[i] < q;
  if (d.kind != CU_DIST_POISSON && d.kind != CU_DIST_BINOMIAL && d.kind != CU_DIST_NEGBIN &&
      d.kind != CU_DIST_DISCRETE && d.kind != CU_DIST_CONSTANT)
    CHECK(fabs((double)below / (double)n - 0.5) < 0.01);
  cu_dist_free(&d);
  free(x);
  free(y);
}

static void test_samplers(void) {
  double vals[3] = {1, 2, 5}, w[3] = {0.2, 0.5, 0.3};
  check_moments((cu_dist){CU_DIST_UNIFORM, 2, 5, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_NORMAL, 1, 2, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_LOGNORMAL, 0, 0.5, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_BETA, 2, 5, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_GAMMA, 3, 2, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_POISSON, 4, 0, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_BINOMIAL, 20, 0.3, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_NEGBIN, 3, 0.4, 0, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_TRIANGULAR, 0, 1, 4, 0, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_TRUNCNORMAL, 0.1, 0.05, 0, 0.3, NULL, NULL, 0, NULL}, 5);
  check_moments((cu_dist){CU_DIST_DISCRETE, 0, 0, 0, 0, vals, w, 3, NULL}, 5);
  cu_dist bad = {CU_DIST_BETA, -1, 2, 0, 0, NULL, NULL, 0, NULL};
  cu_err e = {0};
  CHECK(cu_dist_check(&bad, &e) == CU_EARG);
  CHECK_STR(e.msg, "beta: alpha and beta must be > 0");
  cu_dist tri = {CU_DIST_TRIANGULAR, 0, 1, 4, 0, NULL, NULL, 0, NULL};
  CHECK_NEAR(cu_dist_quantile(&tri, 0.25), 1.0, 1e-12); /* F(1) = 1/4 */
}

static void test_policy(void) {
  double count[3] = {1000, 500, 2000}, retain[3] = {0.4, 0.8, 0.6}, orders[3] = {2, 1, 1.5};
  double ov[3] = {100, 60, 90};
  int32_t seg[3] = {0, 0, 1};
  cu_policy_groups g = {3, count, retain, orders, ov, seg, 2};
  enum { D = 4000 };
  static double up[D], sv[D], out[D * 2 * CU_POLICY_NOUT], out2[D * 2 * CU_POLICY_NOUT];
  for (int d = 0; d < D; d++) up[d] = 0.3, sv[d] = 0.25;
  cu_policy_draws a = {D, up, sv, 0};
  cu_err e = {0};
  CHECK(cu_policy_simulate(&g, &a, 5, 1, out, &e) == 0);
  CHECK(cu_policy_simulate(&g, &a, 5, 2, out2, &e) == 0);
  CHECK(memcmp(out, out2, sizeof out) == 0);
  double ex[2 * CU_POLICY_NOUT];
  cu_policy_expect(&g, &a, 0, ex);
  /* closed forms of segment 0's sums: k = n u, m = k r', r' = r + (1 - r) s */
  double k0 = 0, m0 = 0, kr0 = 0, mov0 = 0, krov0 = 0, mo0 = 0;
  for (int i = 0; i < 2; i++) {
    double rt = retain[i] + (1 - retain[i]) * 0.25, k = count[i] * 0.3;
    k0 += k, m0 += k * rt, kr0 += k * retain[i];
    mov0 += k * rt * ov[i], krov0 += k * retain[i] * ov[i], mo0 += k * rt * orders[i];
  }
  CHECK_NEAR(ex[CU_POLICY_CONTACTED], 1500, 1e-9);
  CHECK_NEAR(ex[CU_POLICY_CONVERSIONS], k0, 1e-9);
  CHECK_NEAR(ex[CU_POLICY_STAYED], m0, 1e-9);
  CHECK_NEAR(ex[CU_POLICY_BASE_STAYED], kr0, 1e-9);
  CHECK_NEAR(ex[CU_POLICY_STAYED_VALUE], mov0, 1e-8);
  CHECK_NEAR(ex[CU_POLICY_BASE_VALUE], krov0, 1e-8);
  CHECK_NEAR(ex[CU_POLICY_STAYED_ORDERS], mo0, 1e-9);
  /* every simulated sum's mean is its expectation within 4 standard errors */
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < CU_POLICY_NOUT; k++) {
      double m = 0, m2 = 0;
      for (int d = 0; d < D; d++) m += out[(d * 2 + s) * CU_POLICY_NOUT + k];
      m /= D;
      for (int d = 0; d < D; d++) {
        double t = out[(d * 2 + s) * CU_POLICY_NOUT + k] - m;
        m2 += t * t;
      }
      double se = sqrt(m2 / (D - 1) / D);
      CHECK(fabs(m - ex[s * CU_POLICY_NOUT + k]) <= 4 * se + 1e-9);
    }
  up[7] = 1.5;
  CHECK(cu_policy_simulate(&g, &a, 5, 1, out, &e) == CU_EARG);
  CHECK(strstr(e.msg, "draw 8: uptake 1.5 is not a probability") != NULL);
}

/* cu_mvnormal: the sample mean and covariance of 200,000 draws recover
 * N(mean, cov) within sampling error, and the same seed gives the same draws. */
static void test_mvnormal(void) {
  enum { N = 200000 };
  static double x[N * 2], y[N * 2];
  const double mean[2] = {1, -2}, cov[4] = {4, 1.2, 1.2, 1};
  cu_err e = {0};
  CHECK(cu_mvnormal(x, N, 2, mean, cov, 7, 3, &e) == 0);
  CHECK(cu_mvnormal(y, N, 2, mean, cov, 7, 3, &e) == 0);
  CHECK(memcmp(x, y, sizeof x) == 0);
  double m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0;
  for (int i = 0; i < N; i++) m0 += x[2 * i], m1 += x[2 * i + 1];
  m0 /= N, m1 /= N;
  for (int i = 0; i < N; i++) {
    double a = x[2 * i] - m0, b = x[2 * i + 1] - m1;
    c00 += a * a, c01 += a * b, c11 += b * b;
  }
  c00 /= N - 1, c01 /= N - 1, c11 /= N - 1;
  CHECK(fabs(m0 - 1) < 4 * 2 / sqrt(N) && fabs(m1 + 2) < 4 * 1 / sqrt(N));
  CHECK(fabs(c00 - 4) < 0.05 && fabs(c01 - 1.2) < 0.03 && fabs(c11 - 1) < 0.015);
  const double bad[4] = {1, 2, 2, 1}; /* not positive definite */
  CHECK(cu_mvnormal(x, 1, 2, mean, bad, 7, 3, &e) == CU_ERANGE);
}

static void test_stats(void) {
  double n;
  cu_err e = {0};
  CHECK(cu_nobs_z(cu_cohen_h(0.10, 0.12), 0.05, 0.8, 1, &n, &e) == 0);
  CHECK_NEAR(n, 3834.5957398840, 1e-5);
  CHECK(cu_nobs_z(cu_cohen_h(0.30, 0.27), 0.01, 0.8, 2, &n, &e) == 0);
  CHECK_NEAR(n, 3964.0145298151, 1e-5);
  CHECK(cu_nobs_z(0.05, 0.05, 0.9, 3, &n, &e) == 0);
  CHECK_NEAR(n, 5603.9570209514, 1e-5);
  CHECK_NEAR(cu_power_z(0.05, 5000, 1, 0.05), 0.705418001114, 1e-10);
  double h;
  CHECK(cu_effect_z(2000, 0.05, 0.8, 1, &h, &e) == 0);
  CHECK_NEAR(h, 0.088593847446, 1e-7); /* statsmodels' root is 5e-8 off: */
  CHECK_NEAR(cu_power_z(h, 2000, 1, 0.05), 0.8, 1e-12);
  CHECK_NEAR(cu_cohen_h_inverse(0.1, cu_cohen_h(0.1, 0.13)), 0.13, 1e-12);
  double p, lt, lc;
  CHECK(cu_beta_compare(1101, 8901, 1001, 9001, &p, &lt, &lc, &e) == 0);
  CHECK_NEAR(p, 0.98942, 0.0003);
  CHECK_NEAR(lt, 0.0000155, 0.000002);
  CHECK_NEAR(lc, 0.0100132, 0.00002);
  CHECK_NEAR(lc - lt, 1102.0 / 10002 - 1002.0 / 10002, 1e-9); /* E[T - C] exactly */
  CHECK(cu_nobs_z(0.1, 0.05, 0.01, 1, &n, &e) == CU_EARG);
}

/* thread counts from the CPUs a process may use and what else runs */
static void test_threads(void) {
  int n = cu_available_cpus();
  CHECK(n >= 1 && n <= 4096);
  CHECK(cu_default_threads() >= 1 && cu_default_threads() <= 2);
  /* 2 CPUs, only the caller running: 2; two CPU burners beside it: 1 */
  CHECK(cu_idle_threads_for(2, 1, 2) == 2);
  CHECK(cu_idle_threads_for(2, 3, 2) == 1);
  CHECK(cu_idle_threads_for(2, 2, 2) == 1);
  CHECK(cu_idle_threads_for(8, 4, 2) == 2);
  CHECK(cu_idle_threads_for(1, 9, 4) == 1);
  setenv("CUSTAN_THREADS", "3", 1);
  CHECK(cu_idle_threads(2) == 3 && cu_default_threads() == 3);
  unsetenv("CUSTAN_THREADS");
  CHECK(cu_idle_threads(2) >= 1 && cu_idle_threads(2) <= 2);
}

int main(void) {
  test_threads();
  test_samplers();
  test_policy();
  test_mvnormal();
  test_stats();
  return check_done("sim");
}
