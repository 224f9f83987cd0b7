/* xgb.h: gradient-boosted trees and random forests through XGBoost's C API.
 *
 * custan does not grow trees itself: this file only moves a row-major
 * double matrix into an XGBoost DMatrix (as float32, which is what the
 * Python package does with a float64 array too), passes parameters through
 * as strings, and saves models in XGBoost's own JSON format, so a model
 * trained here loads in XGBoost anywhere (Python, R, Spark) and back.
 * Missing values are NaN, as XGBoost expects. */
#ifndef CU_XGB_H
#define CU_XGB_H

#include <stddef.h>

#include "status.h"

typedef struct cu_xgb cu_xgb;

/* Trains `rounds` boosting rounds of a binary:logistic model (unless the
 * parameters say otherwise).  keys/vals are XGBoost parameter names and
 * values (eta, max_depth, subsample, num_parallel_tree, nthread, seed, ...);
 * names (may be NULL) become the model's feature names. */
int cu_xgb_train(cu_xgb **out, const double *X, size_t n, size_t d, const double *y,
                 const double *w, const char *const *keys, const char *const *vals, size_t nparams,
                 int rounds, const char *const *names, cu_err *e);
void cu_xgb_free(cu_xgb *m);

/* P(y = 1) (the model's prediction) of each row; d must be the model's. */
int cu_xgb_predict(cu_xgb *m, const double *X, size_t n, size_t d, double *p, int threads,
                   cu_err *e);

/* k outputs of each row, row-major in p (n x k): a multi:softprob model's
 * class probabilities (k = num_class); k = 1 is cu_xgb_predict. */
int cu_xgb_predict_k(cu_xgb *m, const double *X, size_t n, size_t d, size_t k, double *p,
                     int threads, cu_err *e);

/* The model as XGBoost JSON; *json is malloc'ed (free it). */
int cu_xgb_save(cu_xgb *m, char **json, size_t *len, cu_err *e);
/* A model from XGBoost JSON (or its binary UBJSON). */
int cu_xgb_load(cu_xgb **out, const char *buf, size_t len, cu_err *e);

/* String attributes stored in the model file (learner.attributes). */
int cu_xgb_set_attr(cu_xgb *m, const char *key, const char *value, cu_err *e);
/* *value is malloc'ed, or NULL when the model has no such attribute. */
int cu_xgb_get_attr(cu_xgb *m, const char *key, char **value, cu_err *e);

/* Number of features and boosted rounds of the model. */
int cu_xgb_shape(cu_xgb *m, size_t *features, int *rounds, cu_err *e);

/* Importance of each feature the trees use: type is "gain", "total_gain",
 * "weight", "cover" or "total_cover".  names and scores are malloc'ed
 * arrays of *count entries (free each name, then the arrays). */
int cu_xgb_importance(cu_xgb *m, const char *type, size_t *count, char ***names, double **scores,
                      cu_err *e);

/* XGBoost's own collective (Rabit): after cu_xgb_collective_start on
 * every worker, with the tracker's address in `config` (XGBoost's JSON:
 * dmlc_communicator, DMLC_TRACKER_URI, DMLC_TRACKER_PORT, DMLC_TASK_ID),
 * cu_xgb_train on each worker's own rows trains one model together: the
 * histograms are summed across workers each round.  Stop it after. */
int cu_xgb_collective_start(const char *config, cu_err *e);
void cu_xgb_collective_stop(void);

/* XGBoost's version, e.g. "1.7.4". */
const char *cu_xgb_version(void);

#endif
