/* test_frame.c: columns, dictionaries, element-wise operations,
 * reductions, casts, sorting. */
#include <stdlib.h>

#include "check.h"
#include "frame.h"
#include "parse.h"

static cu_column *f64(const double *v, const int *valid, size_t n) {
  cu_column *c = cu_column_new(CU_F64, n, NULL);
  for (size_t i = 0; i < n; i++) ((double *)c->data)[i] = v[i];
  if (valid) {
    cu_column_ensure_mask(c);
    for (size_t i = 0; i < n; i++) c->valid[i] = (uint8_t)valid[i];
  }
  return c;
}

static cu_column *i64(const int64_t *v, size_t n) {
  cu_column *c = cu_column_new(CU_I64, n, NULL);
  for (size_t i = 0; i < n; i++) ((int64_t *)c->data)[i] = v[i];
  return c;
}

static cu_column *str(const char *const *v, size_t n) {
  cu_column *c = cu_column_new(CU_STR, n, NULL);
  for (size_t i = 0; i < n; i++) {
    if (!v[i]) {
      cu_column_ensure_mask(c);
      c->valid[i] = 0;
      continue;
    }
    ((int32_t *)c->data)[i] = cu_dict_intern(c->dict, v[i], strlen(v[i]));
  }
  return c;
}

static void test_parse(void) {
  double d;
  int64_t i;
  CHECK(cu_parse_f64("2.55", 4, &d) == 0 && d == 2.55);
  CHECK(cu_parse_f64("-0.001", 6, &d) == 0 && d == -0.001);
  CHECK(cu_parse_f64("17850.0", 7, &d) == 0 && d == 17850.0);
  CHECK(cu_parse_f64("1e3", 3, &d) == 0 && d == 1000);
  CHECK(cu_parse_f64("0.1234567890123456789", 21, &d) == 0 && d == 0.1234567890123456789);
  CHECK(cu_parse_f64("abc", 3, &d) != 0);
  CHECK(cu_parse_f64("nan", 3, &d) != 0); /* NaN is never a value */
  CHECK(cu_parse_f64("inf", 3, &d) != 0);
  CHECK(cu_parse_f64("1.2.3", 5, &d) != 0);
  CHECK(cu_parse_f64("-", 1, &d) != 0);
  CHECK(cu_parse_i64("-42", 3, &i) == 0 && i == -42);
  CHECK(cu_parse_i64("9223372036854775807", 19, &i) == 0 && i == INT64_MAX);
  CHECK(cu_parse_i64("9223372036854775808", 19, &i) != 0);
  CHECK(cu_parse_i64("12a", 3, &i) != 0);
  CHECK(cu_i64_is_canonical("536365", 6));
  CHECK(!cu_i64_is_canonical("007", 3));
  CHECK(!cu_i64_is_canonical("+7", 2));
  char buf[32];
  cu_format_f64(0.1, buf);
  CHECK_STR(buf, "0.1");
  cu_format_f64(12346.0, buf);
  CHECK_STR(buf, "12346.0");
  cu_format_f64(1e300, buf);
  CHECK_STR(buf, "1e+300");
  cu_format_f64(2.0 / 3.0, buf);
  CHECK(strtod(buf, NULL) == 2.0 / 3.0);
}

static void test_arith_and_missing(void) {
  double a[] = {1, 2, 3, 4};
  int va[] = {1, 1, 0, 1};
  int64_t b[] = {2, 0, 5, 8};
  cu_column *ca = f64(a, va, 4), *cb = i64(b, 4), *r;
  cu_err e = {0};
  CHECK(cu_arith(&r, ca, NULL, cb, NULL, CU_MUL, &e) == 0);
  CHECK(r->type == CU_F64);
  CHECK(((double *)r->data)[0] == 2 && ((double *)r->data)[3] == 32);
  CHECK(!cu_is_valid(r, 2));
  cu_column_release(r);
  /* division by zero is missing, never inf or NaN */
  CHECK(cu_arith(&r, ca, NULL, cb, NULL, CU_DIV, &e) == 0);
  CHECK(!cu_is_valid(r, 1) && !cu_is_valid(r, 2) && ((double *)r->data)[0] == 0.5);
  cu_column_release(r);
  cu_scalar two = {.type = CU_I64, .i = 2};
  CHECK(cu_arith(&r, cb, NULL, NULL, &two, CU_ADD, &e) == 0 && r->type == CU_I64);
  CHECK(((int64_t *)r->data)[3] == 10);
  cu_column_release(r);
  int64_t big[] = {INT64_MAX};
  cu_column *cbig = i64(big, 1);
  CHECK(cu_arith(&r, cbig, NULL, NULL, &two, CU_ADD, &e) == CU_ERANGE);
  cu_column_release(cbig);
  /* comparisons and Kleene logic */
  cu_scalar three = {.type = CU_F64, .f = 2.5};
  cu_column *gt, *lt, *both, *either, *nt, *miss;
  CHECK(cu_compare(&gt, ca, NULL, &three, CU_GT, &e) == 0);
  CHECK(!((uint8_t *)gt->data)[0] && ((uint8_t *)gt->data)[3] && !cu_is_valid(gt, 2));
  cu_scalar one = {.type = CU_I64, .i = 1};
  CHECK(cu_compare(&lt, cb, NULL, &one, CU_LT, &e) == 0); /* b < 1: F T F F */
  CHECK(cu_logic(&both, gt, lt, NULL, CU_AND, &e) == 0);
  CHECK(cu_is_valid(both, 2) && !((uint8_t *)both->data)[2]); /* missing & false = false */
  CHECK(cu_logic(&either, gt, lt, NULL, CU_OR, &e) == 0);
  CHECK(!cu_is_valid(either, 2)); /* missing | false = missing */
  CHECK(cu_not(&nt, gt, &e) == 0 && ((uint8_t *)nt->data)[0]);
  CHECK(cu_is_missing(&miss, ca, &e) == 0 && ((uint8_t *)miss->data)[2] && miss->valid == NULL);
  size_t *idx, n;
  CHECK(cu_mask_indices(&idx, &n, gt, &e) == 0 && n == 1 && idx[0] == 3);
  free(idx);
  cu_column *filled;
  cu_scalar zero = {.type = CU_F64, .f = 0};
  CHECK(cu_fill_missing(&filled, ca, &zero, &e) == 0 && cu_is_valid(filled, 2) &&
        ((double *)filled->data)[2] == 0);
  cu_stat s;
  CHECK(cu_sum(&s, ca, &e) == 0 && s.f == 7 && s.count == 3);
  CHECK(cu_mean(&s, ca, &e) == 0 && fabs(s.f - 7.0 / 3) < 1e-15);
  CHECK(cu_min(&s, ca, &e) == 0 && s.f == 1);
  CHECK(cu_max(&s, cb, &e) == 0 && s.i == 8);
  /* numpy.quantile([1,2,4], 0.25) = 1.5 (linear interpolation) */
  CHECK(cu_quantile(&s, ca, 0.25, &e) == 0 && s.f == 1.5);
  /* numpy.var([1,2,4], ddof=1) = 2.3333333333333335 */
  CHECK(cu_var(&s, ca, 1, &e) == 0 && fabs(s.f - 2.3333333333333335) < 1e-15);
  for (cu_column **p = (cu_column *[]){gt, lt, both, either, nt, miss, filled, ca, cb}, **q = p + 9;
       p < q; p++)
    cu_column_release(*p);
}

static void test_compensated_sum(void) {
  /* 1e16 + 1 + 1 ... - 1e16: naive summation loses the ones */
  size_t n = 1002;
  cu_column *c = cu_column_new(CU_F64, n, NULL);
  double *v = c->data;
  v[0] = 1e16;
  for (size_t i = 1; i < n - 1; i++) v[i] = 1;
  v[n - 1] = -1e16;
  cu_stat s;
  cu_err e = {0};
  CHECK(cu_sum(&s, c, &e) == 0 && s.f == 1000);
  cu_column_release(c);
}

static void test_strings(void) {
  const char *names[] = {"United Kingdom", "France", NULL, "United States", "France"};
  cu_column *c = str(names, 5), *r;
  cu_err e = {0};
  CHECK(c->dict->n == 3);
  CHECK(cu_str_test(&r, c, "United", 6, CU_STR_STARTS, &e) == 0);
  CHECK(((uint8_t *)r->data)[0] && !((uint8_t *)r->data)[1] && !cu_is_valid(r, 2) &&
        ((uint8_t *)r->data)[3]);
  cu_column_release(r);
  cu_scalar fr = {.type = CU_STR, .s = "France", .len = 6};
  CHECK(cu_compare(&r, c, NULL, &fr, CU_EQ, &e) == 0);
  CHECK(!((uint8_t *)r->data)[0] && ((uint8_t *)r->data)[1] && ((uint8_t *)r->data)[4]);
  cu_column_release(r);
  CHECK(cu_str_test(&r, c, "King", 4, CU_STR_CONTAINS, &e) == 0 && ((uint8_t *)r->data)[0]);
  cu_column_release(r);
  CHECK(cu_str_case(&r, c, 1, &e) == 0);
  size_t len;
  CHECK_STR(cu_dict_str(r->dict, ((int32_t *)r->data)[1], &len), "FRANCE");
  cu_column_release(r);
  size_t nu;
  CHECK(cu_n_unique(&nu, c, &e) == 0 && nu == 3);
  cu_stat s;
  CHECK(cu_min(&s, c, &e) == 0);
  CHECK_STR(cu_dict_str(c->dict, (int32_t)s.i, &len), "France");
  /* arithmetic on text is a type error with a message */
  cu_scalar one = {.type = CU_I64, .i = 1};
  CHECK(cu_arith(&r, c, NULL, NULL, &one, CU_ADD, &e) == CU_ETYPE);
  CHECK(strstr(e.msg, "string") != NULL);
  /* casts: text to numbers fails with the row named */
  CHECK(cu_column_cast(&r, c, CU_F64, &e) == CU_EPARSE && strstr(e.msg, "row 1"));
  cu_column_release(c);
}

static void test_sort_take_concat(void) {
  const char *k1[] = {"b", "a", "b", "a", NULL};
  double k2v[] = {1, 2, 0, 2, 5};
  cu_column *c1 = str(k1, 5), *c2 = f64(k2v, NULL, 5);
  const cu_column *keys[] = {c1, c2};
  int desc[] = {0, 1};
  size_t *idx;
  cu_err e = {0};
  CHECK(cu_argsort(&idx, keys, desc, 2, 5, &e) == 0);
  /* a/2 (row 1), a/2 (row 3, stable), b/1, b/0, missing last */
  CHECK(idx[0] == 1 && idx[1] == 3 && idx[2] == 0 && idx[3] == 2 && idx[4] == 4);
  cu_column *t;
  CHECK(cu_column_take(&t, c2, idx, 5, &e) == 0 && ((double *)t->data)[4] == 5);
  cu_column_release(t);
  free(idx);
  /* a larger random sort checks the merge passes */
  size_t n = 10000;
  cu_column *big = cu_column_new(CU_I64, n, NULL);
  for (size_t i = 0; i < n; i++) ((int64_t *)big->data)[i] = (int64_t)((i * 7919) % 1013);
  const cu_column *bk[] = {big};
  CHECK(cu_argsort(&idx, bk, NULL, 1, n, &e) == 0);
  int ordered = 1;
  for (size_t i = 1; i < n; i++) {
    int64_t a = ((int64_t *)big->data)[idx[i - 1]], b = ((int64_t *)big->data)[idx[i]];
    if (a > b || (a == b && idx[i - 1] > idx[i])) ordered = 0;
  }
  CHECK(ordered);
  free(idx);
  cu_column_release(big);
  const cu_column *parts[] = {c1, c1};
  cu_column *cc;
  CHECK(cu_column_concat(&cc, parts, 2, &e) == 0 && cc->n == 10 && !cu_is_valid(cc, 9));
  cu_column_release(cc);
  const char *other[] = {"z"};
  cu_column *c3 = str(other, 1);
  const cu_column *mixed[] = {c1, c3};
  CHECK(cu_column_concat(&cc, mixed, 2, &e) == 0 && cc->dict->n == 3);
  size_t len;
  CHECK_STR(cu_dict_str(cc->dict, ((int32_t *)cc->data)[5], &len), "z");
  cu_column_release(cc);
  cu_column_release(c3);
  cu_column_release(c1);
  cu_column_release(c2);
}

static void test_frame_ops(void) {
  cu_frame *f = cu_frame_new(0);
  int64_t v[] = {1, 2, 3};
  cu_column *a = i64(v, 3), *b = i64(v, 2);
  cu_err e = {0};
  CHECK(cu_frame_set(f, "a", a, &e) == 0 && f->nrows == 3);
  CHECK(cu_frame_set(f, "b", b, &e) == CU_EARG); /* wrong length */
  CHECK(cu_frame_rename(f, 0, "x", &e) == 0 && cu_frame_find(f, "x") == 0);
  CHECK(cu_frame_drop(f, 0) == 0 && f->ncols == 0);
  cu_column_release(a);
  cu_column_release(b);
  cu_frame_release(f);
}

/* pack.c: a frame through bytes and back keeps names, types, values,
 * missing rows and text; a cut buffer is refused, not read past. */
static void test_pack(void) {
  cu_err e = {0};
  cu_frame *f = cu_frame_new(3);
  cu_column *x = cu_column_new(CU_F64, 3, NULL), *k = cu_column_new(CU_I64, 3, NULL);
  cu_column *t = cu_column_new(CU_TS, 3, NULL), *b = cu_column_new(CU_BOOL, 3, NULL);
  cu_column *s = cu_column_new(CU_STR, 3, NULL);
  for (int i = 0; i < 3; i++) {
    ((double *)x->data)[i] = 0.1 * i;
    ((int64_t *)k->data)[i] = -7 * i;
    ((int64_t *)t->data)[i] = INT64_C(1291161600000000) + i;
    ((uint8_t *)b->data)[i] = (uint8_t)(i & 1);
    ((int32_t *)s->data)[i] = cu_dict_intern(s->dict, i == 1 ? "" : "héllo", i == 1 ? 0 : 6);
  }
  CHECK(cu_column_ensure_mask(x) == 0);
  x->valid[2] = 0;
  CHECK(cu_frame_set(f, "x", x, &e) == 0 && cu_frame_set(f, "k", k, &e) == 0 &&
        cu_frame_set(f, "t", t, &e) == 0 && cu_frame_set(f, "b", b, &e) == 0 &&
        cu_frame_set(f, "s", s, &e) == 0);
  char *buf = NULL;
  size_t n = 0;
  CHECK(cu_frame_pack(f, &buf, &n, &e) == 0);
  cu_frame *g = NULL;
  CHECK(cu_frame_unpack(buf, n, &g, &e) == 0);
  CHECK(g && g->nrows == 3 && g->ncols == 5);
  if (g && g->ncols == 5) {
    CHECK(!strcmp(g->names[4], "s") && g->cols[4]->type == CU_STR);
    CHECK(g->cols[0]->valid && !g->cols[0]->valid[2] && g->cols[0]->valid[1]);
    for (size_t j = 0; j < 4; j++)
      for (size_t r = 0; r < 2; r++)
        CHECK(cu_column_get_f(g->cols[j], r) == cu_column_get_f(f->cols[j], r));
    size_t len;
    CHECK(!strcmp(cu_dict_str(g->cols[4]->dict, ((int32_t *)g->cols[4]->data)[2], &len), "héllo"));
    CHECK(cu_dict_str(g->cols[4]->dict, ((int32_t *)g->cols[4]->data)[1], &len) && len == 0);
  }
  cu_frame *cut = NULL;
  CHECK(cu_frame_unpack(buf, n - 3, &cut, &e) == CU_EPARSE && cut == NULL);
  CHECK(cu_frame_unpack("nope", 4, &cut, &e) == CU_EPARSE);
  free(buf);
  cu_frame_release(g);
  cu_frame_release(f);
  cu_column_release(x);
  cu_column_release(k);
  cu_column_release(t);
  cu_column_release(b);
  cu_column_release(s);
}

int main(void) {
  test_parse();
  test_pack();
  test_arith_and_missing();
  test_compensated_sum();
  test_strings();
  test_sort_take_concat();
  test_frame_ops();
  return check_done("frame");
}
