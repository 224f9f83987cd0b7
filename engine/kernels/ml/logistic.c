/* logistic.c: regularised logistic regression (see ml.h).
 *
 * Parameters are b[0] (intercept) and b[1..d] on the standardised
 * features xs = (x - mean) / scale.  Every step makes one pass that
 * accumulates the loss, the gradient and the packed upper triangle of the
 * Hessian over fixed row blocks; the blocks' sums are added in block order. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"
#include "dist.h"
#include "parallel.h"

typedef struct pass {
  const double *const *X; /* d columns */
  const double *y, *w;
  size_t n, d, D; /* D = d + 1 */
  size_t stride;  /* doubles per block slot: loss, g[D], H[D(D+1)/2], padded */
  const double *mean, *inv_scale, *b;
  int hessian;   /* 0 none, 1 every block, k: every k-th block (scaled up) */
  double *slots; /* nblocks x stride */
} pass;

static void pass_block(void *ctx, size_t blk, int thread) {
  (void)thread;
  pass *P = ctx;
  size_t lo = blk * CU_BLOCK_ROWS, hi = lo + CU_BLOCK_ROWS;
  if (hi > P->n) hi = P->n;
  size_t D = P->D, d = P->d;
  double *acc = P->slots + blk * P->stride, *g = acc + 1, *H = acc + 1 + D;
  memset(acc, 0, P->stride * sizeof *acc);
  double xs[D]; /* D is bounded by the caller */
  double loss = 0;
  xs[0] = 1;
  for (size_t i = lo; i < hi; i++) {
    double z = P->b[0];
    for (size_t j = 0; j < d; j++) {
      xs[j + 1] = (P->X[j][i] - P->mean[j]) * P->inv_scale[j];
      z += P->b[j + 1] * xs[j + 1];
    }
    double wi = P->w ? P->w[i] : 1, yi = P->y[i];
    /* one exp for both: p = 1 / (1 + e^-z), log(1 + e^z) = max(z, 0) + log1p(e^-|z|) */
    double ez = exp(-fabs(z)), p = z >= 0 ? 1 / (1 + ez) : ez / (1 + ez);
    loss += wi * ((z > 0 ? z : 0) + log1p(ez) - yi * z);
    double r = wi * (p - yi);
    for (size_t j = 0; j < D; j++) g[j] += r * xs[j];
    if (P->hessian && blk % (size_t)P->hessian == 0) {
      double h = wi * p * (1 - p);
      double *row = H;
      for (size_t j = 0; j < D; j++) {
        double a = h * xs[j];
        for (size_t k = j; k < D; k++) row[k - j] += a * xs[k];
        row += D - j;
      }
    }
  }
  acc[0] = loss;
}

/* Loss, gradient and (when asked) Hessian of the data term at P->b; H is
 * the full D x D matrix. */
static void evaluate(pass *P, int threads, double *loss, double *g, double *H) {
  size_t nb = cu_nblocks(P->n), D = P->D;
  /* split across ranks (dist.h); every rank then has every block's sums */
  int failed = cu_dist_blocks(nb, threads, pass_block, P, P->slots, P->stride, nb * P->stride);
  double *sum = calloc(P->stride, sizeof *sum);
  size_t hrows = 0;
  for (size_t b = 0; b < nb; b++) /* in block order: the same bits on any threads */
    for (size_t k = 0; k < (P->hessian ? P->stride : 1 + D); k++)
      sum[k] += P->slots[b * P->stride + k];
  for (size_t b = 0; P->hessian && b < nb; b += (size_t)P->hessian)
    hrows += (b + 1) * CU_BLOCK_ROWS < P->n ? CU_BLOCK_ROWS : P->n - b * CU_BLOCK_ROWS;
  *loss = failed ? NAN : sum[0]; /* an MPI failure reads as a failed step */
  memcpy(g, sum + 1, D * sizeof *g);
  if (P->hessian) {
    const double *t = sum + 1 + D;
    double up = (double)P->n / (double)hrows; /* a sampled Hessian, scaled to all rows */
    for (size_t j = 0; j < D; j++)
      for (size_t k = j; k < D; k++) H[j * D + k] = H[k * D + j] = up * *t++;
  }
  free(sum);
}

/* Largest violation of the optimality conditions of the full objective. */
static double violation(const double *g, const double *b, size_t D, double lam, cu_penalty pen,
                        int fit_intercept) {
  double v = 0;
  for (size_t j = fit_intercept ? 0 : 1; j < D; j++) {
    double r;
    if (j == 0)
      r = fabs(g[0]);
    else if (pen == CU_PENALTY_L2)
      r = fabs(g[j] + lam * b[j]);
    else if (pen == CU_PENALTY_L1)
      r = b[j] != 0 ? fabs(g[j] + (b[j] > 0 ? lam : -lam)) : fmax(0, fabs(g[j]) - lam);
    else
      r = fabs(g[j]);
    if (r > v) v = r;
  }
  return v;
}

static double penalty_value(const double *b, size_t D, double lam, cu_penalty pen) {
  double s = 0;
  for (size_t j = 1; j < D; j++) s += pen == CU_PENALTY_L1 ? fabs(b[j]) : 0.5 * b[j] * b[j];
  return pen == CU_PENALTY_NONE ? 0 : lam * s;
}

/* Newton direction for the smooth objectives: (H + lam I') dir = -(g + lam b').
 * A is overwritten.  Returns 0, or -1 if the system is singular even with
 * a small ridge. */
static int newton_direction(double *A, const double *g, const double *b, size_t D, double lam,
                            cu_penalty pen, int fit_intercept, double *dir) {
  double ridge = 0, tr = 0;
  for (size_t j = 0; j < D; j++) tr += A[j * D + j];
  double *M = malloc(D * D * sizeof *M);
  if (!M) return -1;
  for (int attempt = 0; attempt < 8; attempt++) {
    memcpy(M, A, D * D * sizeof *M);
    for (size_t j = 0; j < D; j++) {
      if (j > 0 && pen == CU_PENALTY_L2) M[j * D + j] += lam;
      M[j * D + j] += ridge;
      dir[j] = -(g[j] + (j > 0 && pen == CU_PENALTY_L2 ? lam * b[j] : 0));
    }
    if (!fit_intercept) { /* pin b[0] */
      for (size_t k = 0; k < D; k++) M[k] = M[k * D] = 0;
      M[0] = 1;
      dir[0] = 0;
    }
    gsl_matrix_view mv = gsl_matrix_view_array(M, D, D);
    gsl_vector_view dv = gsl_vector_view_array(dir, D);
    if (gsl_linalg_cholesky_decomp1(&mv.matrix) == 0 &&
        gsl_linalg_cholesky_svx(&mv.matrix, &dv.vector) == 0) {
      free(M);
      return 0;
    }
    ridge = ridge ? ridge * 100 : 1e-10 * (tr / (double)D + 1);
  }
  free(M);
  return -1;
}

static inline double soft(double z, double t) { return z > t ? z - t : z < -t ? z + t : 0; }

/* Proximal Newton direction for L1: minimises over dir
 *   g'dir + dir'H dir / 2 + lam |b + dir|_1 (intercept free)
 * by cyclic coordinate descent. */
static void prox_direction(const double *H, const double *g, const double *b, size_t D, double lam,
                           int fit_intercept, double *dir, double *Hd) {
  memset(dir, 0, D * sizeof *dir);
  memset(Hd, 0, D * sizeof *Hd);
  for (int sweep = 0; sweep < 1000; sweep++) {
    double change = 0, scale = 0;
    for (size_t j = fit_intercept ? 0 : 1; j < D; j++) {
      double a = H[j * D + j] > 1e-12 ? H[j * D + j] : 1e-12;
      double c = g[j] + Hd[j] - a * dir[j];
      double u = j == 0 ? b[0] - c / a : soft(a * b[j] - c, lam) / a;
      double nd = u - b[j], delta = nd - dir[j];
      if (delta != 0) {
        for (size_t k = 0; k < D; k++) Hd[k] += H[k * D + j] * delta;
        dir[j] = nd;
      }
      if (fabs(delta) > change) change = fabs(delta);
      if (fabs(u) > scale) scale = fabs(u);
    }
    if (change <= 1e-13 * (scale + 1)) break;
  }
}

int cu_logit_fit(cu_logit *m, const double *const *X, size_t n, size_t d, const double *y,
                 const double *w, const cu_logit_options *o, cu_err *e) {
  memset(m, 0, sizeof *m);
  if (n == 0) return cu_err_set(e, CU_EARG, "no rows to fit");
  if (d > 2000) return cu_err_set(e, CU_EARG, "%zu features: at most 2000", d);
  if (o->penalty != CU_PENALTY_NONE && !(o->C > 0))
    return cu_err_set(e, CU_EARG, "C must be positive, got %g", o->C);
  double W = 0, pos = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1;
    if (y[i] != 0 && y[i] != 1)
      return cu_err_set(e, CU_EARG, "row %zu: the label must be 0 or 1, got %g", i + 1, y[i]);
    if (!(wi >= 0) || !isfinite(wi))
      return cu_err_set(e, CU_EARG, "row %zu: the weight must be a finite number >= 0, got %g",
                        i + 1, wi);
    W += wi;
    pos += wi * y[i];
  }
  if (!(W > 0)) return cu_err_set(e, CU_EARG, "the weights sum to zero");
  size_t D = d + 1, nb = cu_nblocks(n);
  size_t stride = (1 + D + D * (D + 1) / 2 + 7) / 8 * 8; /* whole cache lines */
  m->d = d;
  m->coef = calloc(d ? d : 1, sizeof *m->coef);
  m->coef_std = calloc(d ? d : 1, sizeof *m->coef_std);
  m->mean = calloc(d ? d : 1, sizeof *m->mean);
  m->scale = calloc(d ? d : 1, sizeof *m->scale);
  double *inv = calloc(d ? d : 1, sizeof *inv), *b = calloc(D, sizeof *b);
  double *g = calloc(D, sizeof *g), *H = calloc(D * D, sizeof *H), *dir = calloc(D, sizeof *dir);
  double *bn = calloc(D, sizeof *bn), *gn = calloc(D, sizeof *gn), *Hn = calloc(D * D, sizeof *Hn);
  double *Hd = calloc(D, sizeof *Hd);
  double *slots = aligned_alloc(64, nb * stride * sizeof *slots);
  int st = CU_OK;
  if (!m->coef || !m->coef_std || !m->mean || !m->scale || !inv || !b || !g || !H || !dir || !bn ||
      !gn || !Hn || !Hd || !slots) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  /* the standardisation: unweighted mean and population standard deviation,
   * as scikit-learn's StandardScaler */
  for (size_t j = 0; j < d; j++) m->scale[j] = 1;
  if (o->standardize) {
    for (size_t j = 0; j < d; j++) { /* the mean, then centred squares (corrected) */
      const double *x = X[j];
      double s = 0, c = 0;
      for (size_t i = 0; i < n; i++) s += x[i];
      double mu = s / (double)n;
      s = 0;
      for (size_t i = 0; i < n; i++) {
        double t = x[i] - mu;
        s += t * t;
        c += t;
      }
      double var = (s - c * c / (double)n) / (double)n, sd = var > 0 ? sqrt(var) : 0;
      m->mean[j] = mu;
      m->scale[j] = sd > 1e-12 * fmax(1, fabs(mu)) ? sd : 1;
    }
  }
  for (size_t j = 0; j < d; j++) inv[j] = 1 / m->scale[j];
  double lam = o->penalty == CU_PENALTY_NONE ? 0 : 1 / o->C;
  int fi = o->fit_intercept;
  if (fi && pos > 0 && pos < W) b[0] = log(pos / (W - pos)); /* the prior log-odds */
  /* Past 16 blocks (262,144 rows) the Hessian comes from every k-th block,
   * about 16 of them: the gradient stays exact, so the solution is the
   * same, and a step costs a third as much for a step or two more.  The
   * standard errors take one exact Hessian at the end. */
  int hstride = nb > 32 ? (int)(nb / 16) : 1;
  pass P = {X, y, w, n, d, D, stride, m->mean, inv, b, hstride, slots};
  double loss;
  evaluate(&P, o->threads, &loss, g, H);
  double f = loss + penalty_value(b, D, lam, o->penalty);
  int max_iter = o->max_iter > 0 ? o->max_iter : 100;
  double tol = o->tol > 0 ? o->tol : 1e-10;
  int it = 0, stalled = 0;
  for (; it < max_iter; it++) {
    m->violation = violation(g, b, D, lam, o->penalty, fi) / W;
    /* converged; or the objective no longer moves in its 15th digit while
     * the gradient is small: the optimum as far as rounding lets an
     * ill-conditioned problem (a nearly constant feature) be solved */
    if (m->violation <= tol || (stalled >= 2 && m->violation <= 1e-6)) {
      m->converged = 1;
      break;
    }
    if (cu_interrupted) {
      st = cu_err_set(e, CU_EINTR, "interrupted");
      break;
    }
    double slope; /* directional derivative of the objective along dir */
    if (o->penalty == CU_PENALTY_L1) {
      prox_direction(H, g, b, D, lam, fi, dir, Hd);
      double l1_now = 0, l1_new = 0;
      slope = 0;
      for (size_t j = 0; j < D; j++) {
        slope += g[j] * dir[j];
        if (j > 0) l1_now += fabs(b[j]), l1_new += fabs(b[j] + dir[j]);
      }
      slope += lam * (l1_new - l1_now);
    } else {
      if (newton_direction(H, g, b, D, lam, o->penalty, fi, dir)) {
        st = cu_err_set(e, CU_EARG, "the Hessian is singular (features are collinear)");
        break;
      }
      slope = 0;
      for (size_t j = 0; j < D; j++)
        slope += (g[j] + (j > 0 && o->penalty == CU_PENALTY_L2 ? lam * b[j] : 0)) * dir[j];
    }
    if (!(slope < 0)) { /* no descent left: at the optimum to rounding */
      m->converged = m->violation <= 1e3 * tol;
      break;
    }
    double t = 1, fn = f;
    int accepted = 0;
    for (int ls = 0; ls < 40; ls++, t *= 0.5) {
      for (size_t j = 0; j < D; j++) bn[j] = b[j] + t * dir[j];
      P.b = bn;
      double ln;
      evaluate(&P, o->threads, &ln, gn, Hn);
      fn = ln + penalty_value(bn, D, lam, o->penalty);
      if (fn <= f + 1e-4 * t * slope) {
        accepted = 1;
        break;
      }
    }
    P.b = b;
    if (!accepted) { /* the objective is flat to rounding along dir */
      m->converged = m->violation <= 1e3 * tol;
      break;
    }
    stalled = f - fn <= 1e-15 * fabs(f) ? stalled + 1 : 0;
    memcpy(b, bn, D * sizeof *b);
    memcpy(g, gn, D * sizeof *g);
    memcpy(H, Hn, D * D * sizeof *H);
    f = fn;
  }
  m->iterations = it;
  if (st) goto restore;
  m->objective = f;
  m->loglik = -(f - penalty_value(b, D, lam, o->penalty));
  m->intercept_std = b[0];
  m->intercept = b[0];
  for (size_t j = 0; j < d; j++) {
    m->coef_std[j] = b[j + 1];
    m->coef[j] = b[j + 1] * inv[j];
    m->intercept -= m->coef[j] * m->mean[j];
  }
  if (o->penalty == CU_PENALTY_NONE && fi) {
    if (hstride > 1) { /* the exact Hessian at the solution */
      double ln;
      P.hessian = 1;
      evaluate(&P, o->threads, &ln, gn, H);
    }
    /* covariance on the fitted scale = H^-1; on the original scale
     * intercept = b0 - sum b_j m_j / s_j and coef_j = b_j / s_j */
    gsl_matrix_view hv = gsl_matrix_view_array(H, D, D);
    if (gsl_linalg_cholesky_decomp1(&hv.matrix) == 0 &&
        gsl_linalg_cholesky_invert(&hv.matrix) == 0 && (m->se = calloc(D, sizeof *m->se))) {
      double *a = dir; /* the intercept's row of the transformation */
      a[0] = 1;
      for (size_t j = 0; j < d; j++) a[j + 1] = -m->mean[j] * inv[j];
      double v0 = 0;
      for (size_t j = 0; j < D; j++)
        for (size_t k = 0; k < D; k++) v0 += a[j] * H[j * D + k] * a[k];
      m->se[0] = sqrt(v0);
      for (size_t j = 0; j < d; j++) m->se[j + 1] = sqrt(H[(j + 1) * D + j + 1]) * inv[j];
    }
  }
restore:
done:
  free(inv);
  free(b);
  free(g);
  free(H);
  free(dir);
  free(bn);
  free(gn);
  free(Hn);
  free(Hd);
  free(slots);
  if (st) cu_logit_free(m);
  return st;
}

void cu_logit_free(cu_logit *m) {
  free(m->coef);
  free(m->coef_std);
  free(m->mean);
  free(m->scale);
  free(m->se);
  memset(m, 0, sizeof *m);
}

typedef struct pred {
  const cu_logit *m;
  const double *const *X;
  size_t n;
  double *p;
} pred;

static void predict_block(void *ctx, size_t blk, int thread) {
  (void)thread;
  pred *P = ctx;
  size_t lo = blk * CU_BLOCK_ROWS, hi = lo + CU_BLOCK_ROWS, d = P->m->d;
  if (hi > P->n) hi = P->n;
  for (size_t i = lo; i < hi; i++) {
    double z = P->m->intercept;
    for (size_t j = 0; j < d; j++) z += P->m->coef[j] * P->X[j][i];
    P->p[i] = 1 / (1 + exp(-z));
  }
}

void cu_logit_predict(const cu_logit *m, const double *const *X, size_t n, double *p, int threads) {
  pred P = {m, X, n, p};
  cu_parallel_blocks(cu_nblocks(n), threads, predict_block, &P);
}
