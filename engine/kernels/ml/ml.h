/* ml.h: the churn models' kernels that are ours: regularised logistic
 * regression, the evaluation metrics of a binary classifier, and SMOTE.
 * (Trees come from XGBoost's C API; see xgb.h.)
 *
 * Features have no missing values (the bindings check them and name the
 * bad feature and row): logistic regression reads d columns of n doubles
 * (a frame's float64 columns as they are, no copy), SMOTE a row-major
 * n x d matrix.  Labels are 0 or 1; weights, where taken, may be NULL
 * (all 1). */
#ifndef CU_ML_H
#define CU_ML_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* ------------------------------------------------- logistic regression -- */

typedef enum { CU_PENALTY_NONE, CU_PENALTY_L2, CU_PENALTY_L1 } cu_penalty;

typedef struct cu_logit_options {
  cu_penalty penalty;
  double C;          /* inverse penalty strength, as scikit-learn's C (1) */
  int standardize;   /* centre and scale features inside the model */
  int fit_intercept; /* the intercept is never penalised */
  int max_iter;      /* Newton iterations (100) */
  double tol;        /* stop when the largest optimality violation of the
                        objective, divided by the total weight, is below
                        this (1e-10) */
  int threads;       /* 0: the default */
} cu_logit_options;

/* Objective (scikit-learn's, divided by C):
 *   sum_i w_i logloss_i + 1/(2C) |beta|^2   (L2)
 *   sum_i w_i logloss_i + 1/C |beta|_1      (L1)
 * on the standardised features.  L2 and no penalty take Newton steps
 * (Cholesky of the Hessian); L1 takes proximal Newton steps (coordinate
 * descent on the local quadratic model, as glmnet and liblinear do); both
 * with a backtracking line search.  One pass over the data per step gives
 * the loss, gradient and Hessian, over fixed row blocks combined in block
 * order, so the fit has the same bits with any number of threads. */
typedef struct cu_logit {
  size_t d;
  double *coef;         /* d: per unit of each feature */
  double intercept;     /* on the original scale */
  double *coef_std;     /* d: per standard deviation (the fitted scale) */
  double intercept_std; /* at the feature means */
  double *mean, *scale; /* d: the standardisation (0 and 1 without it) */
  double *se;           /* d + 1 (intercept first), original scale; NULL
                           unless the fit is unpenalised (the usual MLE
                           standard errors, from the inverse Hessian) */
  double objective;     /* at the solution */
  double loglik;        /* weighted log-likelihood */
  double violation;     /* optimality violation / total weight at the end */
  int iterations, converged;
} cu_logit;

int cu_logit_fit(cu_logit *m, const double *const *X, size_t n, size_t d, const double *y,
                 const double *w, const cu_logit_options *o, cu_err *e);
void cu_logit_free(cu_logit *m);
/* P(y = 1) of each row. */
void cu_logit_predict(const cu_logit *m, const double *const *X, size_t n, double *p, int threads);

/* ------------------------------------------------------------- metrics -- */

/* The points of the ROC and precision-recall curves: the distinct scores
 * in decreasing order, with the weighted positives (tp) and negatives (fp)
 * scoring at or above each, as scikit-learn's _binary_clf_curve. */
typedef struct cu_curve {
  size_t m;
  double *thr, *tp, *fp;
} cu_curve;

int cu_binary_curve(cu_curve *c, const double *y, const double *p, const double *w, size_t n,
                    cu_err *e);
void cu_curve_free(cu_curve *c);
/* Area under the ROC curve (trapezoids); NaN when a class is absent. */
double cu_curve_roc_auc(const cu_curve *c);
/* Average precision, sum over thresholds of (R_k - R_{k-1}) P_k, the
 * area under the precision-recall step curve; NaN without positives. */
double cu_curve_average_precision(const cu_curve *c);

/* Weighted mean log loss (p clipped to [eps, 1 - eps]) and Brier score. */
int cu_prob_scores(const double *y, const double *p, const double *w, size_t n, double eps,
                   double *log_loss, double *brier, cu_err *e);

/* Weighted confusion counts with "positive" meaning p >= threshold:
 * cm = {tp, fp, tn, fn}. */
void cu_confusion(const double *y, const double *p, const double *w, size_t n, double threshold,
                  double cm[4]);

/* Rows sorted by p descending and cut into k groups of as equal size as
 * can be (group g holds rows [g n / k, (g + 1) n / k)); per group: rows,
 * positives, mean p, lowest p.  out is k x 4.  0 ok. */
int cu_score_groups(const double *y, const double *p, size_t n, int k, double *out, cu_err *e);

/* Reliability table: p in k equal-width bins of [0, 1] (1 falls in the
 * last); per bin: rows, mean p, positives.  out is k x 3. */
void cu_calibration_bins(const double *y, const double *p, size_t n, int k, double *out);

/* --------------------------------------------------------------- SMOTE -- */

/* Synthetic minority rows (Chawla et al. 2002): each of the n_new rows
 * takes a minority row and one of its k nearest minority neighbours, both
 * uniformly at random, and a point uniformly on the segment between them.
 * Distances are Euclidean on the features divided by their standard
 * deviation among the minority rows, so no feature dominates by its unit.
 * Neighbours are found exactly (all pairs, on threads).  out: n_new x d.
 * Seeded: the same seed gives the same rows with any thread count. */
int cu_smote(const double *X, size_t n, size_t d, const uint8_t *minority, int k, size_t n_new,
             uint64_t seed, int threads, double *out, cu_err *e);

#endif
