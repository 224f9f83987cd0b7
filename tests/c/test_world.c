/* test_world.c: the generated world.  The same seed gives the same bytes
 * at any thread count; the truth follows the world's distributions (the
 * mean purchase rate is r / alpha, the mean dropout a / (a + b)); bad
 * worlds and unwritable files are errors that name what is wrong. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "world.h"

static const char *names[] = {"Only"};
static const char *countries[] = {"United Kingdom", "Germany"};
static const char *regions[] = {"Europe", "Europe"};
static const char *ages[] = {"all"};
static const char *channels[] = {"direct"};
static double one[] = {1, 1}, cats[] = {2, 1};

static cu_world world(cu_world_segment *s, cu_world_category *c) {
  *s = (cu_world_segment){.share = 1, .process = CU_WORLD_BGNBD, .r = 2, .alpha = 40, .a = 1,
                          .b = 3, .p = 6, .q = 4, .gamma = 30, .lines_mean = 3,
                          .quantity_mean = 2, .views_mean = 4, .view_to_cart = 0.3,
                          .cart_to_purchase = 0.5, .signup_from = 0, .signup_to = 60,
                          .categories = cats, .countries = one, .ages = one, .channels = one};
  c[0] = (cu_world_category){"Home", 50, 5, 0.5, 1, 0.4};
  c[1] = (cu_world_category){"Toys", 30, 8, 0.5, 1, 0.3};
  cu_world w = {.nsegments = 1, .segments = s, .segment_names = names, .ncategories = 2,
                .categories = c, .ncountries = 2, .nages = 1, .nchannels = 1,
                .countries = countries, .regions = regions, .ages = ages, .channels = channels,
                .cancel_rate = 0.05, .return_rate = 0.02, .start_day = 19358, .days = 365,
                .holdout_days = 90, .experiment = 1, .exp_start = 275, .exp_days = 90,
                .exp_share = 0.5, .exp_lift = 0.2};
  for (int i = 0; i < 7; i++) w.weekday[i] = 1;
  for (int i = 0; i < 12; i++) w.month[i] = 1;
  return w;
}

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)len + 1);
  *n = fread(b, 1, (size_t)len, f);
  b[*n] = 0;
  fclose(f);
  return b;
}

static void generate(const cu_world *w, int threads, const char *dir, cu_world_counts *c) {
  char o[256], ev[256], cu[256], pr[256], tr[256], ex[256];
  snprintf(o, sizeof o, "%s/orders.csv", dir);
  snprintf(ev, sizeof ev, "%s/events.csv", dir);
  snprintf(cu, sizeof cu, "%s/customers.csv", dir);
  snprintf(pr, sizeof pr, "%s/products.csv", dir);
  snprintf(tr, sizeof tr, "%s/truth.csv", dir);
  snprintf(ex, sizeof ex, "%s/experiment.csv", dir);
  cu_world_files f = {o, ev, cu, pr, tr, ex};
  cu_err e = {0};
  int st = cu_world_generate(w, 10000, 42, threads, &f, c, &e);
  if (st) fprintf(stderr, "%s\n", e.msg);
  CHECK(st == 0);
}

static void same_files(const char *a, const char *b) {
  const char *files[] = {"orders.csv", "events.csv", "customers.csv", "products.csv", "truth.csv",
                         "experiment.csv"};
  for (int i = 0; i < 6; i++) {
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
    snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
    size_t na = 0, nb = 0;
    char *x = slurp(pa, &na), *y = slurp(pb, &nb);
    CHECK(x && y && na == nb && na > 0 && memcmp(x, y, na) == 0);
    free(x);
    free(y);
  }
}

/* the truth's lambda and p_dropout columns: their means */
static void truth_means(const char *dir, double *lambda, double *p, double *alive) {
  char path[256];
  snprintf(path, sizeof path, "%s/truth.csv", dir);
  size_t n = 0;
  char *t = slurp(path, &n), *line = strchr(t, '\n') + 1;
  double sl = 0, sp = 0, sa = 0;
  int rows = 0;
  while (*line) {
    char *f = line;
    double v[14];
    for (int k = 0; k < 14; k++) {
      v[k] = strtod(f, NULL);
      while (*f && *f != ',' && *f != '\n') f++;
      if (*f == ',') f++;
    }
    sl += v[3];
    sp += v[4];
    sa += v[9];
    rows++;
    line = strchr(line, '\n') + 1;
  }
  *lambda = sl / rows;
  *p = sp / rows;
  *alive = sa / rows;
  free(t);
}

int main(void) {
  cu_world_segment s;
  cu_world_category c[2];
  cu_world w = world(&s, c);
  char d1[] = "/tmp/custan_world1_XXXXXX", d2[] = "/tmp/custan_world2_XXXXXX";
  CHECK(mkdtemp(d1) && mkdtemp(d2));
  cu_world_counts c1, c2;
  generate(&w, 1, d1, &c1);
  generate(&w, 3, d2, &c2);
  same_files(d1, d2);
  CHECK(memcmp(&c1, &c2, sizeof c1) == 0);
  CHECK(c1.customers == 10000 && c1.orders > 10000 && c1.events > c1.lines);
  double lambda, p, alive;
  truth_means(d1, &lambda, &p, &alive);
  /* Gamma(2, 40): mean 0.05, sd 0.035, so the mean of 10,000 has sd 0.00035 */
  CHECK_NEAR(lambda, 2.0 / 40, 4 * 0.00035);
  /* Beta(1, 3): mean 0.25, sd 0.194; mean of 10,000 sd 0.0019 */
  CHECK_NEAR(p, 0.25, 4 * 0.0019);
  CHECK(alive > 0.05 && alive < 0.95);

  /* a bad world names the field */
  cu_err e = {0};
  s.r = -1;
  CHECK(cu_world_check(&w, &e) == CU_EARG && strstr(e.msg, "segment 'Only': r"));
  s.r = 2;
  w.exp_start = 300;
  CHECK(cu_world_check(&w, &e) == CU_EARG && strstr(e.msg, "experiment"));
  w.exp_start = 275;
  s.signup_to = 400;
  CHECK(cu_world_check(&w, &e) == CU_EARG && strstr(e.msg, "signup"));
  s.signup_to = 60;
  /* a rate so high no customer could stop buying */
  s.r = 2000, s.alpha = 1, s.a = 1e-6, s.b = 1e6;
  cu_world_counts cc;
  cu_world_files f = {0};
  f.truth = "/tmp/custan_world_rate.csv";
  CHECK(cu_world_generate(&w, 10, 1, 2, &f, &cc, &e) == CU_ERANGE && strstr(e.msg, "Only"));
  unlink(f.truth);
  s.r = 2, s.alpha = 40, s.a = 1, s.b = 3;
  /* an unwritable file */
  f.truth = "/nonexistent-folder/truth.csv";
  CHECK(cu_world_generate(&w, 10, 1, 2, &f, &cc, &e) == CU_EIO &&
        strstr(e.msg, "/nonexistent-folder/truth.csv"));

  const char *files[] = {"orders.csv", "events.csv", "customers.csv", "products.csv", "truth.csv",
                         "experiment.csv"};
  for (int i = 0; i < 6; i++) {
    char pa[256];
    snprintf(pa, sizeof pa, "%s/%s", d1, files[i]);
    unlink(pa);
    snprintf(pa, sizeof pa, "%s/%s", d2, files[i]);
    unlink(pa);
  }
  rmdir(d1);
  rmdir(d2);
  return check_done("world");
}
