/* random.c: seeded streams, shuffles and stratified splits. */
#include "random.h"

#include <math.h>
#include <stdlib.h>

gsl_rng *cu_rng_for(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1); /* splitmix64 */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r) gsl_rng_set(r, (unsigned long)(z ? z : 1));
  return r;
}

void cu_shuffle(size_t *idx, size_t n, gsl_rng *r) {
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i), t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

/* Rows of each class in a shuffled order: order[start[c] .. start[c + 1]). */
static int class_orders(const int32_t *cls, size_t n, int ncls, uint64_t seed, size_t **order,
                        size_t **start, cu_err *e) {
  size_t *st = calloc((size_t)ncls + 1, sizeof *st), *ord = malloc((n ? n : 1) * sizeof *ord);
  size_t *tmp = malloc((n ? n : 1) * sizeof *tmp), *fill = calloc((size_t)ncls, sizeof *fill);
  gsl_rng *r = cu_rng_for(seed, 0x5b117);
  if (!st || !ord || !tmp || !fill || !r) {
    free(st), free(ord), free(tmp), free(fill);
    if (r) gsl_rng_free(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    if (cls[i] < 0 || cls[i] >= ncls) {
      free(st), free(ord), free(tmp), free(fill);
      gsl_rng_free(r);
      return cu_err_set(e, CU_EARG, "row %zu: class %d out of range", i + 1, (int)cls[i]);
    }
    st[cls[i] + 1]++;
  }
  for (int c = 0; c < ncls; c++) st[c + 1] += st[c];
  for (size_t i = 0; i < n; i++) ord[st[cls[i]] + fill[cls[i]]++] = i;
  for (int c = 0; c < ncls; c++) { /* one shuffle per class, in class order */
    size_t m = st[c + 1] - st[c];
    cu_shuffle(tmp, m, r);
    for (size_t k = 0; k < m; k++) tmp[k] = ord[st[c] + tmp[k]];
    for (size_t k = 0; k < m; k++) ord[st[c] + k] = tmp[k];
  }
  free(tmp);
  free(fill);
  gsl_rng_free(r);
  *order = ord;
  *start = st;
  return CU_OK;
}

int cu_stratified_split(const int32_t *cls, size_t n, int ncls, double test_fraction, uint64_t seed,
                        uint8_t *is_test, cu_err *e) {
  if (!(test_fraction > 0 && test_fraction < 1))
    return cu_err_set(e, CU_EARG, "the test fraction must be between 0 and 1, got %g",
                      test_fraction);
  size_t *ord, *st;
  int rc = class_orders(cls, n, ncls, seed, &ord, &st, e);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) is_test[i] = 0;
  for (int c = 0; c < ncls; c++) {
    size_t m = st[c + 1] - st[c], t = (size_t)floor(test_fraction * (double)m + 0.5);
    for (size_t k = 0; k < t; k++) is_test[ord[st[c] + k]] = 1;
  }
  free(ord);
  free(st);
  return CU_OK;
}

int cu_stratified_folds(const int32_t *cls, size_t n, int ncls, int k, uint64_t seed, int32_t *fold,
                        cu_err *e) {
  if (k < 2 || (size_t)k > n)
    return cu_err_set(e, CU_EARG, "%d folds need between 2 and %zu rows per fold", k, n);
  size_t *ord, *st;
  int rc = class_orders(cls, n, ncls, seed, &ord, &st, e);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) fold[ord[i]] = (int32_t)(i % (size_t)k);
  free(ord);
  free(st);
  return CU_OK;
}

/* ------------------------------------------------------------ samplers -- */

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "parallel.h"

static const char *const dist_names[] = {"constant", "uniform",    "normal",      "lognormal",
                                         "beta",     "gamma",      "poisson",     "binomial",
                                         "negbin",   "triangular", "truncnormal", "discrete"};

const char *cu_dist_name(cu_dist_kind k) {
  return (unsigned)k <= CU_DIST_DISCRETE ? dist_names[k] : "?";
}

static int bad(cu_err *e, const cu_dist *d, const char *what) {
  unsigned k = (unsigned)d->kind;
  return cu_err_set(e, CU_EARG, "%s: %s", k <= CU_DIST_DISCRETE ? dist_names[k] : "distribution",
                    what);
}

int cu_dist_check(cu_dist *d, cu_err *e) {
  double a = d->a, b = d->b, c = d->c, h = d->d;
  if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(h))
    return bad(e, d, "parameters must be finite numbers");
  switch (d->kind) {
  case CU_DIST_CONSTANT: return CU_OK;
  case CU_DIST_UNIFORM: return a < b ? CU_OK : bad(e, d, "needs lo < hi");
  case CU_DIST_NORMAL: return b >= 0 ? CU_OK : bad(e, d, "the sd must be >= 0");
  case CU_DIST_LOGNORMAL: return b >= 0 ? CU_OK : bad(e, d, "the sdlog must be >= 0");
  case CU_DIST_BETA: return a > 0 && b > 0 ? CU_OK : bad(e, d, "alpha and beta must be > 0");
  case CU_DIST_GAMMA: return a > 0 && b > 0 ? CU_OK : bad(e, d, "shape and scale must be > 0");
  case CU_DIST_POISSON: return a >= 0 ? CU_OK : bad(e, d, "the mean must be >= 0");
  case CU_DIST_BINOMIAL:
    return a >= 0 && a == floor(a) && a < 4294967296.0 && b >= 0 && b <= 1
               ? CU_OK
               : bad(e, d, "needs whole trials >= 0 and 0 <= p <= 1");
  case CU_DIST_NEGBIN:
    return a > 0 && b > 0 && b <= 1 ? CU_OK : bad(e, d, "needs r > 0 and 0 < p <= 1");
  case CU_DIST_TRIANGULAR:
    return a <= b && b <= c && a < c ? CU_OK : bad(e, d, "needs lo <= mode <= hi, lo < hi");
  case CU_DIST_TRUNCNORMAL:
    if (!(b > 0)) return bad(e, d, "the sd must be > 0");
    if (!(c < h)) return bad(e, d, "needs lo < hi");
    if (!(gsl_cdf_ugaussian_P((h - a) / b) - gsl_cdf_ugaussian_P((c - a) / b) > 1e-12))
      return bad(e, d, "[lo, hi] is too far in the tail of the normal");
    return CU_OK;
  case CU_DIST_DISCRETE: {
    if (d->nvalues == 0) return bad(e, d, "needs at least one value");
    double *cum = malloc(d->nvalues * sizeof *cum), t = 0;
    if (!cum) return cu_err_set(e, CU_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nvalues; i++) {
      double w = d->weights ? d->weights[i] : 1;
      if (!isfinite(d->values[i]) || !(w >= 0) || !isfinite(w)) {
        free(cum);
        return bad(e, d, "values must be finite and weights finite and >= 0");
      }
      cum[i] = t += w;
    }
    if (!(t > 0)) {
      free(cum);
      return bad(e, d, "the weights sum to zero");
    }
    for (size_t i = 0; i < d->nvalues; i++) cum[i] /= t;
    cum[d->nvalues - 1] = 1;
    d->cum = cum;
    return CU_OK;
  }
  }
  return bad(e, d, "unknown distribution");
}

void cu_dist_free(cu_dist *d) {
  free(d->cum);
  d->cum = NULL;
}

/* first index whose cumulative probability reaches u */
static size_t discrete_index(const cu_dist *d, double u) {
  size_t lo = 0, hi = d->nvalues - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (d->cum[mid] >= u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static double tri_quantile(double a, double m, double c, double u) {
  double f = (m - a) / (c - a);
  return u < f ? a + sqrt(u * (c - a) * (m - a)) : c - sqrt((1 - u) * (c - a) * (c - m));
}

static double truncnorm_quantile(const cu_dist *d, double u) {
  double pa = gsl_cdf_ugaussian_P((d->c - d->a) / d->b);
  double pb = gsl_cdf_ugaussian_P((d->d - d->a) / d->b);
  double x = d->a + d->b * gsl_cdf_ugaussian_Pinv(pa + u * (pb - pa));
  return x < d->c ? d->c : x > d->d ? d->d : x;
}

double cu_dist_draw(const cu_dist *d, gsl_rng *r) {
  switch (d->kind) {
  case CU_DIST_CONSTANT: return d->a;
  case CU_DIST_UNIFORM: return d->a + (d->b - d->a) * gsl_rng_uniform(r);
  case CU_DIST_NORMAL: return d->a + gsl_ran_gaussian_ziggurat(r, d->b);
  case CU_DIST_LOGNORMAL: return gsl_ran_lognormal(r, d->a, d->b);
  case CU_DIST_BETA: return gsl_ran_beta(r, d->a, d->b);
  case CU_DIST_GAMMA: return gsl_ran_gamma(r, d->a, d->b);
  case CU_DIST_POISSON: return gsl_ran_poisson(r, d->a);
  case CU_DIST_BINOMIAL: return gsl_ran_binomial(r, d->b, (unsigned)d->a);
  case CU_DIST_NEGBIN: return gsl_ran_negative_binomial(r, d->b, d->a);
  case CU_DIST_TRIANGULAR: return tri_quantile(d->a, d->b, d->c, gsl_rng_uniform_pos(r));
  case CU_DIST_TRUNCNORMAL: return truncnorm_quantile(d, gsl_rng_uniform_pos(r));
  case CU_DIST_DISCRETE: return d->values[discrete_index(d, gsl_rng_uniform_pos(r))];
  }
  return NAN;
}

static double truncnorm_moment(const cu_dist *d, int second) {
  double al = (d->c - d->a) / d->b, be = (d->d - d->a) / d->b;
  double Z = gsl_cdf_ugaussian_P(be) - gsl_cdf_ugaussian_P(al);
  double pa = gsl_ran_ugaussian_pdf(al), pb = gsl_ran_ugaussian_pdf(be);
  double m = d->a + d->b * (pa - pb) / Z;
  if (!second) return m;
  double t = (pa - pb) / Z;
  return d->b * d->b * (1 + (al * pa - be * pb) / Z - t * t);
}

double cu_dist_mean(const cu_dist *d) {
  double a = d->a, b = d->b;
  switch (d->kind) {
  case CU_DIST_CONSTANT: return a;
  case CU_DIST_UNIFORM: return (a + b) / 2;
  case CU_DIST_NORMAL: return a;
  case CU_DIST_LOGNORMAL: return exp(a + b * b / 2);
  case CU_DIST_BETA: return a / (a + b);
  case CU_DIST_GAMMA: return a * b;
  case CU_DIST_POISSON: return a;
  case CU_DIST_BINOMIAL: return a * b;
  case CU_DIST_NEGBIN: return a * (1 - b) / b;
  case CU_DIST_TRIANGULAR: return (a + b + d->c) / 3;
  case CU_DIST_TRUNCNORMAL: return truncnorm_moment(d, 0);
  case CU_DIST_DISCRETE: {
    double m = 0, prev = 0;
    for (size_t i = 0; i < d->nvalues; i++) {
      m += d->values[i] * (d->cum[i] - prev);
      prev = d->cum[i];
    }
    return m;
  }
  }
  return NAN;
}

double cu_dist_variance(const cu_dist *d) {
  double a = d->a, b = d->b, c = d->c;
  switch (d->kind) {
  case CU_DIST_CONSTANT: return 0;
  case CU_DIST_UNIFORM: return (b - a) * (b - a) / 12;
  case CU_DIST_NORMAL: return b * b;
  case CU_DIST_LOGNORMAL: return (exp(b * b) - 1) * exp(2 * a + b * b);
  case CU_DIST_BETA: return a * b / ((a + b) * (a + b) * (a + b + 1));
  case CU_DIST_GAMMA: return a * b * b;
  case CU_DIST_POISSON: return a;
  case CU_DIST_BINOMIAL: return a * b * (1 - b);
  case CU_DIST_NEGBIN: return a * (1 - b) / (b * b);
  case CU_DIST_TRIANGULAR: return (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
  case CU_DIST_TRUNCNORMAL: return truncnorm_moment(d, 1);
  case CU_DIST_DISCRETE: {
    double m = cu_dist_mean(d), v = 0, prev = 0;
    for (size_t i = 0; i < d->nvalues; i++) {
      v += (d->values[i] - m) * (d->values[i] - m) * (d->cum[i] - prev);
      prev = d->cum[i];
    }
    return v;
  }
  }
  return NAN;
}

/* the smallest whole k with cdf(k) >= q */
static double discrete_quantile(double q, double (*cdf)(unsigned, double, double), double p1,
                                double p2, double start) {
  double k = floor(start > 0 ? start : 0);
  while (k > 0 && cdf((unsigned)(k - 1), p1, p2) >= q) k--;
  while (cdf((unsigned)k, p1, p2) < q) k++;
  return k;
}
static double poisson_cdf(unsigned k, double mu, double unused) {
  (void)unused;
  return gsl_cdf_poisson_P(k, mu);
}
static double binomial_cdf(unsigned k, double n, double p) {
  return gsl_cdf_binomial_P(k, p, (unsigned)n);
}
static double negbin_cdf(unsigned k, double r, double p) {
  return gsl_cdf_negative_binomial_P(k, p, r);
}

double cu_dist_quantile(const cu_dist *d, double q) {
  double a = d->a, b = d->b;
  switch (d->kind) {
  case CU_DIST_CONSTANT: return a;
  case CU_DIST_UNIFORM: return a + q * (b - a);
  case CU_DIST_NORMAL: return b > 0 ? a + gsl_cdf_gaussian_Pinv(q, b) : a;
  case CU_DIST_LOGNORMAL: return gsl_cdf_lognormal_Pinv(q, a, b);
  case CU_DIST_BETA: return gsl_cdf_beta_Pinv(q, a, b);
  case CU_DIST_GAMMA: return gsl_cdf_gamma_Pinv(q, a, b);
  case CU_DIST_POISSON: return discrete_quantile(q, poisson_cdf, a, 0, a);
  case CU_DIST_BINOMIAL: return discrete_quantile(q, binomial_cdf, a, b, a * b);
  case CU_DIST_NEGBIN: return discrete_quantile(q, negbin_cdf, a, b, a * (1 - b) / b);
  case CU_DIST_TRIANGULAR: return tri_quantile(a, b, d->c, q);
  case CU_DIST_TRUNCNORMAL: return truncnorm_quantile(d, q);
  case CU_DIST_DISCRETE: return d->values[discrete_index(d, q)];
  }
  return NAN;
}

typedef struct fill_job {
  const cu_dist *d;
  uint64_t seed, stream;
  double *out;
  size_t n;
  int failed;
} fill_job;

static void fill_block(void *ctx, size_t blk, int thread) {
  (void)thread;
  fill_job *J = ctx;
  gsl_rng *r = cu_rng_for(J->seed, (J->stream << 20) + blk);
  if (!r) {
    J->failed = 1;
    return;
  }
  size_t lo = blk * CU_BLOCK_ROWS, hi = lo + CU_BLOCK_ROWS < J->n ? lo + CU_BLOCK_ROWS : J->n;
  for (size_t i = lo; i < hi; i++) J->out[i] = cu_dist_draw(J->d, r);
  gsl_rng_free(r);
}

int cu_mvnormal(double *out, size_t n, size_t k, const double *mean, const double *cov,
                uint64_t seed, uint64_t stream, cu_err *e) {
  if (k == 0) return cu_err_set(e, CU_EARG, "a multivariate normal needs at least one dimension");
  gsl_matrix *L = gsl_matrix_alloc(k, k);
  gsl_vector *mu = gsl_vector_alloc(k), *x = gsl_vector_alloc(k);
  gsl_rng *r = cu_rng_for(seed, stream);
  int st = CU_OK;
  if (!L || !mu || !x || !r) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < k; i++) {
    gsl_vector_set(mu, i, mean[i]);
    for (size_t j = 0; j < k; j++) gsl_matrix_set(L, i, j, cov[i * k + j]);
  }
  if (gsl_linalg_cholesky_decomp1(L) != GSL_SUCCESS) {
    st = cu_err_set(e, CU_ERANGE, "the covariance is not positive definite");
    goto done;
  }
  for (size_t d = 0; d < n; d++) {
    if (gsl_ran_multivariate_gaussian(r, mu, L, x) != GSL_SUCCESS) {
      st = cu_err_set(e, CU_ERANGE, "the multivariate normal draw failed");
      goto done;
    }
    for (size_t i = 0; i < k; i++) out[d * k + i] = gsl_vector_get(x, i);
  }
done:
  gsl_matrix_free(L);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  if (r) gsl_rng_free(r);
  return st;
}

int cu_dist_fill(const cu_dist *d, uint64_t seed, uint64_t stream, double *out, size_t n,
                 int threads, cu_err *e) {
  fill_job J = {d, seed, stream, out, n, 0};
  cu_parallel_blocks(cu_nblocks(n), threads, fill_block, &J);
  return J.failed ? cu_err_set(e, CU_ENOMEM, "out of memory") : CU_OK;
}
