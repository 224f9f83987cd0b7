/* world.h: a synthetic e-commerce world with known truth.
 *
 * Customers are drawn segment by segment from the processes the CLV models
 * assume: a purchase rate lambda ~ Gamma(r, alpha) and either BG/NBD
 * dropout (after each repeat purchase the customer leaves with
 * p ~ Beta(a, b)) or Pareto/NBD dropout (an exponential lifetime with
 * mu ~ Gamma(s, beta)), and Gamma-Gamma spend (nu ~ Gamma(q, gamma), each
 * order's value ~ Gamma(p, nu)).  Weekday and month weights modulate the
 * purchase rate (thinning); an optional experiment multiplies it for a
 * random half of the customers over a window.  Each order's lines come
 * from a product catalogue by the segment's category preferences, their
 * list prices scaled to the order's value.  The log runs for `days` days;
 * a further `holdout_days` are simulated for the truth file only.
 *
 * Customers come in blocks of CU_WORLD_BLOCK, each drawn from its own
 * stream (seed, block): the files are the same bytes for a seed at any
 * thread count.  Orders and lines are written grouped by customer, each
 * customer's in time order.  Docs: docs/models.md, "The generated world". */
#ifndef CU_WORLD_H
#define CU_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CU_WORLD_BLOCK 4096

typedef enum { CU_WORLD_BGNBD = 0, CU_WORLD_PARETO = 1 } cu_world_process;

typedef struct {
  double share;
  cu_world_process process;
  double r, alpha;           /* purchase rate: lambda ~ Gamma(shape r, rate alpha), per day */
  double a, b;               /* BG/NBD: p ~ Beta(a, b); Pareto/NBD: mu ~ Gamma(shape a, rate b) */
  double p, q, gamma;        /* spend: nu ~ Gamma(q, rate gamma), order value ~ Gamma(p, rate nu) */
  double lines_mean;         /* mean lines per order (>= 1) */
  double quantity_mean;      /* mean quantity per line (>= 1) */
  double views_mean;         /* mean product views per web session (>= 1) */
  double view_to_cart;       /* share of sessions that put something in the cart */
  double cart_to_purchase;   /* share of carts bought */
  double signup_from, signup_to; /* first purchase uniform in [from, to) days */
  const double *categories;  /* ncategories weights */
  const double *countries;   /* ncountries weights */
  const double *ages;        /* nages weights */
  const double *channels;    /* nchannels weights */
} cu_world_segment;

typedef struct {
  const char *name;
  size_t products;
  double median_price, price_spread; /* list price: median x exp(spread x N(0, 1)) */
  double popularity;                 /* Zipf exponent of the products' popularity */
  double margin;
} cu_world_category;

typedef struct {
  size_t nsegments;
  const cu_world_segment *segments;
  const char *const *segment_names;
  size_t ncategories;
  const cu_world_category *categories;
  size_t ncountries, nages, nchannels;
  const char *const *countries, *const *regions, *const *ages, *const *channels;
  double weekday[7];  /* Monday first */
  double month[12];
  double cancel_rate; /* share of orders cancelled (a C invoice the same day) */
  double return_rate; /* share of lines returned 1-30 days later */
  int64_t start_day;  /* the log's first day, days since 1970-01-01 */
  int days, holdout_days;
  int experiment;                  /* 1: a test runs over [exp_start, exp_start + exp_days) */
  int exp_start, exp_days;         /* days from the start */
  double exp_share, exp_lift;      /* share treated; purchase-rate multiplier - 1 */
  int layout;                      /* 0: Online Retail, 1: Online Retail II */
} cu_world;

/* Files to write (NULL: not written); each is written whole or not at all
 * by the caller's staging (the kernel writes in place). */
typedef struct {
  const char *orders, *events, *customers, *products, *truth, *experiment;
} cu_world_files;

typedef struct {
  uint64_t customers, orders, lines, cancel_lines, return_lines, events, holdout_orders;
} cu_world_counts;

/* Checks the world (names the bad field in e); 0 ok. */
int cu_world_check(const cu_world *w, cu_err *e);

/* Draws n customers of the world with the seed and writes the files. */
int cu_world_generate(const cu_world *w, size_t n, uint64_t seed, int threads,
                      const cu_world_files *f, cu_world_counts *counts, cu_err *e);

#endif
