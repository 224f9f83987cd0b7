/* world.c: the generated world (see world.h and docs/models.md).
 *
 * Work goes in chunks of blocks: the blocks of a chunk are simulated on
 * threads (each from its own stream), invoice numbers are then handed out
 * in block order, the blocks' text is formatted on threads, and the text
 * is written in block order.  Nothing depends on which thread ran what. */
#include "world.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "parallel.h"
#include "random.h"

enum { F_ORDERS, F_EVENTS, F_CUSTOMERS, F_TRUTH, F_EXPERIMENT, NFILES };

/* Streams: customer blocks, their web sessions, the catalogue. */
#define STREAM_CUSTOMERS 0x10000000ULL
#define STREAM_EVENTS 0x20000000ULL
#define STREAM_CATALOGUE 1ULL
#define MAX_ORDERS_PER_CUSTOMER 100000
#define FIRST_INVOICE 536365ULL
#define FIRST_CUSTOMER 100001ULL

/* ------------------------------------------------------------ text -- */

typedef struct {
  char *p;
  size_t n, cap;
  int oom;
} wbuf;

static int wb_reserve(wbuf *b, size_t add) {
  if (b->oom) return -1;
  if (b->n + add <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap < b->n + add) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

static void wb_put(wbuf *b, const char *s, size_t len) {
  if (wb_reserve(b, len)) return;
  memcpy(b->p + b->n, s, len);
  b->n += len;
}

static void wb_str(wbuf *b, const char *s) { wb_put(b, s, strlen(s)); }
static void wb_ch(wbuf *b, char c) { wb_put(b, &c, 1); }

static void wb_u64(wbuf *b, uint64_t v) {
  char t[24];
  int i = 24;
  do {
    t[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  wb_put(b, t + i, (size_t)(24 - i));
}

static void wb_i64(wbuf *b, int64_t v) {
  if (v < 0) {
    wb_ch(b, '-');
    wb_u64(b, (uint64_t)(-v));
  } else {
    wb_u64(b, (uint64_t)v);
  }
}

/* cents as a decimal with two places */
static void wb_cents(wbuf *b, int64_t c) {
  if (c < 0) {
    wb_ch(b, '-');
    c = -c;
  }
  wb_u64(b, (uint64_t)(c / 100));
  char t[3] = {'.', (char)('0' + (c % 100) / 10), (char)('0' + c % 10)};
  wb_put(b, t, 3);
}

/* a number with 10 significant digits; nothing when it is not finite */
static void wb_dbl(wbuf *b, double v) {
  if (!isfinite(v)) return;
  char t[40];
  int k = snprintf(t, sizeof t, "%.10g", v);
  wb_put(b, t, (size_t)k);
}

static void two(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

/* seconds since 1970 as "YYYY-MM-DD HH:MM:SS" (date_only: "YYYY-MM-DD") */
static void wb_time(wbuf *b, int64_t sec, int date_only) {
  int64_t day = cu_floordiv(sec, 86400), s = sec - day * 86400, y;
  unsigned m, d;
  cu_civil_from_days(day, &y, &m, &d);
  char t[20];
  snprintf(t, 5, "%04d", (int)y);
  t[4] = '-';
  two(t + 5, m);
  t[7] = '-';
  two(t + 8, d);
  t[10] = ' ';
  two(t + 11, (unsigned)(s / 3600));
  t[13] = ':';
  two(t + 14, (unsigned)(s / 60 % 60));
  t[16] = ':';
  two(t + 17, (unsigned)(s % 60));
  wb_put(b, t, date_only ? 10 : 19);
}

/* -------------------------------------------------------- draws -- */

/* index of the first cumulative weight above u x total */
static size_t pick(const double *cum, size_t n, gsl_rng *r) {
  double u = gsl_rng_uniform(r) * cum[n - 1];
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static double *cumulate(const double *w, size_t n) {
  double *c = malloc((n ? n : 1) * sizeof *c);
  if (!c) return NULL;
  double s = 0;
  for (size_t i = 0; i < n; i++) c[i] = (s += w[i]);
  return c;
}

/* ------------------------------------------------------- state -- */

typedef struct {
  double t;         /* days from the start */
  uint32_t cust;    /* index in the block */
  uint32_t line0;   /* first line */
  uint32_t nlines;
  uint8_t cancelled;
} w_order;

typedef struct {
  uint32_t product;
  int32_t qty;
  int64_t cents;   /* unit price */
  float returned;  /* days after the order it comes back; 0: kept */
} w_line;

typedef struct {
  uint32_t seg, country, age, channel;
  double signup, lambda, drop, nu, death;
  uint32_t orders, order0; /* logged orders; the first in the block's list */
  uint32_t holdout_orders, test_orders;
  double holdout_spend;
  int64_t test_cents;
  uint8_t alive_end, arm; /* arm: 0 not in the test, 1 control, 2 treatment */
} w_customer;

typedef struct {
  size_t first, n; /* customers */
  w_customer *cust;
  w_order *orders;
  size_t norders, cap_orders;
  w_line *lines;
  size_t nlines, cap_lines, nreturns;
  uint64_t invoice0, holdout_orders, events;
  wbuf out[NFILES];
  cu_err err;
} w_block;

typedef struct {
  const cu_world *w;
  uint64_t seed;
  int want[NFILES];
  double *seg_cum, **cat_cum, **country_cum, **age_cum, **channel_cum;
  double **pop_cum;        /* per category, cumulative popularity */
  size_t *cat_first;       /* first product index of each category */
  size_t nproducts;
  double *price;           /* list price of each product */
  char **desc;             /* description of each product */
  double *dayw, wmax;      /* purchase-rate weight of each day */
  int span;                /* days + holdout_days */
  w_block *blocks;         /* the chunk's */
  size_t block0;           /* first block of the chunk */
} w_ctx;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap * 2 : 1024;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * size);
  if (!q) return -1;
  *p = q;
  *cap = c;
  return 0;
}

/* ---------------------------------------------------- simulation -- */

static size_t pick_product(const w_ctx *c, uint32_t seg, gsl_rng *r) {
  size_t k = pick(c->cat_cum[seg], c->w->ncategories, r);
  return c->cat_first[k] + pick(c->pop_cum[k], c->w->categories[k].products, r);
}

static int add_order(const w_ctx *c, w_block *b, w_customer *cu, uint32_t ci, double t, double z,
                     gsl_rng *r) {
  const cu_world *w = c->w;
  const cu_world_segment *s = &w->segments[cu->seg];
  if (grow((void **)&b->orders, &b->cap_orders, b->norders + 1, sizeof *b->orders)) return -1;
  unsigned k = 1 + (s->lines_mean > 1 ? gsl_ran_poisson(r, s->lines_mean - 1) : 0);
  if (grow((void **)&b->lines, &b->cap_lines, b->nlines + k, sizeof *b->lines)) return -1;
  w_order *o = &b->orders[b->norders++];
  o->t = t;
  o->cust = ci;
  o->line0 = (uint32_t)b->nlines;
  o->nlines = k;
  double list = 0;
  for (unsigned i = 0; i < k; i++) {
    w_line *l = &b->lines[b->nlines + i];
    l->product = (uint32_t)pick_product(c, cu->seg, r);
    l->qty = 1 + (int32_t)(s->quantity_mean > 1 ? gsl_ran_poisson(r, s->quantity_mean - 1) : 0);
    list += l->qty * c->price[l->product];
  }
  double scale = z / list;
  int64_t value = 0;
  for (unsigned i = 0; i < k; i++) {
    w_line *l = &b->lines[b->nlines + i];
    l->cents = llround(c->price[l->product] * scale * 100);
    if (l->cents < 1) l->cents = 1;
    value += l->cents * l->qty;
    l->returned = 0;
    if (w->return_rate > 0 && gsl_rng_uniform(r) < w->return_rate) {
      l->returned = (float)(1 + 29 * gsl_rng_uniform(r));
      if (t + l->returned < w->days) b->nreturns++;
      else l->returned = 0;
    }
  }
  b->nlines += k;
  o->cancelled = w->cancel_rate > 0 && gsl_rng_uniform(r) < w->cancel_rate;
  cu->orders++;
  if (cu->arm && t >= w->exp_start && t < w->exp_start + w->exp_days) {
    cu->test_orders++;
    cu->test_cents += value;
  }
  return 0;
}

static void simulate_customer(const w_ctx *c, w_block *b, uint32_t ci, gsl_rng *r) {
  const cu_world *w = c->w;
  w_customer *cu = &b->cust[ci];
  memset(cu, 0, sizeof *cu);
  cu->seg = (uint32_t)pick(c->seg_cum, w->nsegments, r);
  const cu_world_segment *s = &w->segments[cu->seg];
  cu->country = (uint32_t)pick(c->country_cum[cu->seg], w->ncountries, r);
  cu->age = (uint32_t)pick(c->age_cum[cu->seg], w->nages, r);
  cu->channel = (uint32_t)pick(c->channel_cum[cu->seg], w->nchannels, r);
  cu->signup = s->signup_from + (s->signup_to - s->signup_from) * gsl_rng_uniform(r);
  cu->lambda = gsl_ran_gamma(r, s->r, 1 / s->alpha);
  cu->drop = s->process == CU_WORLD_BGNBD ? gsl_ran_beta(r, s->a, s->b)
                                          : gsl_ran_gamma(r, s->a, 1 / s->b);
  cu->nu = gsl_ran_gamma(r, s->q, 1 / s->gamma);
  double in_test = gsl_rng_uniform(r);
  if (w->experiment && cu->signup < w->exp_start)
    cu->arm = in_test < w->exp_share ? 2 : 1;
  cu->death = INFINITY;
  if (s->process == CU_WORLD_PARETO) cu->death = cu->signup + gsl_ran_exponential(r, 1 / cu->drop);
  cu->order0 = (uint32_t)b->norders;

  double end = c->span, t = cu->signup;
  double lift = cu->arm == 2 ? 1 + w->exp_lift : 1;
  double rate_max = cu->lambda * c->wmax * (lift > 1 ? lift : 1);
  /* the first purchase, then repeat purchases until dropout or the end */
  if (add_order(c, b, cu, ci, t, gsl_ran_gamma(r, s->p, 1 / cu->nu), r)) goto oom;
  unsigned count = 1;
  while (rate_max > 0) {
    t += gsl_ran_exponential(r, 1 / rate_max);
    if (t >= end || t >= cu->death) break;
    int day = (int)t;
    double m = c->dayw[day];
    if (cu->arm == 2 && day >= w->exp_start && day < w->exp_start + w->exp_days) m *= lift;
    if (gsl_rng_uniform(r) * rate_max >= cu->lambda * m) continue; /* thinned out */
    double z = gsl_ran_gamma(r, s->p, 1 / cu->nu);
    if (t < w->days) {
      if (add_order(c, b, cu, ci, t, z, r)) goto oom;
    } else {
      cu->holdout_orders++;
      cu->holdout_spend += z;
    }
    if (++count > MAX_ORDERS_PER_CUSTOMER) {
      cu_err_set(&b->err, CU_ERANGE,
                 "segment '%s' gives a customer more than %d orders: its purchase rate "
                 "(r / alpha = %g a day) is too high",
                 w->segment_names[cu->seg], MAX_ORDERS_PER_CUSTOMER, s->r / s->alpha);
      return;
    }
    if (s->process == CU_WORLD_BGNBD && gsl_rng_uniform(r) < cu->drop) {
      cu->death = t;
      break;
    }
  }
  cu->alive_end = !(cu->death < w->days);
  b->holdout_orders += cu->holdout_orders;
  return;
oom:
  cu_err_set(&b->err, CU_ENOMEM, "out of memory generating orders");
}

static void simulate_block(void *ctx, size_t i, int thread) {
  (void)thread;
  w_ctx *c = ctx;
  w_block *b = &c->blocks[i];
  gsl_rng *r = cu_rng_for(c->seed, STREAM_CUSTOMERS + c->block0 + i);
  if (!r) {
    cu_err_set(&b->err, CU_ENOMEM, "out of memory");
    return;
  }
  for (size_t k = 0; k < b->n && !b->err.code; k++) simulate_customer(c, b, (uint32_t)k, r);
  gsl_rng_free(r);
}

/* ---------------------------------------------------- formatting -- */

static int64_t order_second(const cu_world *w, double t) {
  double day = floor(t);
  return (w->start_day + (int64_t)day) * 86400 + 8 * 3600 + (int64_t)((t - day) * 14 * 3600);
}

static void order_line(const w_ctx *c, wbuf *o, int cancel, uint64_t inv, const w_line *l,
                       int64_t qty, int64_t sec, uint64_t cid, const w_customer *cu) {
  if (cancel) wb_ch(o, 'C');
  wb_u64(o, inv);
  wb_ch(o, ',');
  wb_u64(o, 10000 + l->product);
  wb_ch(o, ',');
  wb_str(o, c->desc[l->product]);
  wb_ch(o, ',');
  wb_i64(o, qty);
  wb_ch(o, ',');
  wb_time(o, sec, 0);
  wb_ch(o, ',');
  wb_cents(o, l->cents);
  wb_ch(o, ',');
  wb_u64(o, cid);
  wb_ch(o, ',');
  wb_str(o, c->w->countries[cu->country]);
  wb_ch(o, '\n');
}

static void event(wbuf *e, int64_t ms, uint64_t cid, const char *what, size_t product,
                  uint64_t tx) {
  wb_i64(e, ms);
  wb_ch(e, ',');
  wb_u64(e, cid);
  wb_ch(e, ',');
  wb_str(e, what);
  wb_ch(e, ',');
  wb_u64(e, 10000 + product);
  wb_ch(e, ',');
  if (tx) wb_u64(e, tx);
  wb_ch(e, '\n');
}

/* One web session at second sec: views, maybe a cart, maybe the order's
 * purchase (o non-NULL: its lines are viewed, carted and bought). */
static uint64_t session(const w_ctx *c, w_block *b, const w_customer *cu, uint64_t cid,
                        int64_t sec, const w_order *o, uint64_t inv, int cart, gsl_rng *r) {
  const cu_world_segment *s = &c->w->segments[cu->seg];
  wbuf *e = &b->out[F_EVENTS];
  unsigned views = (unsigned)(s->views_mean > 1 ? gsl_ran_poisson(r, s->views_mean - 1) : 0) +
                   (o ? 0 : 1);
  int64_t ms = sec * 1000 - (int64_t)(views + (o ? 3 * o->nlines : 2)) * 45000;
  uint64_t n = 0;
  size_t last = 0;
  for (unsigned k = 0; k < views; k++, n++) {
    last = pick_product(c, cu->seg, r);
    event(e, ms, cid, "view", last, 0);
    ms += 5000 + (int64_t)(gsl_rng_uniform(r) * 80000);
  }
  if (o) {
    for (uint32_t k = 0; k < o->nlines; k++, n += 2) {
      size_t p = b->lines[o->line0 + k].product;
      event(e, ms, cid, "view", p, 0);
      ms += 5000 + (int64_t)(gsl_rng_uniform(r) * 40000);
      event(e, ms, cid, "addtocart", p, 0);
      ms += 2000 + (int64_t)(gsl_rng_uniform(r) * 20000);
    }
    if (ms < sec * 1000) ms = sec * 1000;
    for (uint32_t k = 0; k < o->nlines; k++, n++)
      event(e, ms, cid, "transaction", b->lines[o->line0 + k].product, inv);
  } else if (cart) {
    event(e, ms, cid, "addtocart", last, 0);
    n++;
  }
  return n;
}

static void format_block(void *ctx, size_t i, int thread) {
  (void)thread;
  w_ctx *c = ctx;
  const cu_world *w = c->w;
  w_block *b = &c->blocks[i];
  if (b->err.code) return;
  gsl_rng *r = c->want[F_EVENTS] ? cu_rng_for(c->seed, STREAM_EVENTS + c->block0 + i) : NULL;
  if (c->want[F_EVENTS] && !r) {
    cu_err_set(&b->err, CU_ENOMEM, "out of memory");
    return;
  }
  uint64_t inv = b->invoice0;
  for (size_t k = 0; k < b->n; k++) {
    const w_customer *cu = &b->cust[k];
    const cu_world_segment *s = &w->segments[cu->seg];
    uint64_t cid = FIRST_CUSTOMER + b->first + k;
    double prev = cu->signup - 3;
    for (uint32_t j = 0; j < cu->orders; j++) {
      const w_order *o = &b->orders[cu->order0 + j];
      int64_t sec = order_second(w, o->t);
      uint64_t this_inv = inv++;
      if (c->want[F_ORDERS]) {
        for (uint32_t q = 0; q < o->nlines; q++) {
          const w_line *l = &b->lines[o->line0 + q];
          order_line(c, &b->out[F_ORDERS], 0, this_inv, l, l->qty, sec, cid, cu);
        }
        if (o->cancelled)
          for (uint32_t q = 0; q < o->nlines; q++) {
            const w_line *l = &b->lines[o->line0 + q];
            order_line(c, &b->out[F_ORDERS], 1, this_inv, l, -l->qty, sec + 3600, cid, cu);
          }
      }
      for (uint32_t q = 0; q < o->nlines; q++) {
        const w_line *l = &b->lines[o->line0 + q];
        if (l->returned <= 0) continue;
        uint64_t ret_inv = inv++;
        int64_t rsec = order_second(w, o->t + l->returned);
        if (c->want[F_ORDERS])
          order_line(c, &b->out[F_ORDERS], 1, ret_inv, l, -l->qty, rsec, cid, cu);
      }
      if (r) {
        /* sessions that did not buy, spread between the previous order and this one */
        double conv = s->view_to_cart * s->cart_to_purchase;
        double cart_fail = conv < 1 ? s->view_to_cart * (1 - s->cart_to_purchase) / (1 - conv) : 0;
        unsigned fails = conv < 1 ? gsl_ran_geometric(r, conv) - 1 : 0;
        double from = prev > 0 ? prev : 0, span = o->t - from;
        for (unsigned f = 0; f < fails; f++) {
          double ft = from + span * (f + gsl_rng_uniform(r)) / (fails + 1);
          int cart = gsl_rng_uniform(r) < cart_fail;
          b->events += session(c, b, cu, cid, order_second(w, ft), NULL, 0, cart, r);
        }
        b->events += session(c, b, cu, cid, sec, o, this_inv, 1, r);
        prev = o->t;
      }
    }
    if (c->want[F_CUSTOMERS]) {
      wbuf *o = &b->out[F_CUSTOMERS];
      wb_u64(o, cid);
      wb_ch(o, ',');
      wb_time(o, order_second(w, cu->signup), 1);
      wb_ch(o, ',');
      wb_str(o, w->countries[cu->country]);
      wb_ch(o, ',');
      wb_str(o, w->regions[cu->country]);
      wb_ch(o, ',');
      wb_str(o, w->ages[cu->age]);
      wb_ch(o, ',');
      wb_str(o, w->channels[cu->channel]);
      wb_ch(o, '\n');
    }
    if (c->want[F_TRUTH]) {
      wbuf *o = &b->out[F_TRUTH];
      wb_u64(o, cid);
      wb_ch(o, ',');
      wb_str(o, w->segment_names[cu->seg]);
      wb_ch(o, ',');
      wb_str(o, s->process == CU_WORLD_BGNBD ? "bgnbd" : "pareto");
      wb_ch(o, ',');
      wb_dbl(o, cu->lambda);
      wb_ch(o, ',');
      wb_dbl(o, s->process == CU_WORLD_BGNBD ? cu->drop : NAN);
      wb_ch(o, ',');
      wb_dbl(o, s->process == CU_WORLD_PARETO ? cu->drop : NAN);
      wb_ch(o, ',');
      wb_dbl(o, cu->nu);
      wb_ch(o, ',');
      wb_dbl(o, s->p / cu->nu);
      wb_ch(o, ',');
      wb_u64(o, cu->orders);
      wb_ch(o, ',');
      wb_u64(o, cu->alive_end);
      wb_ch(o, ',');
      if (isfinite(cu->death)) wb_time(o, order_second(w, cu->death), 1);
      wb_ch(o, ',');
      wb_u64(o, cu->holdout_orders);
      wb_ch(o, ',');
      wb_dbl(o, cu->holdout_spend);
      wb_ch(o, ',');
      wb_str(o, cu->arm == 2 ? "treatment" : cu->arm == 1 ? "control" : "");
      wb_ch(o, '\n');
    }
    if (c->want[F_EXPERIMENT] && cu->arm) {
      wbuf *o = &b->out[F_EXPERIMENT];
      wb_u64(o, cid);
      wb_ch(o, ',');
      wb_str(o, cu->arm == 2 ? "treatment" : "control");
      wb_ch(o, ',');
      wb_u64(o, cu->test_orders);
      wb_ch(o, ',');
      wb_cents(o, cu->test_cents);
      wb_ch(o, ',');
      wb_u64(o, cu->test_orders > 0);
      wb_ch(o, '\n');
    }
  }
  if (r) gsl_rng_free(r);
  for (int f = 0; f < NFILES; f++)
    if (b->out[f].oom) cu_err_set(&b->err, CU_ENOMEM, "out of memory formatting the files");
}

/* ---------------------------------------------------------- check -- */

static int bad(cu_err *e, const char *what, const char *must, double v) {
  return cu_err_set(e, CU_EARG, "world: %s must be %s (got %g)", what, must, v);
}

static int weights_ok(const double *w, size_t n) {
  double s = 0;
  if (!w) return 0;
  for (size_t i = 0; i < n; i++) {
    if (!(w[i] >= 0) || !isfinite(w[i])) return 0;
    s += w[i];
  }
  return s > 0;
}

int cu_world_check(const cu_world *w, cu_err *e) {
  if (w->nsegments < 1) return cu_err_set(e, CU_EARG, "world: no segments");
  if (w->ncategories < 1) return cu_err_set(e, CU_EARG, "world: no product categories");
  if (w->ncountries < 1 || w->nages < 1 || w->nchannels < 1)
    return cu_err_set(e, CU_EARG, "world: countries, age bands and channels need one each");
  if (w->days < 1 || w->days > 36600) return cu_err_set(e, CU_EARG, "world: days must be 1..36600");
  if (w->holdout_days < 0 || w->holdout_days > 36600)
    return cu_err_set(e, CU_EARG, "world: holdout days must be 0..36600");
  if (!(w->cancel_rate >= 0 && w->cancel_rate <= 1)) return bad(e, "cancellation_rate", "in [0, 1]", w->cancel_rate);
  if (!(w->return_rate >= 0 && w->return_rate <= 1)) return bad(e, "return_rate", "in [0, 1]", w->return_rate);
  if (!weights_ok(w->weekday, 7)) return cu_err_set(e, CU_EARG, "world: weekday weights need 7 values >= 0, not all 0");
  if (!weights_ok(w->month, 12)) return cu_err_set(e, CU_EARG, "world: month weights need 12 values >= 0, not all 0");
  double shares = 0;
  for (size_t i = 0; i < w->nsegments; i++) {
    const cu_world_segment *s = &w->segments[i];
    const char *nm = w->segment_names[i];
    char f[160];
#define POS(field, v)                                                                \
  if (!((v) > 0) || !isfinite(v)) {                                                  \
    snprintf(f, sizeof f, "segment '%s': %s", nm, field);                            \
    return bad(e, f, "positive", v);                                                 \
  }
#define SHARE(field, v)                                                              \
  if (!((v) >= 0 && (v) <= 1)) {                                                     \
    snprintf(f, sizeof f, "segment '%s': %s", nm, field);                            \
    return bad(e, f, "in [0, 1]", v);                                                \
  }
    if (!(s->share >= 0) || !isfinite(s->share)) {
      snprintf(f, sizeof f, "segment '%s': share", nm);
      return bad(e, f, ">= 0", s->share);
    }
    shares += s->share;
    POS("r", s->r) POS("alpha", s->alpha) POS(s->process == CU_WORLD_BGNBD ? "a" : "s", s->a)
    POS(s->process == CU_WORLD_BGNBD ? "b" : "beta", s->b) POS("spend p", s->p)
    POS("spend q", s->q) POS("spend gamma", s->gamma)
    SHARE("view_to_cart", s->view_to_cart) SHARE("cart_to_purchase", s->cart_to_purchase)
    if (!(s->lines_mean >= 1)) return cu_err_set(e, CU_EARG, "world: segment '%s': lines per order must be >= 1", nm);
    if (!(s->quantity_mean >= 1)) return cu_err_set(e, CU_EARG, "world: segment '%s': quantity per line must be >= 1", nm);
    if (!(s->views_mean >= 1)) return cu_err_set(e, CU_EARG, "world: segment '%s': views per session must be >= 1", nm);
    if (!(s->view_to_cart * s->cart_to_purchase > 0))
      return cu_err_set(e, CU_EARG, "world: segment '%s': sessions never buy (view_to_cart x cart_to_purchase is 0)", nm);
    if (!(s->signup_from >= 0 && s->signup_to > s->signup_from && s->signup_to <= w->days))
      return cu_err_set(e, CU_EARG, "world: segment '%s': signup days must satisfy 0 <= from < to <= %d (got %g, %g)",
                        nm, w->days, s->signup_from, s->signup_to);
    if (!weights_ok(s->categories, w->ncategories))
      return cu_err_set(e, CU_EARG, "world: segment '%s': category weights need values >= 0, not all 0", nm);
    if (!weights_ok(s->countries, w->ncountries) || !weights_ok(s->ages, w->nages) ||
        !weights_ok(s->channels, w->nchannels))
      return cu_err_set(e, CU_EARG, "world: segment '%s': country, age and channel weights need values >= 0, not all 0", nm);
#undef POS
#undef SHARE
  }
  if (!(shares > 0)) return cu_err_set(e, CU_EARG, "world: the segments' shares are all 0");
  for (size_t k = 0; k < w->ncategories; k++) {
    const cu_world_category *g = &w->categories[k];
    if (g->products < 1 || g->products > 1000000)
      return cu_err_set(e, CU_EARG, "world: category '%s': products must be 1..1000000", g->name);
    if (!(g->median_price > 0) || !(g->price_spread >= 0) || !(g->popularity >= 0) ||
        !(g->margin >= 0 && g->margin <= 1))
      return cu_err_set(e, CU_EARG, "world: category '%s': median price > 0, spread >= 0, "
                        "popularity >= 0 and margin in [0, 1]", g->name);
  }
  if (w->experiment) {
    if (w->exp_start < 1 || w->exp_days < 1 || w->exp_start + w->exp_days > w->days)
      return cu_err_set(e, CU_EARG, "world: the experiment must run inside the log: start %d + %d days > %d",
                        w->exp_start, w->exp_days, w->days);
    if (!(w->exp_share > 0 && w->exp_share < 1)) return bad(e, "the experiment's share", "in (0, 1)", w->exp_share);
    if (!(w->exp_lift > -1) || !isfinite(w->exp_lift))
      return cu_err_set(e, CU_EARG, "world: the experiment's purchase lift must be > -1 (got %g)", w->exp_lift);
  }
  return CU_OK;
}

/* ------------------------------------------------------ generate -- */

static void ctx_free(w_ctx *c) {
  size_t S = c->w->nsegments, K = c->w->ncategories;
  free(c->seg_cum);
  for (size_t i = 0; c->cat_cum && i < S; i++) free(c->cat_cum[i]);
  for (size_t i = 0; c->country_cum && i < S; i++) free(c->country_cum[i]);
  for (size_t i = 0; c->age_cum && i < S; i++) free(c->age_cum[i]);
  for (size_t i = 0; c->channel_cum && i < S; i++) free(c->channel_cum[i]);
  for (size_t k = 0; c->pop_cum && k < K; k++) free(c->pop_cum[k]);
  for (size_t p = 0; c->desc && p < c->nproducts; p++) free(c->desc[p]);
  free(c->cat_cum);
  free(c->country_cum);
  free(c->age_cum);
  free(c->channel_cum);
  free(c->pop_cum);
  free(c->cat_first);
  free(c->price);
  free(c->desc);
  free(c->dayw);
}

/* cumulative tables, the catalogue and the day weights */
static int ctx_init(w_ctx *c, FILE *products, cu_err *e) {
  const cu_world *w = c->w;
  size_t S = w->nsegments, K = w->ncategories;
  double *shares = malloc(S * sizeof *shares);
  if (!shares) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < S; i++) shares[i] = w->segments[i].share;
  c->seg_cum = cumulate(shares, S);
  free(shares);
  c->cat_cum = calloc(S, sizeof *c->cat_cum);
  c->country_cum = calloc(S, sizeof *c->country_cum);
  c->age_cum = calloc(S, sizeof *c->age_cum);
  c->channel_cum = calloc(S, sizeof *c->channel_cum);
  c->pop_cum = calloc(K, sizeof *c->pop_cum);
  c->cat_first = calloc(K, sizeof *c->cat_first);
  if (!c->seg_cum || !c->cat_cum || !c->country_cum || !c->age_cum || !c->channel_cum ||
      !c->pop_cum || !c->cat_first)
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < S; i++) {
    const cu_world_segment *s = &w->segments[i];
    if (!(c->cat_cum[i] = cumulate(s->categories, K)) ||
        !(c->country_cum[i] = cumulate(s->countries, w->ncountries)) ||
        !(c->age_cum[i] = cumulate(s->ages, w->nages)) ||
        !(c->channel_cum[i] = cumulate(s->channels, w->nchannels)))
      return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < K; k++) c->nproducts += w->categories[k].products;
  c->price = malloc(c->nproducts * sizeof *c->price);
  c->desc = calloc(c->nproducts, sizeof *c->desc);
  if (!c->price || !c->desc) return cu_err_set(e, CU_ENOMEM, "out of memory");
  gsl_rng *r = cu_rng_for(c->seed, STREAM_CATALOGUE);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  size_t p = 0;
  wbuf pb = {0};
  for (size_t k = 0; k < K; k++) {
    const cu_world_category *g = &w->categories[k];
    c->cat_first[k] = p;
    double *pop = malloc(g->products * sizeof *pop);
    if (!pop) break;
    for (size_t j = 0; j < g->products; j++, p++) {
      pop[j] = pow((double)(j + 1), -g->popularity);
      double price = g->median_price * exp(g->price_spread * gsl_ran_ugaussian(r));
      c->price[p] = fmax(0.01, round(price * 100) / 100);
      char d[200];
      snprintf(d, sizeof d, "%s item %zu", g->name, j + 1);
      for (char *q = d; *q; q++)
        if (*q == ',' || *q == '"' || *q == '\n') *q = ' ';
      c->desc[p] = strdup(d);
      if (!c->desc[p]) break;
      if (products) {
        wb_u64(&pb, 10000 + p);
        wb_ch(&pb, ',');
        wb_str(&pb, d);
        wb_ch(&pb, ',');
        wb_str(&pb, g->name);
        wb_ch(&pb, ',');
        wb_cents(&pb, (int64_t)llround(c->price[p] * 100));
        wb_ch(&pb, ',');
        wb_dbl(&pb, g->margin);
        wb_ch(&pb, '\n');
      }
    }
    c->pop_cum[k] = cumulate(pop, g->products);
    free(pop);
    if (!c->pop_cum[k] || p != c->cat_first[k] + g->products) {
      gsl_rng_free(r);
      free(pb.p);
      return cu_err_set(e, CU_ENOMEM, "out of memory");
    }
  }
  gsl_rng_free(r);
  if (products && (pb.oom || fwrite(pb.p, 1, pb.n, products) != pb.n)) {
    free(pb.p);
    return cu_err_set(e, pb.oom ? CU_ENOMEM : CU_EIO, "cannot write the product table");
  }
  free(pb.p);
  /* day weights, mean 1 over the simulated span */
  c->span = w->days + w->holdout_days;
  c->dayw = malloc((size_t)c->span * sizeof *c->dayw);
  if (!c->dayw) return cu_err_set(e, CU_ENOMEM, "out of memory");
  double sum = 0;
  for (int d = 0; d < c->span; d++) {
    int64_t y;
    unsigned m, dd;
    cu_civil_from_days(w->start_day + d, &y, &m, &dd);
    c->dayw[d] = w->weekday[cu_weekday_index(w->start_day + d)] * w->month[m - 1];
    sum += c->dayw[d];
  }
  c->wmax = 0;
  for (int d = 0; d < c->span; d++) {
    c->dayw[d] *= c->span / sum;
    if (c->dayw[d] > c->wmax) c->wmax = c->dayw[d];
  }
  return CU_OK;
}

static const char *const headers[NFILES] = {
    NULL, "timestamp,visitorid,event,itemid,transactionid\n",
    "customer_id,signup_date,country,region,age_band,channel\n",
    "customer_id,segment,process,lambda,p_dropout,mu,spend_nu,mean_order_value,orders,"
    "alive_at_end,death_date,holdout_orders,holdout_spend,arm\n",
    "customer_id,arm,orders,revenue,purchased\n"};

int cu_world_generate(const cu_world *w, size_t n, uint64_t seed, int threads,
                      const cu_world_files *f, cu_world_counts *counts, cu_err *e) {
  int st = cu_world_check(w, e);
  if (st) return st;
  if (n < 1 || n > 100000000) return cu_err_set(e, CU_EARG, "world: customers must be 1..100000000");
  memset(counts, 0, sizeof *counts);
  const char *paths[NFILES] = {f->orders, f->events, f->customers, f->truth, f->experiment};
  FILE *fp[NFILES] = {0}, *products = NULL;
  w_ctx c = {.w = w, .seed = seed};
  size_t chunk = 8 * (size_t)(threads > 0 ? threads : cu_default_threads());
  w_block *blocks = calloc(chunk, sizeof *blocks);
  if (!blocks) return cu_err_set(e, CU_ENOMEM, "out of memory");
  c.blocks = blocks;
  for (int k = 0; k < NFILES; k++) {
    if (!paths[k] || (k == F_EXPERIMENT && !w->experiment)) continue;
    c.want[k] = 1;
    if (!(fp[k] = fopen(paths[k], "wb"))) {
      st = cu_err_set(e, CU_EIO, "%s: cannot write: %s", paths[k], strerror(errno));
      goto done;
    }
    const char *h = k == F_ORDERS ? (w->layout ? "Invoice,StockCode,Description,Quantity,"
                                                 "InvoiceDate,Price,Customer ID,Country\n"
                                               : "InvoiceNo,StockCode,Description,Quantity,"
                                                 "InvoiceDate,UnitPrice,CustomerID,Country\n")
                                  : headers[k];
    fputs(h, fp[k]);
  }
  if (f->products) {
    if (!(products = fopen(f->products, "wb"))) {
      st = cu_err_set(e, CU_EIO, "%s: cannot write: %s", f->products, strerror(errno));
      goto done;
    }
    fputs("StockCode,Description,category,price,margin\n", products);
  }
  if ((st = ctx_init(&c, products, e))) goto done;
  size_t nblocks = (n + CU_WORLD_BLOCK - 1) / CU_WORLD_BLOCK;
  uint64_t invoice = FIRST_INVOICE;
  for (size_t b0 = 0; b0 < nblocks; b0 += chunk) {
    if (cu_interrupted) {
      st = cu_err_set(e, CU_EINTR, "interrupted");
      goto done;
    }
    size_t nb = nblocks - b0 < chunk ? nblocks - b0 : chunk;
    c.block0 = b0;
    for (size_t i = 0; i < nb; i++) {
      w_block *b = &blocks[i];
      b->first = (b0 + i) * CU_WORLD_BLOCK;
      b->n = n - b->first < CU_WORLD_BLOCK ? n - b->first : CU_WORLD_BLOCK;
      if (!b->cust && !(b->cust = malloc(CU_WORLD_BLOCK * sizeof *b->cust))) {
        st = cu_err_set(e, CU_ENOMEM, "out of memory");
        goto done;
      }
      b->norders = b->nlines = b->nreturns = 0;
      b->holdout_orders = b->events = 0;
      for (int k = 0; k < NFILES; k++) b->out[k].n = 0;
    }
    cu_parallel_blocks(nb, threads, simulate_block, &c);
    for (size_t i = 0; i < nb; i++) {
      w_block *b = &blocks[i];
      if (b->err.code) {
        *e = b->err;
        st = b->err.code;
        goto done;
      }
      b->invoice0 = invoice;
      invoice += b->norders + b->nreturns;
    }
    cu_parallel_blocks(nb, threads, format_block, &c);
    for (size_t i = 0; i < nb; i++) {
      w_block *b = &blocks[i];
      if (b->err.code) {
        *e = b->err;
        st = b->err.code;
        goto done;
      }
      for (int k = 0; k < NFILES; k++)
        if (fp[k] && b->out[k].n && fwrite(b->out[k].p, 1, b->out[k].n, fp[k]) != b->out[k].n) {
          st = cu_err_set(e, CU_EIO, "%s: cannot write: %s", paths[k], strerror(errno));
          goto done;
        }
      counts->customers += b->n;
      counts->orders += b->norders;
      counts->lines += b->nlines;
      counts->return_lines += b->nreturns;
      counts->holdout_orders += b->holdout_orders;
      counts->events += b->events;
      for (size_t j = 0; j < b->norders; j++)
        if (b->orders[j].cancelled) counts->cancel_lines += b->orders[j].nlines;
    }
  }
done:
  for (int k = 0; k < NFILES; k++)
    if (fp[k] && fclose(fp[k]) && !st)
      st = cu_err_set(e, CU_EIO, "%s: cannot write: %s", paths[k], strerror(errno));
  if (products && fclose(products) && !st)
    st = cu_err_set(e, CU_EIO, "%s: cannot write: %s", f->products, strerror(errno));
  for (size_t i = 0; i < chunk; i++) {
    free(blocks[i].cust);
    free(blocks[i].orders);
    free(blocks[i].lines);
    for (int k = 0; k < NFILES; k++) free(blocks[i].out[k].p);
  }
  free(blocks);
  ctx_free(&c);
  return st;
}
