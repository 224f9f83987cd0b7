/* clv_mle.c: the maximum-likelihood driver every CLV model shares
 * (cu_fit_mle).  It minimises the negative mean log-likelihood (plus an
 * optional L2 penalty, lifetimes' penalizer_coef) over log parameters with
 * GSL's vector_bfgs2, then damped Newton steps, falling back to nmsimplex2
 * and to other starts; standard errors come from the inverse of a
 * central-difference Hessian of the analytic gradient.  It knows nothing
 * of any model: CLVTools' split between likelihoods and their interlayers. */
#include "clv.h"

#include "dist.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct objctx {
  size_t k;
  cu_loglik_fn fn;
  void *ud;
  double n_obs, pen;
  double *p, *g; /* scratch [k] each: parameters and gradient of one evaluation */
} objctx;

/* f and gradient in log parameters; NaN where the model cannot say */
static void objective(const gsl_vector *v, void *params, double *f, gsl_vector *df) {
  objctx *c = params;
  double *p = c->p, *g = c->g, ll;
  for (size_t j = 0; j < c->k; j++) {
    double th = gsl_vector_get(v, j);
    if (!(fabs(th) < 700)) {
      *f = GSL_NAN;
      if (df) gsl_vector_set_all(df, GSL_NAN);
      return;
    }
    p[j] = exp(th);
  }
  if (c->fn(p, &ll, g, c->ud)) {
    *f = GSL_NAN;
    if (df) gsl_vector_set_all(df, GSL_NAN);
    return;
  }
  double pen = 0;
  for (size_t j = 0; j < c->k; j++) pen += p[j] * p[j];
  *f = -ll / c->n_obs + c->pen * pen;
  if (df)
    for (size_t j = 0; j < c->k; j++)
      gsl_vector_set(df, j, p[j] * (-g[j] / c->n_obs + 2 * c->pen * p[j]));
}

static double obj_f(const gsl_vector *v, void *params) {
  double f;
  objective(v, params, &f, NULL);
  return f;
}
static void obj_df(const gsl_vector *v, void *params, gsl_vector *df) {
  double f;
  objective(v, params, &f, df);
}
static void obj_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *df) {
  objective(v, params, f, df);
}

/* BFGS from theta (updated in place); returns the gradient norm reached. */
static double run_bfgs(objctx *c, gsl_vector *theta, int max_iter, double tol, int *iters) {
  gsl_multimin_function_fdf F = {obj_f, obj_df, obj_fdf, c->k, c};
  gsl_multimin_fdfminimizer *s =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, c->k);
  if (!s) return INFINITY;
  double gnorm = INFINITY;
  if (gsl_multimin_fdfminimizer_set(s, &F, theta, 0.1, 0.1) == GSL_SUCCESS && isfinite(s->f)) {
    double mark = s->f;
    for (int it = 0; it < max_iter; it++) {
      (*iters)++;
      int st = gsl_multimin_fdfminimizer_iterate(s);
      if (!isfinite(s->f)) break;
      gnorm = gsl_blas_dnrm2(s->gradient);
      if (gnorm < tol || st) break;
      if (it % 50 == 49) { /* creeping along a flat ridge: 50 steps gained nothing */
        if (!(mark - s->f > 1e-8 * fabs(mark))) break;
        mark = s->f;
      }
    }
    if (isfinite(s->f)) {
      gsl_vector_memcpy(theta, s->x);
      gnorm = gsl_blas_dnrm2(s->gradient);
    }
  }
  gsl_multimin_fdfminimizer_free(s);
  return gnorm;
}

/* Damped Newton from theta, with the Hessian from differences of the
 * analytic gradient.  BFGS gets near the optimum in a few iterations but
 * then creeps along flat ridges (Pareto/NBD's s and beta take it 30 more);
 * Newton's steps follow the ridge, so a handful finish the job.  Returns
 * the gradient norm reached; theta only moves to points that lower f. */
static double run_newton(objctx *c, gsl_vector *theta, int max_iter, double tol, int *iters) {
  size_t k = c->k;
  gsl_vector *g = gsl_vector_alloc(k), *gh = gsl_vector_alloc(k), *d = gsl_vector_alloc(k);
  gsl_vector *trial = gsl_vector_alloc(k);
  gsl_matrix *H = gsl_matrix_alloc(k, k), *A = gsl_matrix_alloc(k, k);
  double f, gnorm = INFINITY, lambda = 1e-6;
  if (!g || !gh || !d || !trial || !H || !A) goto done;
  objective(theta, c, &f, g);
  for (int it = 0; it < max_iter && isfinite(f); it++) {
    gnorm = gsl_blas_dnrm2(g);
    if (!(gnorm >= tol)) break;
    (*iters)++;
    for (size_t j = 0; j < k; j++) { /* forward differences of the gradient */
      double fh, h = 1e-6 * (1 + fabs(gsl_vector_get(theta, j)));
      gsl_vector_memcpy(trial, theta);
      gsl_vector_set(trial, j, gsl_vector_get(theta, j) + h);
      objective(trial, c, &fh, gh);
      for (size_t i = 0; i < k; i++)
        gsl_matrix_set(H, i, j, (gsl_vector_get(gh, i) - gsl_vector_get(g, i)) / h);
    }
    int moved = 0;
    for (int tries = 0; tries < 12 && !moved; tries++, lambda *= 10) {
      for (size_t i = 0; i < k; i++) /* symmetrised, with a Levenberg-Marquardt shift */
        for (size_t j = 0; j < k; j++)
          gsl_matrix_set(A, i, j,
                         0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i)) +
                             (i == j ? lambda * (1 + fabs(gsl_matrix_get(H, i, i))) : 0));
      if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS) continue;
      gsl_linalg_cholesky_solve(A, g, d);
      gsl_vector_memcpy(trial, theta);
      gsl_vector_sub(trial, d);
      double ft;
      objective(trial, c, &ft, gh);
      if (isfinite(ft) && ft <= f) {
        gsl_vector_memcpy(theta, trial);
        gsl_vector_memcpy(g, gh);
        f = ft;
        moved = 1;
        lambda = fmax(lambda / 100, 1e-9);
      }
    }
    if (!moved) break;
  }
  gnorm = isfinite(f) ? gsl_blas_dnrm2(g) : INFINITY;
done:
  gsl_vector_free(g);
  gsl_vector_free(gh);
  gsl_vector_free(d);
  gsl_vector_free(trial);
  gsl_matrix_free(H);
  gsl_matrix_free(A);
  return gnorm;
}

/* Nelder-Mead from theta, for when BFGS stalls on a bad start. */
static void run_simplex(objctx *c, gsl_vector *theta, int max_iter, int *iters) {
  gsl_multimin_function F = {obj_f, c->k, c};
  gsl_multimin_fminimizer *s =
      gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->k);
  gsl_vector *step = gsl_vector_alloc(c->k);
  if (s && step) {
    gsl_vector_set_all(step, 0.5);
    if (gsl_multimin_fminimizer_set(s, &F, theta, step) == GSL_SUCCESS && isfinite(s->fval)) {
      double mark = s->fval;
      for (int it = 0; it < max_iter; it++) {
        (*iters)++;
        if (gsl_multimin_fminimizer_iterate(s)) break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-9) == GSL_SUCCESS) break;
        if (it % 200 == 199) { /* the simplex drifts along a flat ridge */
          if (!(mark - s->fval > 1e-8 * fabs(mark))) break;
          mark = s->fval;
        }
      }
      if (isfinite(s->fval)) gsl_vector_memcpy(theta, s->x);
    }
  }
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(s);
}

static void standard_errors(cu_fit *out, objctx *c) {
  size_t k = c->k;
  double ll, *H = malloc((k * k + 3 * k) * sizeof *H);
  if (!H) {
    snprintf(out->message, sizeof out->message, "out of memory for the Hessian");
    return;
  }
  double *gp = H + k * k, *gm = gp + k, *p = gm + k;
  for (size_t j = 0; j < k; j++) {
    memcpy(p, out->p, k * sizeof *p);
    double h = 1e-5 * out->p[j];
    p[j] = out->p[j] + h;
    int bad = c->fn(p, &ll, gp, c->ud);
    p[j] = out->p[j] - h;
    bad |= c->fn(p, &ll, gm, c->ud);
    if (bad) {
      snprintf(out->message, sizeof out->message, "the Hessian could not be computed");
      free(H);
      return;
    }
    for (size_t i = 0; i < k; i++) H[i * k + j] = -(gp[i] - gm[i]) / (2 * h); /* of -LL */
  }
  gsl_matrix *M = gsl_matrix_alloc(k, k);
  if (!M) {
    free(H);
    return;
  }
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) gsl_matrix_set(M, i, j, 0.5 * (H[i * k + j] + H[j * k + i]));
  free(H);
  if (gsl_linalg_cholesky_decomp1(M) == GSL_SUCCESS &&
      gsl_linalg_cholesky_invert(M) == GSL_SUCCESS) {
    int ok = 1;
    for (size_t i = 0; i < k; i++) {
      for (size_t j = 0; j < k; j++) out->cov[i * k + j] = gsl_matrix_get(M, i, j);
      ok &= out->cov[i * k + i] > 0;
      out->se[i] = ok ? sqrt(out->cov[i * k + i]) : 0;
    }
    out->has_se = ok;
  }
  if (!out->has_se)
    snprintf(out->message, sizeof out->message,
             "the Hessian is not positive definite: no standard errors");
  gsl_matrix_free(M);
}

int cu_fit_mle(cu_fit *out, size_t k, cu_loglik_fn fn, void *ud, double n_obs,
               const cu_fit_options *o, cu_err *e) {
  cu_fit_options defaults = {0};
  if (!o) o = &defaults;
  memset(out, 0, sizeof *out);
  out->k = k;
  out->n_obs = n_obs;
  if (k == 0 || !(n_obs > 0)) return cu_err_set(e, CU_EARG, "nothing to fit (%g customers)", n_obs);
  out->p = calloc(k, sizeof *out->p);
  out->se = calloc(k, sizeof *out->se);
  out->cov = calloc(k * k, sizeof *out->cov);
  double *scratch = malloc(2 * k * sizeof *scratch);
  int max_iter = o->max_iter > 0 ? o->max_iter : 500;
  double tol = o->tol > 0 ? o->tol : 1e-7;
  objctx c = {k, fn, ud, n_obs, o->penalizer, scratch, scratch ? scratch + k : NULL};
  gsl_vector *theta = gsl_vector_alloc(k), *best = gsl_vector_alloc(k);
  if (!theta || !best || !out->p || !out->se || !out->cov || !scratch) {
    gsl_vector_free(theta);
    gsl_vector_free(best);
    free(scratch);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  static const double scales[] = {1, 0.5, 2, 0.1, 10};
  double best_f = INFINITY, best_g = INFINITY;
  int iters = 0, starts = 0;
  for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
    starts++;
    for (size_t j = 0; j < k; j++)
      gsl_vector_set(theta, j, log((o->start ? o->start[j] : 1.0) * scales[s]));
    double g = run_bfgs(&c, theta, max_iter, fmax(tol, 1e-2), &iters);
    if (!(g < tol)) g = run_newton(&c, theta, 50, tol, &iters);
    if (!(g < tol)) g = run_bfgs(&c, theta, max_iter, tol, &iters);
    for (int round = 0; round < 3 && !(g < tol); round++) { /* stalled: shake and retry */
      double before = obj_f(theta, &c);
      run_simplex(&c, theta, 2000, &iters);
      g = run_bfgs(&c, theta, max_iter, tol, &iters);
      /* a shake that gains nothing is on a flat ridge (parameters running
       * off to the edge, as Pareto/NBD's s and beta on data without
       * dropout): more shakes only cost time */
      if (!(before - obj_f(theta, &c) > 1e-10 * fabs(before))) break;
    }
    double f = obj_f(theta, &c);
    /* a start that stalls where an earlier one did has found the same ridge */
    int same_ridge = !(g < tol) && isfinite(best_f) && fabs(f - best_f) < 1e-6 * fabs(best_f);
    if (isfinite(f) && (f < best_f - 1e-12 || (g < tol && !(best_g < tol)))) {
      best_f = f;
      best_g = g;
      gsl_vector_memcpy(best, theta);
    }
    if (g < tol || same_ridge) break; /* a converged start is enough */
    /* starts that each run hundreds of iterations without converging are
     * lost on a ridge the data cannot resolve; stop once they have used
     * max_iter together (a Pareto/NBD on data without dropout took 20 s
     * for five such starts) */
    if (iters >= max_iter) break;
  }
  out->iterations = iters;
  out->starts = starts;
  snprintf(out->method, sizeof out->method, "bfgs2");
  int st = CU_OK;
  if (!isfinite(best_f)) {
    st = cu_err_set(e, CU_ERANGE, "the likelihood could not be evaluated from any start");
  } else {
    for (size_t j = 0; j < k; j++) out->p[j] = exp(gsl_vector_get(best, j));
    double ll;
    fn(out->p, &ll, c.g, ud);
    out->loglik = ll;
    out->grad_norm = best_g;
    out->converged = best_g < tol;
    out->aic = 2.0 * (double)k - 2 * ll;
    out->bic = (double)k * log(n_obs) - 2 * ll;
    if (!out->converged)
      snprintf(out->message, sizeof out->message,
               "did not converge: gradient norm %.3g after %d iterations from %d starts", best_g,
               iters, starts);
    standard_errors(out, &c);
  }
  gsl_vector_free(theta);
  gsl_vector_free(best);
  free(scratch);
  return st;
}

void cu_fit_free(cu_fit *f) {
  if (!f) return;
  free(f->p);
  free(f->se);
  free(f->cov);
  f->p = f->se = f->cov = NULL;
}


/* ------------------------------------------------- blocks of customer rows -- */

typedef struct blocked {
  cu_loglik_fn fn;
  const cu_clv_data *d;
  size_t k, nblocks, stride; /* a block's slot: failed, ll, gradient[k] */
  const double *p;
  int want_grad;
  double *slots;
} blocked;

static void loglik_block(void *ctx, size_t b, int thread) {
  (void)thread;
  blocked *B = ctx;
  const cu_clv_data *d = B->d;
  size_t lo = b * CU_CLV_BLOCK, hi = lo + CU_CLV_BLOCK < d->n ? lo + CU_CLV_BLOCK : d->n;
  cu_clv_data v = {hi - lo, d->x + lo, d->tx + lo, d->T + lo, d->m ? d->m + lo : NULL, d->w + lo, 0};
  double *s = B->slots + b * B->stride;
  memset(s, 0, B->stride * sizeof *s);
  s[0] = B->fn(B->p, &s[1], B->want_grad ? s + 2 : NULL, &v) ? 1 : 0;
}

static int blocked_loglik(const double *p, double *ll, double *grad, void *ud) {
  blocked *B = ud;
  B->p = p;
  B->want_grad = grad != NULL;
  if (cu_dist_blocks(B->nblocks, 0, loglik_block, B, B->slots, B->stride,
                     B->nblocks * B->stride))
    return -1;
  double tot = 0;
  if (grad)
    for (size_t j = 0; j < B->k; j++) grad[j] = 0;
  for (size_t b = 0; b < B->nblocks; b++) { /* in block order */
    const double *s = B->slots + b * B->stride;
    if (s[0] != 0) return -1;
    tot += s[1];
    if (grad)
      for (size_t j = 0; j < B->k; j++) grad[j] += s[2 + j];
  }
  if (!isfinite(tot)) return -1;
  *ll = tot;
  return 0;
}

int cu_clv_fit_mle(cu_fit *out, size_t k, cu_loglik_fn fn, const cu_clv_data *d, double n_obs,
                   const cu_fit_options *o, cu_err *e) {
  size_t nb = (d->n + CU_CLV_BLOCK - 1) / CU_CLV_BLOCK;
  blocked B = {fn, d, k, nb, 2 + k, NULL, 0, calloc((nb ? nb : 1) * (2 + k), sizeof(double))};
  if (!B.slots) {
    memset(out, 0, sizeof *out);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  int st = cu_fit_mle(out, k, blocked_loglik, &B, n_obs, o, e);
  free(B.slots);
  return st;
}
