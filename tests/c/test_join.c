/* test_join.c: equi-join, as-of join, pivot and unpivot kernels.
 * Expected rows worked by hand on the small tables below. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frame.h"

static cu_column *strs(const char *const *v, size_t n, cu_dict *dict) {
  cu_column *c = cu_column_new(CU_STR, n, dict);
  for (size_t i = 0; i < n; i++) ((int32_t *)c->data)[i] = cu_dict_intern(c->dict, v[i], strlen(v[i]));
  return c;
}

static cu_column *nums(const double *v, size_t n) {
  cu_column *c = cu_column_new(CU_F64, n, NULL);
  memcpy(c->data, v, n * sizeof *v);
  return c;
}

int main(void) {
  cu_err e = {0};
  /* left: a b c a NA;  right (own dictionary): b a a d */
  const char *lv[] = {"a", "b", "c", "a", "a"}, *rv[] = {"b", "a", "a", "d"};
  cu_column *l = strs(lv, 5, NULL), *r = strs(rv, 4, NULL);
  cu_column_ensure_mask(l);
  l->valid[4] = 0;
  const cu_column *lk[] = {l}, *rk[] = {r};
  size_t *li, *ri, n;
  CHECK(cu_join_index(&li, &ri, &n, lk, rk, 1, CU_JOIN_INNER, &e) == 0);
  /* a -> right 1, 2; b -> 0; a -> 1, 2; c and NA match nothing */
  size_t want_l[] = {0, 0, 1, 3, 3}, want_r[] = {1, 2, 0, 1, 2};
  CHECK(n == 5);
  for (size_t k = 0; k < 5; k++) CHECK(li[k] == want_l[k] && ri[k] == want_r[k]);
  free(li), free(ri);
  CHECK(cu_join_index(&li, &ri, &n, lk, rk, 1, CU_JOIN_LEFT, &e) == 0);
  CHECK(n == 7 && li[3] == 2 && ri[3] == SIZE_MAX && li[6] == 4 && ri[6] == SIZE_MAX);
  free(li), free(ri);

  /* int64 against float64 keys compare as numbers; text against numbers is an error */
  cu_column *ik = cu_column_new(CU_I64, 3, NULL);
  int64_t iv[] = {1, 2, 3};
  memcpy(ik->data, iv, sizeof iv);
  double fv[] = {3.0, 2.5, 1.0};
  cu_column *fk = nums(fv, 3);
  const cu_column *ikk[] = {ik}, *fkk[] = {fk};
  CHECK(cu_join_index(&li, &ri, &n, ikk, fkk, 1, CU_JOIN_INNER, &e) == 0);
  CHECK(n == 2 && li[0] == 0 && ri[0] == 2 && li[1] == 2 && ri[1] == 0);
  free(li), free(ri);
  CHECK(cu_join_index(&li, &ri, &n, ikk, rk, 1, CU_JOIN_INNER, &e) == CU_EARG);
  CHECK(strstr(e.msg, "int64") && strstr(e.msg, "string"));

  /* as-of: left (key, t) = (a,1) (b,2) (a,3) (a,0); right (a,0.5) (a,2.5) (b,3) (a,2.5) */
  const char *ak[] = {"a", "b", "a", "a"}, *bk[] = {"a", "a", "b", "a"};
  double at[] = {1, 2, 3, 0}, bt[] = {0.5, 2.5, 3, 2.5};
  cu_column *alk = strs(ak, 4, NULL), *brk = strs(bk, 4, alk->dict), *alt = nums(at, 4),
            *brt = nums(bt, 4);
  const cu_column *ak1[] = {alk}, *bk1[] = {brk};
  size_t *m;
  CHECK(cu_join_asof(&m, ak1, bk1, 1, alt, brt, &e) == 0);
  /* (a,1) -> row 0; (b,2) none; (a,3) -> the last of the two at 2.5, row 3; (a,0) none */
  CHECK(m[0] == 0 && m[1] == SIZE_MAX && m[2] == 3 && m[3] == SIZE_MAX);
  free(m);
  CHECK(cu_join_asof(&m, NULL, NULL, 0, alt, brt, &e) == 0); /* no keys: by time alone */
  CHECK(m[0] == 0 && m[1] == 0 && m[2] == 2 && m[3] == SIZE_MAX);
  free(m);

  /* pivot: rows a a b, names 1 2 1, values 5 6 7 */
  const char *pc[] = {"a", "a", "b"};
  double pn[] = {1, 2, 1}, pv[] = {5, 6, 7};
  cu_column *pcol = strs(pc, 3, NULL), *pname = nums(pn, 3), *pval = nums(pv, 3);
  cu_groups gr, gn;
  const cu_column *pk[] = {pcol}, *nk[] = {pname};
  CHECK(cu_group(&gr, pk, 1, 3, &e) == 0 && cu_group(&gn, nk, 1, 3, &e) == 0);
  cu_column *out[2];
  CHECK(cu_pivot(out, &gr, &gn, pval, CU_AGG_SUM, &e) == 0);
  CHECK(((double *)out[0]->data)[0] == 5 && ((double *)out[0]->data)[1] == 7);
  CHECK(((double *)out[1]->data)[0] == 6 && !cu_is_valid(out[1], 1));
  cu_column_release(out[0]), cu_column_release(out[1]);
  size_t da, db;
  CHECK(cu_pivot_duplicates(&da, &db, &gr, &gn) == 0);
  CHECK(cu_pivot(out, &gr, &gn, pcol, CU_AGG_MEAN, &e) == CU_EARG); /* text has no mean */
  cu_groups_free(&gr), cu_groups_free(&gn);

  /* unpivot: c, x, y -> c, variable, value */
  cu_frame *f = cu_frame_new(3), *u;
  cu_frame_set(f, "c", pcol, &e);
  cu_frame_set(f, "x", pname, &e);
  cu_frame_set(f, "y", pval, &e);
  size_t ids[] = {0}, vals[] = {1, 2};
  CHECK(cu_unpivot(&u, f, ids, 1, vals, 2, "variable", "value", &e) == 0);
  CHECK(u->nrows == 6 && u->ncols == 3 && ((double *)u->cols[2]->data)[4] == 6);
  size_t len;
  CHECK(!strcmp(cu_dict_str(u->cols[1]->dict, ((int32_t *)u->cols[1]->data)[3], &len), "y"));
  cu_frame_release(u);
  cu_frame_release(f);

  cu_column_release(l), cu_column_release(r), cu_column_release(ik), cu_column_release(fk);
  cu_column_release(alk), cu_column_release(brk), cu_column_release(alt), cu_column_release(brt);
  cu_column_release(pcol), cu_column_release(pname), cu_column_release(pval);
  return check_done("join");
}
