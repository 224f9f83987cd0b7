/* stats.h: experiment design and analysis (two groups).
 *
 * Power and sample size follow statsmodels' NormalIndPower (a two-sided z
 * test, standardised effect h, nobs1 in the first group and ratio x nobs1
 * in the second), so its numbers can be checked there: for proportions h is
 * Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1) (proportion_effectsize), for
 * means the difference over the standard deviation. */
#ifndef CU_STATS_H
#define CU_STATS_H

#include "status.h"

double cu_cohen_h(double p1, double p2);
/* p2 with Cohen's h from p1 (h may be negative); NaN when out of [0, 1] */
double cu_cohen_h_inverse(double p1, double h);

/* Power of the two-sided z test. */
double cu_power_z(double h, double nobs1, double ratio, double alpha);
/* nobs1 (continuous) giving the power; 0 ok. */
int cu_nobs_z(double h, double alpha, double power, double ratio, double *nobs1, cu_err *e);
/* The smallest |h| detected with the power at nobs1; 0 ok. */
int cu_effect_z(double nobs1, double alpha, double power, double ratio, double *h, cu_err *e);

/* Beta(at, bt) for treatment against Beta(ac, bc) for control:
 * P(T > C), and the expected losses E[max(C - T, 0)] of choosing
 * treatment and E[max(T - C, 0)] of choosing control, by quadrature. */
int cu_beta_compare(double at, double bt, double ac, double bc, double *p_better,
                    double *loss_treatment, double *loss_control, cu_err *e);

#endif
