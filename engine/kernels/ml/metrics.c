/* metrics.c: evaluation of a binary classifier's scores (see ml.h).
 * Definitions follow scikit-learn's, so the numbers can be checked
 * against it: roc_auc_score, average_precision_score, log_loss,
 * brier_score_loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"

typedef struct scored {
  double p, y, w;
  size_t i;
} scored;

static int by_score_desc(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->p != y->p) return x->p < y->p ? 1 : -1;
  return (x->i > y->i) - (x->i < y->i); /* stable */
}

static int check_inputs(const double *y, const double *p, const double *w, size_t n, cu_err *e) {
  for (size_t i = 0; i < n; i++) {
    if (y[i] != 0 && y[i] != 1)
      return cu_err_set(e, CU_EARG, "row %zu: the label must be 0 or 1, got %g", i + 1, y[i]);
    if (!isfinite(p[i]))
      return cu_err_set(e, CU_EARG, "row %zu: the score is %s", i + 1,
                        isnan(p[i]) ? "missing" : "infinite");
    if (w && !(w[i] >= 0 && isfinite(w[i])))
      return cu_err_set(e, CU_EARG, "row %zu: the weight must be a finite number >= 0", i + 1);
  }
  return CU_OK;
}

int cu_binary_curve(cu_curve *c, const double *y, const double *p, const double *w, size_t n,
                    cu_err *e) {
  memset(c, 0, sizeof *c);
  int st = check_inputs(y, p, w, n, e);
  if (st) return st;
  scored *s = malloc((n ? n : 1) * sizeof *s);
  c->thr = malloc((n ? n : 1) * sizeof *c->thr);
  c->tp = malloc((n ? n : 1) * sizeof *c->tp);
  c->fp = malloc((n ? n : 1) * sizeof *c->fp);
  if (!s || !c->thr || !c->tp || !c->fp) {
    free(s);
    cu_curve_free(c);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) s[i] = (scored){p[i], y[i], w ? w[i] : 1, i};
  qsort(s, n, sizeof *s, by_score_desc);
  double tp = 0, fp = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    tp += s[i].y * s[i].w;
    fp += (1 - s[i].y) * s[i].w;
    if (i + 1 == n || s[i + 1].p != s[i].p) { /* the last row of a score */
      c->thr[m] = s[i].p;
      c->tp[m] = tp;
      c->fp[m] = fp;
      m++;
    }
  }
  c->m = m;
  free(s);
  return CU_OK;
}

void cu_curve_free(cu_curve *c) {
  free(c->thr);
  free(c->tp);
  free(c->fp);
  memset(c, 0, sizeof *c);
}

double cu_curve_roc_auc(const cu_curve *c) {
  if (c->m == 0) return NAN;
  double P = c->tp[c->m - 1], N = c->fp[c->m - 1];
  if (!(P > 0) || !(N > 0)) return NAN;
  double area = 0, tp0 = 0, fp0 = 0;
  for (size_t k = 0; k < c->m; k++) {
    area += (c->fp[k] - fp0) * (c->tp[k] + tp0) / 2;
    tp0 = c->tp[k];
    fp0 = c->fp[k];
  }
  return area / (P * N);
}

double cu_curve_average_precision(const cu_curve *c) {
  if (c->m == 0) return NAN;
  double P = c->tp[c->m - 1];
  if (!(P > 0)) return NAN;
  double ap = 0, r0 = 0;
  for (size_t k = 0; k < c->m; k++) {
    double r = c->tp[k] / P, all = c->tp[k] + c->fp[k];
    double prec = all > 0 ? c->tp[k] / all : 0;
    ap += (r - r0) * prec;
    r0 = r;
  }
  return ap;
}

int cu_prob_scores(const double *y, const double *p, const double *w, size_t n, double eps,
                   double *log_loss, double *brier, cu_err *e) {
  int st = check_inputs(y, p, w, n, e);
  if (st) return st;
  double W = 0, ll = 0, bs = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < 0 || p[i] > 1)
      return cu_err_set(e, CU_EARG, "row %zu: the probability %g is outside [0, 1]", i + 1, p[i]);
    double wi = w ? w[i] : 1, q = p[i];
    if (q < eps) q = eps;
    if (q > 1 - eps) q = 1 - eps;
    ll -= wi * (y[i] ? log(q) : log1p(-q));
    bs += wi * (y[i] - p[i]) * (y[i] - p[i]);
    W += wi;
  }
  if (!(W > 0)) return cu_err_set(e, CU_EARG, "no rows with weight");
  *log_loss = ll / W;
  *brier = bs / W;
  return CU_OK;
}

void cu_confusion(const double *y, const double *p, const double *w, size_t n, double threshold,
                  double cm[4]) {
  cm[0] = cm[1] = cm[2] = cm[3] = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1;
    int pred = p[i] >= threshold;
    if (pred)
      cm[y[i] ? 0 : 1] += wi;
    else
      cm[y[i] ? 3 : 2] += wi;
  }
}

int cu_score_groups(const double *y, const double *p, size_t n, int k, double *out, cu_err *e) {
  if (k < 1) return cu_err_set(e, CU_EARG, "groups must be at least 1");
  int st = check_inputs(y, p, NULL, n, e);
  if (st) return st;
  scored *s = malloc((n ? n : 1) * sizeof *s);
  if (!s) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) s[i] = (scored){p[i], y[i], 1, i};
  qsort(s, n, sizeof *s, by_score_desc);
  for (int g = 0; g < k; g++) {
    size_t lo = (size_t)g * n / (size_t)k, hi = (size_t)(g + 1) * n / (size_t)k;
    double pos = 0, sp = 0, lowest = hi > lo ? s[hi - 1].p : NAN;
    for (size_t i = lo; i < hi; i++) {
      pos += s[i].y;
      sp += s[i].p;
    }
    double *o = out + 4 * g;
    o[0] = (double)(hi - lo);
    o[1] = pos;
    o[2] = hi > lo ? sp / (double)(hi - lo) : NAN;
    o[3] = lowest;
  }
  free(s);
  return CU_OK;
}

void cu_calibration_bins(const double *y, const double *p, size_t n, int k, double *out) {
  memset(out, 0, (size_t)k * 3 * sizeof *out);
  /* scikit-learn's calibration_curve edges: linspace(0, 1 + 1e-8, k + 1),
   * a row in the first bin whose upper edge is not below it */
  double step = (1 + 1e-8) / k;
  for (size_t i = 0; i < n; i++) {
    int b = 0;
    while (b < k - 1 && (b + 1) * step < p[i]) b++;
    out[3 * b] += 1;
    out[3 * b + 1] += p[i];
    out[3 * b + 2] += y[i];
  }
  for (int b = 0; b < k; b++)
    if (out[3 * b] > 0) out[3 * b + 1] /= out[3 * b];
}
