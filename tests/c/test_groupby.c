/* test_groupby.c: grouping and every aggregation.
 * Expected values worked by hand on the 6-row table below. */
#include <stdlib.h>

#include "check.h"
#include "frame.h"

int main(void) {
  /*  key  x    y
   *  a    1    u
   *  b    2    v
   *  a    NA   u
   *  c    4    w
   *  b    5    x
   *  a    6    v   */
  const char *keys[] = {"a", "b", "a", "c", "b", "a"};
  const char *ys[] = {"u", "v", "u", "w", "x", "v"};
  double xs[] = {1, 2, 0, 4, 5, 6};
  cu_column *k = cu_column_new(CU_STR, 6, NULL), *y = cu_column_new(CU_STR, 6, NULL);
  cu_column *x = cu_column_new(CU_F64, 6, NULL);
  cu_column_ensure_mask(x);
  for (int i = 0; i < 6; i++) {
    ((int32_t *)k->data)[i] = cu_dict_intern(k->dict, keys[i], 1);
    ((int32_t *)y->data)[i] = cu_dict_intern(y->dict, ys[i], 1);
    ((double *)x->data)[i] = xs[i];
  }
  x->valid[2] = 0;
  cu_groups g;
  cu_err e = {0};
  const cu_column *kk[] = {k};
  CHECK(cu_group(&g, kk, 1, 6, &e) == 0);
  CHECK(g.ngroups == 3 && g.first[0] == 0 && g.first[1] == 1 && g.first[2] == 3);
  cu_column *r;
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_SUM, &e) == 0);
  CHECK(((double *)r->data)[0] == 7 && ((double *)r->data)[1] == 7 && ((double *)r->data)[2] == 4);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_COUNT, &e) == 0 && ((int64_t *)r->data)[0] == 2);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_SIZE, &e) == 0 && ((int64_t *)r->data)[0] == 3);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_MEAN, &e) == 0 && ((double *)r->data)[0] == 3.5);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_MIN, &e) == 0 && ((double *)r->data)[1] == 2);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_MAX, &e) == 0 && ((double *)r->data)[0] == 6);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_FIRST, &e) == 0 && ((double *)r->data)[0] == 1);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_LAST, &e) == 0 && ((double *)r->data)[0] == 6);
  cu_column_release(r);
  /* var of {1, 6} with ddof 1 = 12.5; a single value has no variance */
  CHECK(cu_group_agg(&r, &g, x, CU_AGG_VAR, &e) == 0 && ((double *)r->data)[0] == 12.5);
  CHECK(!cu_is_valid(r, 2));
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, y, CU_AGG_NUNIQUE, &e) == 0);
  CHECK(((int64_t *)r->data)[0] == 2 && ((int64_t *)r->data)[1] == 2 &&
        ((int64_t *)r->data)[2] == 1);
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, y, CU_AGG_MAX, &e) == 0);
  size_t len;
  CHECK_STR(cu_dict_str(r->dict, ((int32_t *)r->data)[1], &len), "x");
  cu_column_release(r);
  CHECK(cu_group_agg(&r, &g, y, CU_AGG_SUM, &e) == CU_ETYPE);
  cu_agg_fn fn;
  CHECK(cu_agg_parse("n_unique", &fn) == 0 && fn == CU_AGG_NUNIQUE);
  CHECK(cu_agg_parse("median?", &fn) != 0);
  cu_groups_free(&g);
  /* two keys, with a missing key value forming its own group */
  cu_column *k2 = cu_column_new(CU_I64, 6, NULL);
  cu_column_ensure_mask(k2);
  k2->valid[4] = 0;
  const cu_column *kk2[] = {k, k2};
  CHECK(cu_group(&g, kk2, 2, 6, &e) == 0 && g.ngroups == 4);
  cu_groups_free(&g);
  cu_column_release(k2);
  cu_column_release(k);
  cu_column_release(x);
  cu_column_release(y);
  return check_done("groupby");
}
