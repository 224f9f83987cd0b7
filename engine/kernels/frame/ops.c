/* ops.c: element-wise column operations and reductions.
 *
 * Every operation reads one or two operands (column or scalar) and writes a
 * new column; missing values propagate.  Results that would be NaN or
 * infinite (x/0, log(-1)) become missing rather than leaking NaN into a
 * report.  Sums use Neumaier's compensated summation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "frame.h"
#include "ops_fast.h"
#include "xsum.h"

static int nomem(cu_err *e) { return cu_err_set(e, CU_ENOMEM, "out of memory"); }

typedef struct {
  const cu_column *c;
  const cu_scalar *s;
  cu_type t;
} opnd;

static opnd mk(const cu_column *c, const cu_scalar *s) {
  opnd o = {c, s, c ? c->type : s->type};
  return o;
}
static inline int ov(const opnd *o, size_t i) {
  return o->c ? cu_is_valid(o->c, i) : !o->s->missing;
}
static inline double of(const opnd *o, size_t i) {
  if (!o->c) return o->s->type == CU_F64 ? o->s->f : (double)o->s->i;
  return cu_column_get_f(o->c, i);
}
static inline int64_t oi(const opnd *o, size_t i) {
  if (!o->c) return o->s->i;
  if (o->c->type == CU_BOOL) return ((const uint8_t *)o->c->data)[i];
  return ((const int64_t *)o->c->data)[i];
}
static int is_num(cu_type t) { return t == CU_F64 || t == CU_I64 || t == CU_BOOL; }

static size_t op_len(const cu_column *a, const cu_column *b, int *bad) {
  *bad = a && b && a->n != b->n;
  return a ? a->n : b ? b->n : 1;
}

/* Allocates the result with a mask; the mask is dropped again at the end
 * when nothing turned out missing. */
static cu_column *new_result(cu_type t, size_t n) {
  cu_column *r = cu_column_new(t, n, NULL);
  if (r && cu_column_ensure_mask(r)) {
    cu_column_release(r);
    return NULL;
  }
  return r;
}

static double fmod_floor(double a, double b) {
  double m = fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

int cu_arith(cu_column **out, const cu_column *a, const cu_scalar *as, const cu_column *b,
             const cu_scalar *bs, cu_arith_op op, cu_err *e) {
  static const char *const opname[] = {"+", "-", "*", "/", "%", "^"};
  int bad;
  size_t n = op_len(a, b, &bad);
  if (bad) return cu_err_set(e, CU_EARG, "columns differ in length (%zu and %zu)", a->n, b->n);
  opnd x = mk(a, as), y = mk(b, bs);
  cu_scalar conv;
  if ((x.t == CU_TS && !b && bs->type == CU_STR) || (y.t == CU_TS && !a && as->type == CU_STR)) {
    /* t - "2011-01-01": the text is an ISO timestamp */
    const cu_scalar *txt = b ? as : bs;
    conv = *txt;
    conv.type = CU_TS;
    if (cu_ts_parse(txt->s, txt->len, CU_TSF_ISO, &conv.i))
      return cu_err_set(e, CU_EARG, "cannot read '%.40s' as a timestamp (YYYY-MM-DD[ HH:MM:SS])",
                        txt->s);
    if (b)
      x = mk(NULL, &conv);
    else
      y = mk(NULL, &conv);
  }
  cu_type rt;
  int ts_mode = 0; /* 1: ts - ts in days, 2: ts +/- days, 3: days + ts */
  if (is_num(x.t) && is_num(y.t)) {
    rt = (x.t == CU_F64 || y.t == CU_F64 || op == CU_DIV || op == CU_POW) ? CU_F64 : CU_I64;
  } else if (x.t == CU_TS && y.t == CU_TS && op == CU_SUB) {
    rt = CU_F64;
    ts_mode = 1;
  } else if (x.t == CU_TS && is_num(y.t) && (op == CU_ADD || op == CU_SUB)) {
    rt = CU_TS;
    ts_mode = 2;
  } else if (is_num(x.t) && y.t == CU_TS && op == CU_ADD) {
    rt = CU_TS;
    ts_mode = 3;
  } else {
    return cu_err_set(e, CU_ETYPE, "cannot apply %s to %s and %s", opname[op], cu_type_name(x.t),
                      cu_type_name(y.t));
  }
  if (!ts_mode && rt == CU_F64) {
    int fast = cu_fast_arith(out, x.c, x.s, y.c, y.s, op);
    if (fast) return fast < 0 ? nomem(e) : CU_OK;
  }
  cu_column *r = new_result(rt, n);
  if (!r) return nomem(e);
  double *rf = r->data;
  int64_t *ri = r->data;
  for (size_t i = 0; i < n; i++) {
    if (!ov(&x, i) || !ov(&y, i)) {
      r->valid[i] = 0;
      continue;
    }
    if (ts_mode == 1) {
      rf[i] = (double)(oi(&x, i) - oi(&y, i)) / (double)CU_US_PER_DAY;
    } else if (ts_mode) {
      const opnd *t = ts_mode == 2 ? &x : &y, *d = ts_mode == 2 ? &y : &x;
      double delta = of(d, i) * (double)CU_US_PER_DAY;
      if (op == CU_SUB) delta = -delta;
      ri[i] = oi(t, i) + (int64_t)llround(delta);
    } else if (rt == CU_I64) {
      int64_t p = oi(&x, i), q = oi(&y, i), v = 0;
      int ovf = 0;
      switch (op) {
      case CU_ADD: ovf = __builtin_add_overflow(p, q, &v); break;
      case CU_SUB: ovf = __builtin_sub_overflow(p, q, &v); break;
      case CU_MUL: ovf = __builtin_mul_overflow(p, q, &v); break;
      case CU_MOD:
        if (q == 0 || (q == -1 && p == INT64_MIN)) {
          r->valid[i] = 0;
          continue;
        }
        v = p % q;
        if (v != 0 && ((v < 0) != (q < 0))) v += q;
        break;
      default: break;
      }
      if (ovf) {
        cu_column_release(r);
        return cu_err_set(e, CU_ERANGE, "row %zu: integer overflow in %lld %s %lld", i + 1,
                          (long long)p, opname[op], (long long)q);
      }
      ri[i] = v;
    } else {
      double p = of(&x, i), q = of(&y, i), v;
      switch (op) {
      case CU_ADD: v = p + q; break;
      case CU_SUB: v = p - q; break;
      case CU_MUL: v = p * q; break;
      case CU_DIV: v = p / q; break;
      case CU_MOD: v = q == 0 ? NAN : fmod_floor(p, q); break;
      default: v = pow(p, q); break;
      }
      if (!isfinite(v))
        r->valid[i] = 0;
      else
        rf[i] = v;
    }
  }
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_negate(cu_column **out, const cu_column *a, cu_err *e) {
  cu_scalar zero = {.type = CU_I64};
  if (a->type == CU_F64) { /* 0 - x would turn 0 into 0, not -0 */
    cu_scalar m1 = {.type = CU_F64, .f = -1};
    return cu_arith(out, a, NULL, NULL, &m1, CU_MUL, e);
  }
  return cu_arith(out, NULL, &zero, a, NULL, CU_SUB, e);
}

static int cmp_result(int c, cu_cmp_op op) {
  switch (op) {
  case CU_EQ: return c == 0;
  case CU_NE: return c != 0;
  case CU_LT: return c < 0;
  case CU_LE: return c <= 0;
  case CU_GT: return c > 0;
  default: return c >= 0;
  }
}

static int bytes_cmp(const char *a, size_t la, const char *b, size_t lb) {
  int r = memcmp(a, b, la < lb ? la : lb);
  if (r) return r;
  return (la > lb) - (la < lb);
}

int cu_compare(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
               cu_cmp_op op, cu_err *e) {
  int bad;
  size_t n = op_len(a, b, &bad);
  if (bad) return cu_err_set(e, CU_EARG, "columns differ in length (%zu and %zu)", a->n, b->n);
  opnd x = mk(a, NULL), y = mk(b, bs);
  cu_scalar conv;
  if (x.t == CU_TS && !b && bs->type == CU_STR) { /* t:ge("2011-01-01") */
    conv = *bs;
    conv.type = CU_TS;
    if (cu_ts_parse(bs->s, bs->len, CU_TSF_ISO, &conv.i))
      return cu_err_set(e, CU_EARG,
                        "cannot compare a timestamp with '%.40s' (expected "
                        "YYYY-MM-DD[ HH:MM:SS])",
                        bs->s);
    y = mk(NULL, &conv);
  }
  int numeric = is_num(x.t) && is_num(y.t);
  if (!numeric && !(x.t == y.t))
    return cu_err_set(e, CU_ETYPE, "cannot compare %s with %s", cu_type_name(x.t),
                      cu_type_name(y.t));
  if (numeric && (b || (bs->type == CU_I64 || isfinite(bs->f)))) {
    int fast = cu_fast_compare(out, a, b, bs, op);
    if (fast) return fast < 0 ? nomem(e) : CU_OK;
  }
  cu_column *r = new_result(CU_BOOL, n);
  if (!r) return nomem(e);
  uint8_t *rv = r->data;
  if (x.t == CU_STR && !b) {
    /* Evaluate once per dictionary entry, then map the codes. */
    const cu_dict *d = a->dict;
    uint8_t *truth = malloc((size_t)d->n + 1);
    if (!truth) {
      cu_column_release(r);
      return nomem(e);
    }
    for (int32_t c = 0; c < d->n; c++) {
      size_t len;
      const char *s = cu_dict_str(d, c, &len);
      truth[c] = (uint8_t)cmp_result(bytes_cmp(s, len, bs->s, bs->len), op);
    }
    const int32_t *codes = a->data;
    for (size_t i = 0; i < n; i++) {
      if (!cu_is_valid(a, i) || bs->missing)
        r->valid[i] = 0;
      else
        rv[i] = truth[codes[i]];
    }
    free(truth);
  } else {
    for (size_t i = 0; i < n; i++) {
      if (!ov(&x, i) || !ov(&y, i)) {
        r->valid[i] = 0;
        continue;
      }
      int c;
      if (x.t == CU_STR) {
        size_t la, lb;
        const char *sa = cu_dict_str(a->dict, ((const int32_t *)a->data)[i], &la);
        const char *sb = cu_dict_str(b->dict, ((const int32_t *)b->data)[i], &lb);
        c = bytes_cmp(sa, la, sb, lb);
      } else if (x.t == CU_F64 || y.t == CU_F64) {
        double p = of(&x, i), q = of(&y, i);
        c = (p > q) - (p < q);
      } else {
        int64_t p = oi(&x, i), q = oi(&y, i);
        c = (p > q) - (p < q);
      }
      rv[i] = (uint8_t)cmp_result(c, op);
    }
  }
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_logic(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
             cu_logic_op op, cu_err *e) {
  int bad;
  size_t n = op_len(a, b, &bad);
  if (bad) return cu_err_set(e, CU_EARG, "columns differ in length (%zu and %zu)", a->n, b->n);
  opnd x = mk(a, NULL), y = mk(b, bs);
  if (x.t != CU_BOOL || y.t != CU_BOOL)
    return cu_err_set(e, CU_ETYPE, "and/or need bool operands, got %s and %s", cu_type_name(x.t),
                      cu_type_name(y.t));
  int fast = cu_fast_logic(out, a, b, op == CU_AND);
  if (fast) return fast < 0 ? nomem(e) : CU_OK;
  cu_column *r = new_result(CU_BOOL, n);
  if (!r) return nomem(e);
  uint8_t *rv = r->data;
  for (size_t i = 0; i < n; i++) {
    int va = ov(&x, i), vb = ov(&y, i);
    int p = va && oi(&x, i), q = vb && oi(&y, i);
    if (op == CU_AND) {
      if ((va && !p) || (vb && !q))
        rv[i] = 0;
      else if (va && vb)
        rv[i] = 1;
      else
        r->valid[i] = 0;
    } else {
      if (p || q)
        rv[i] = 1;
      else if (va && vb)
        rv[i] = 0;
      else
        r->valid[i] = 0;
    }
  }
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_not(cu_column **out, const cu_column *a, cu_err *e) {
  if (a->type != CU_BOOL)
    return cu_err_set(e, CU_ETYPE, "not needs a bool column, got %s", cu_type_name(a->type));
  cu_column *r = cu_column_new(CU_BOOL, a->n, NULL);
  if (!r) return nomem(e);
  const uint8_t *v = a->data;
  uint8_t *rv = r->data;
  for (size_t i = 0; i < a->n; i++) rv[i] = !v[i];
  if (a->valid) {
    if (cu_column_ensure_mask(r)) {
      cu_column_release(r);
      return nomem(e);
    }
    memcpy(r->valid, a->valid, a->n);
  }
  *out = r;
  return CU_OK;
}

int cu_is_missing(cu_column **out, const cu_column *a, cu_err *e) {
  cu_column *r = cu_column_new(CU_BOOL, a->n, NULL);
  if (!r) return nomem(e);
  uint8_t *rv = r->data;
  for (size_t i = 0; i < a->n; i++) rv[i] = !cu_is_valid(a, i);
  *out = r;
  return CU_OK;
}

int cu_fill_missing(cu_column **out, const cu_column *a, const cu_scalar *v, cu_err *e) {
  cu_scalar s = *v;
  if (a->type == CU_F64 && (s.type == CU_I64)) {
    s.type = CU_F64;
    s.f = (double)s.i;
  }
  if (a->type == CU_TS && s.type == CU_STR) {
    s.type = CU_TS;
    if (cu_ts_parse(v->s, v->len, CU_TSF_ISO, &s.i))
      return cu_err_set(e, CU_EARG, "cannot read '%.40s' as a timestamp", v->s);
  }
  if (s.type != a->type)
    return cu_err_set(e, CU_ETYPE, "cannot fill a %s column with a %s", cu_type_name(a->type),
                      cu_type_name(s.type));
  cu_column *r = cu_column_new(a->type, a->n, a->dict);
  if (!r) return nomem(e);
  int32_t code = 0;
  if (a->type == CU_STR && !s.missing) {
    /* The fill value may be new to the dictionary: give the result its own
     * copy so the source stays immutable. */
    cu_dict *d = cu_dict_new();
    for (int32_t c = 0; d && c < a->dict->n; c++) {
      size_t len;
      const char *str = cu_dict_str(a->dict, c, &len);
      if (cu_dict_intern_h(d, str, len, a->dict->hash[c]) < 0) {
        cu_dict_release(d);
        d = NULL;
      }
    }
    if (!d || (code = cu_dict_intern(d, s.s, s.len)) < 0) {
      cu_dict_release(d);
      cu_column_release(r);
      return nomem(e);
    }
    cu_dict_release(r->dict);
    r->dict = d;
  }
  size_t w = cu_type_width(a->type);
  memcpy(r->data, a->data, a->n * w);
  for (size_t i = 0; i < a->n; i++) {
    if (cu_is_valid(a, i)) continue;
    switch (a->type) {
    case CU_F64: ((double *)r->data)[i] = s.f; break;
    case CU_I64:
    case CU_TS: ((int64_t *)r->data)[i] = s.i; break;
    case CU_BOOL: ((uint8_t *)r->data)[i] = (uint8_t)s.i; break;
    case CU_STR: ((int32_t *)r->data)[i] = code; break;
    }
  }
  *out = r;
  return CU_OK;
}

static int need_str(const cu_column *a, const char *what, cu_err *e) {
  if (a->type == CU_STR) return CU_OK;
  return cu_err_set(e, CU_ETYPE, "%s needs a string column, got %s", what, cu_type_name(a->type));
}

/* Maps a per-dictionary-entry result onto the rows. */
static int map_codes(cu_column *r, const cu_column *a, const void *per_code, size_t w) {
  const int32_t *codes = a->data;
  for (size_t i = 0; i < a->n; i++)
    if (cu_is_valid(a, i))
      memcpy((char *)r->data + i * w, (const char *)per_code + (size_t)codes[i] * w, w);
  if (a->valid) {
    if (cu_column_ensure_mask(r)) return -1;
    memcpy(r->valid, a->valid, a->n);
  }
  return 0;
}

int cu_str_test(cu_column **out, const cu_column *a, const char *pat, size_t len,
                cu_str_test_t test, cu_err *e) {
  if (need_str(a, "startswith/endswith/contains", e)) return e->code;
  const cu_dict *d = a->dict;
  uint8_t *truth = malloc((size_t)d->n + 1);
  cu_column *r = cu_column_new(CU_BOOL, a->n, NULL);
  if (!truth || !r) goto oom;
  for (int32_t c = 0; c < d->n; c++) {
    size_t sl;
    const char *s = cu_dict_str(d, c, &sl);
    int t = 0;
    if (len <= sl) switch (test) {
      case CU_STR_STARTS: t = !memcmp(s, pat, len); break;
      case CU_STR_ENDS: t = !memcmp(s + sl - len, pat, len); break;
      case CU_STR_CONTAINS: t = len == 0 || memmem(s, sl, pat, len) != NULL; break;
      }
    truth[c] = (uint8_t)t;
  }
  if (map_codes(r, a, truth, 1)) goto oom;
  free(truth);
  *out = r;
  return CU_OK;
oom:
  free(truth);
  cu_column_release(r);
  return nomem(e);
}

/* Rewrites each dictionary entry with fn (into buf, at most 3 bytes per
 * input byte) and maps the rows onto the new strings. */
typedef size_t (*rewrite_fn)(const unsigned char *s, size_t len, char *buf, int arg);

static int rewrite_strings(cu_column **out, const cu_column *a, rewrite_fn fn, int arg, cu_err *e) {
  const cu_dict *d = a->dict;
  cu_column *r = cu_column_new(CU_STR, a->n, NULL);
  int32_t *remap = malloc(((size_t)d->n + 1) * sizeof *remap);
  char *buf = NULL;
  size_t cap = 0;
  if (!r || !remap) goto oom;
  for (int32_t c = 0; c < d->n; c++) {
    size_t sl;
    const unsigned char *s = (const unsigned char *)cu_dict_str(d, c, &sl);
    if (sl * 3 + 1 > cap) {
      cap = sl * 3 + 64;
      char *nb = realloc(buf, cap);
      if (!nb) goto oom;
      buf = nb;
    }
    if ((remap[c] = cu_dict_intern(r->dict, buf, fn(s, sl, buf, arg))) < 0) goto oom;
  }
  if (map_codes(r, a, remap, sizeof *remap)) goto oom;
  free(remap);
  free(buf);
  *out = r;
  return CU_OK;
oom:
  free(remap);
  free(buf);
  cu_column_release(r);
  return nomem(e);
}

static size_t ascii_case(const unsigned char *s, size_t len, char *buf, int upper) {
  for (size_t k = 0; k < len; k++) {
    char ch = (char)s[k];
    if (upper && ch >= 'a' && ch <= 'z') ch -= 32;
    if (!upper && ch >= 'A' && ch <= 'Z') ch += 32;
    buf[k] = ch;
  }
  return len;
}

int cu_str_case(cu_column **out, const cu_column *a, int upper, cu_err *e) {
  if (need_str(a, upper ? "upper" : "lower", e)) return e->code;
  return rewrite_strings(out, a, ascii_case, upper, e);
}

int cu_str_length(cu_column **out, const cu_column *a, cu_err *e) {
  if (need_str(a, "length", e)) return e->code;
  const cu_dict *d = a->dict;
  cu_column *r = cu_column_new(CU_I64, a->n, NULL);
  int64_t *lens = malloc(((size_t)d->n + 1) * sizeof *lens);
  if (!r || !lens) {
    free(lens);
    cu_column_release(r);
    return nomem(e);
  }
  for (int32_t c = 0; c < d->n; c++) { /* characters, not bytes (UTF-8) */
    size_t sl;
    const unsigned char *s = (const unsigned char *)cu_dict_str(d, c, &sl);
    int64_t k = 0;
    for (size_t j = 0; j < sl; j++) k += (s[j] & 0xC0) != 0x80;
    lens[c] = k;
  }
  int st = map_codes(r, a, lens, sizeof *lens);
  free(lens);
  if (st) {
    cu_column_release(r);
    return nomem(e);
  }
  *out = r;
  return CU_OK;
}

static int copy_mask(cu_column *r, const cu_column *a) {
  if (!a->valid) return 0;
  if (cu_column_ensure_mask(r)) return -1;
  memcpy(r->valid, a->valid, a->n);
  return 0;
}

int cu_date_part(cu_column **out, const cu_column *a, cu_date_part_t part, cu_err *e) {
  if (a->type != CU_TS)
    return cu_err_set(e, CU_ETYPE, "date parts need a timestamp column, got %s",
                      cu_type_name(a->type));
  cu_column *r = cu_column_new(CU_I64, a->n, NULL);
  if (!r || copy_mask(r, a)) {
    cu_column_release(r);
    return nomem(e);
  }
  const int64_t *t = a->data;
  int64_t *v = r->data;
  for (size_t i = 0; i < a->n; i++) {
    int64_t days = cu_floordiv(t[i], CU_US_PER_DAY);
    int64_t sec = (t[i] - days * CU_US_PER_DAY) / CU_US_PER_SEC;
    int64_t y;
    unsigned m, d;
    switch (part) {
    case CU_PART_HOUR: v[i] = sec / 3600; continue;
    case CU_PART_MINUTE: v[i] = sec / 60 % 60; continue;
    case CU_PART_SECOND: v[i] = sec % 60; continue;
    case CU_PART_WEEKDAY: v[i] = cu_weekday_index(days) + 1; continue;
    default: break;
    }
    cu_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case CU_PART_YEAR: v[i] = y; break;
    case CU_PART_MONTH: v[i] = m; break;
    case CU_PART_DAY: v[i] = d; break;
    case CU_PART_QUARTER: v[i] = (m - 1) / 3 + 1; break;
    case CU_PART_YEARDAY: v[i] = days - cu_days_from_civil(y, 1, 1) + 1; break;
    default: break;
    }
  }
  *out = r;
  return CU_OK;
}

int cu_date_floor(cu_column **out, const cu_column *a, cu_floor_unit unit, cu_err *e) {
  if (a->type != CU_TS)
    return cu_err_set(e, CU_ETYPE, "floor needs a timestamp column, got %s", cu_type_name(a->type));
  cu_column *r = cu_column_new(CU_TS, a->n, NULL);
  if (!r || copy_mask(r, a)) {
    cu_column_release(r);
    return nomem(e);
  }
  const int64_t *t = a->data;
  int64_t *v = r->data;
  for (size_t i = 0; i < a->n; i++) v[i] = cu_ts_floor(t[i], unit);
  *out = r;
  return CU_OK;
}

int cu_math(cu_column **out, const cu_column *a, int fn, cu_err *e) {
  if (!is_num(a->type))
    return cu_err_set(e, CU_ETYPE, "math functions need a numeric column, got %s",
                      cu_type_name(a->type));
  cu_column *r = new_result(CU_F64, a->n);
  if (!r) return nomem(e);
  double *v = r->data;
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) {
      r->valid[i] = 0;
      continue;
    }
    double x = cu_column_get_f(a, i), y;
    switch (fn) {
    case 0: y = x > 0 ? log(x) : NAN; break;
    case 1: y = x > -1 ? log1p(x) : NAN; break;
    case 2: y = exp(x); break;
    case 3: y = x >= 0 ? sqrt(x) : NAN; break;
    case 4: y = fabs(x); break;
    case 5: y = round(x); break;
    case 6: y = floor(x); break;
    default: y = ceil(x); break;
    }
    if (isfinite(y))
      v[i] = y;
    else
      r->valid[i] = 0;
  }
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_round(cu_column **out, const cu_column *a, int digits, cu_err *e) {
  if (digits < -15 || digits > 15)
    return cu_err_set(e, CU_EARG, "round: digits must be within [-15, 15], got %d", digits);
  if (digits == 0) return cu_math(out, a, 5, e);
  int st = cu_math(out, a, 4, e); /* a float64 copy with a's mask (abs is replaced below) */
  if (st) return st;
  double scale = pow(10.0, abs(digits)), *v = (*out)->data;
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(*out, i)) continue;
    double x = cu_column_get_f(a, i), y = digits > 0 ? round(x * scale) / scale
                                                     : round(x / scale) * scale;
    v[i] = !isfinite(y) ? x /* x * scale past DBL_MAX: x has no digits to drop */
           : y == 0 ? 0.0      /* no -0.0 in a table */
                    : y;
  }
  return CU_OK;
}

int cu_clip(cu_column **out, const cu_column *a, double lo, double hi, cu_err *e) {
  if (!is_num(a->type))
    return cu_err_set(e, CU_ETYPE, "clip needs a numeric column, got %s", cu_type_name(a->type));
  if (lo > hi)
    return cu_err_set(e, CU_EARG, "clip: the lower bound %g is above the upper %g", lo, hi);
  cu_column *r = new_result(CU_F64, a->n);
  if (!r || copy_mask(r, a)) {
    cu_column_release(r);
    return nomem(e);
  }
  double *v = r->data;
  for (size_t i = 0; i < a->n; i++) {
    double x = cu_column_get_f(a, i);
    v[i] = x < lo ? lo : x > hi ? hi : x;
  }
  *out = r;
  return CU_OK;
}

/* ---------------------------------------------------------- reductions -- */

static int need_num(const cu_column *a, const char *what, int allow_ts, cu_err *e) {
  if (is_num(a->type) || (allow_ts && a->type == CU_TS)) return CU_OK;
  return cu_err_set(e, CU_ETYPE, "%s is not defined for a %s column", what, cu_type_name(a->type));
}

int cu_sum(cu_stat *out, const cu_column *a, cu_err *e) {
  if (need_num(a, "sum", 0, e)) return e->code;
  memset(out, 0, sizeof *out);
  if (a->type != CU_F64) {
    int64_t s = 0;
    for (size_t i = 0; i < a->n; i++) {
      if (!cu_is_valid(a, i)) continue;
      int64_t v =
          a->type == CU_BOOL ? ((const uint8_t *)a->data)[i] : ((const int64_t *)a->data)[i];
      if (__builtin_add_overflow(s, v, &s))
        return cu_err_set(e, CU_ERANGE, "integer overflow in sum");
      out->count++;
    }
    out->is_int = 1;
    out->i = s;
    return CU_OK;
  }
  if (!a->valid) {
    out->f = cu_fast_sum(a->data, a->n);
    out->count = a->n;
    return CU_OK;
  }
  double s = 0, c = 0;
  const double *x = a->data;
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) continue;
    double t = s + x[i];
    c += fabs(s) >= fabs(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
    s = t;
    out->count++;
  }
  out->f = s + c;
  return CU_OK;
}

int cu_exact_sum(double *out, const cu_column *a, cu_err *e) {
  if (a->type != CU_F64)
    return cu_err_set(e, CU_ETYPE, "exact_sum is defined for a float64 column, not %s",
                      cu_type_name(a->type));
  cu_xsum s;
  cu_xsum_zero(&s);
  const double *x = a->data;
  for (size_t i = 0; i < a->n; i++)
    if (cu_is_valid(a, i)) cu_xsum_add(&s, x[i]);
  *out = s.bad ? NAN : cu_xsum_value(&s);
  return CU_OK;
}

int cu_mean(cu_stat *out, const cu_column *a, cu_err *e) {
  if (need_num(a, "mean", 1, e)) return e->code;
  memset(out, 0, sizeof *out);
  if (a->type == CU_F64 && !a->valid) {
    out->count = a->n;
    if (a->n) out->f = cu_fast_sum(a->data, a->n) / (double)a->n;
    return CU_OK;
  }
  double s = 0, c = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) continue;
    double xi = cu_column_get_f(a, i), t = s + xi;
    c += fabs(s) >= fabs(xi) ? (s - t) + xi : (xi - t) + s;
    s = t;
    out->count++;
  }
  if (out->count) out->f = (s + c) / (double)out->count;
  if (a->type == CU_TS) {
    out->is_int = 1;
    out->i = (int64_t)llround(out->f);
  }
  return CU_OK;
}

static int minmax(cu_stat *out, const cu_column *a, int want_max, cu_err *e) {
  memset(out, 0, sizeof *out);
  if (a->type == CU_STR) {
    if (cu_dict_ranks(a->dict)) return nomem(e);
    const int32_t *codes = a->data, *rank = a->dict->rank;
    int32_t best = -1;
    for (size_t i = 0; i < a->n; i++) {
      if (!cu_is_valid(a, i)) continue;
      int32_t c = codes[i];
      if (best < 0 || (want_max ? rank[c] > rank[best] : rank[c] < rank[best])) best = c;
      out->count++;
    }
    out->is_int = 1;
    out->i = best;
    return CU_OK;
  }
  out->is_int = a->type != CU_F64;
  if (a->type == CU_F64 && !a->valid && a->n > 0) {
    out->f = cu_fast_minmax(a->data, a->n, want_max);
    out->count = a->n;
    return CU_OK;
  }
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) continue;
    if (out->is_int) {
      int64_t v =
          a->type == CU_BOOL ? ((const uint8_t *)a->data)[i] : ((const int64_t *)a->data)[i];
      if (!out->count || (want_max ? v > out->i : v < out->i)) out->i = v;
    } else {
      double v = ((const double *)a->data)[i];
      if (!out->count || (want_max ? v > out->f : v < out->f)) out->f = v;
    }
    out->count++;
  }
  return CU_OK;
}

int cu_min(cu_stat *out, const cu_column *a, cu_err *e) { return minmax(out, a, 0, e); }
int cu_max(cu_stat *out, const cu_column *a, cu_err *e) { return minmax(out, a, 1, e); }

int cu_var(cu_stat *out, const cu_column *a, int ddof, cu_err *e) {
  if (need_num(a, "var/std", 0, e)) return e->code;
  memset(out, 0, sizeof *out);
  double mean = 0, m2 = 0; /* Welford */
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) continue;
    double x = cu_column_get_f(a, i), d = x - mean;
    out->count++;
    mean += d / (double)out->count;
    m2 += d * (x - mean);
  }
  if (out->count > (size_t)ddof)
    out->f = m2 / (double)(out->count - (size_t)ddof);
  else
    out->count = 0; /* undefined: reported as missing */
  return CU_OK;
}

static int cmp_double(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

/* The one quantile computation: the column's values sorted once, then
 * each q by numpy's linear interpolation; *count the values used. */
static int quantiles(double *out, size_t *count, const cu_column *a, const double *q, size_t nq,
                     cu_err *e) {
  if (need_num(a, "quantile", 1, e)) return e->code;
  for (size_t j = 0; j < nq; j++)
    if (!(q[j] >= 0 && q[j] <= 1)) return cu_err_set(e, CU_EARG, "quantile %g is outside [0, 1]", q[j]);
  double *v = malloc((a->n ? a->n : 1) * sizeof *v);
  if (!v) return nomem(e);
  size_t k = 0;
  for (size_t i = 0; i < a->n; i++)
    if (cu_is_valid(a, i)) v[k++] = cu_column_get_f(a, i);
  if (count) *count = k;
  if (k) qsort(v, k, sizeof *v, cmp_double);
  for (size_t j = 0; j < nq; j++) {
    if (!k) {
      out[j] = NAN;
      continue;
    }
    double h = (double)(k - 1) * q[j];
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < k ? lo + 1 : lo;
    out[j] = v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
  }
  free(v);
  return CU_OK;
}

int cu_quantiles(double *out, const cu_column *a, const double *q, size_t nq, cu_err *e) {
  return quantiles(out, NULL, a, q, nq, e);
}

int cu_quantile(cu_stat *out, const cu_column *a, double q, cu_err *e) {
  memset(out, 0, sizeof *out);
  size_t k;
  double v;
  int st = quantiles(&v, &k, a, &q, 1, e);
  if (st) return st;
  out->count = k;
  if (k) out->f = v;
  if (a->type == CU_TS) {
    out->is_int = 1;
    out->i = (int64_t)llround(out->f);
  }
  return CU_OK;
}

static int cmp_i64(const void *p, const void *q) {
  int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;
  return (a > b) - (a < b);
}

int cu_n_unique(size_t *out, const cu_column *a, cu_err *e) {
  size_t k = 0;
  if (a->type == CU_STR || a->type == CU_BOOL) {
    size_t m = a->type == CU_STR ? (size_t)a->dict->n : 2;
    uint8_t *seen = calloc(m ? m : 1, 1);
    if (!seen) return nomem(e);
    for (size_t i = 0; i < a->n; i++) {
      if (!cu_is_valid(a, i)) continue;
      size_t c =
          a->type == CU_STR ? (size_t)((const int32_t *)a->data)[i] : ((const uint8_t *)a->data)[i];
      k += !seen[c];
      seen[c] = 1;
    }
    free(seen);
    *out = k;
    return CU_OK;
  }
  int64_t *v = malloc((a->n ? a->n : 1) * sizeof *v);
  if (!v) return nomem(e);
  size_t m = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (!cu_is_valid(a, i)) continue;
    if (a->type == CU_F64) {
      double d = ((const double *)a->data)[i];
      if (d == 0) d = 0; /* -0.0 and 0.0 are one value */
      memcpy(&v[m++], &d, 8);
    } else {
      v[m++] = ((const int64_t *)a->data)[i];
    }
  }
  qsort(v, m, sizeof *v, cmp_i64);
  for (size_t i = 0; i < m; i++) k += i == 0 || v[i] != v[i - 1];
  free(v);
  *out = k;
  return CU_OK;
}

/* Windows-1252's 0x80..0x9F (Unicode code points); 0 where undefined. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static size_t to_utf8(const unsigned char *s, size_t len, char *buf, int enc) {
  size_t k = 0;
  for (size_t j = 0; j < len; j++) {
    unsigned cp = s[j];
    if (enc == 2 && cp >= 0x80 && cp < 0xA0)
      cp = cp1252_hi[cp - 0x80] ? cp1252_hi[cp - 0x80] : 0xFFFD;
    if (cp < 0x80) {
      buf[k++] = (char)cp;
    } else if (cp < 0x800) {
      buf[k++] = (char)(0xC0 | (cp >> 6));
      buf[k++] = (char)(0x80 | (cp & 0x3F));
    } else {
      buf[k++] = (char)(0xE0 | (cp >> 12));
      buf[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      buf[k++] = (char)(0x80 | (cp & 0x3F));
    }
  }
  return k;
}

int cu_str_transcode(cu_column **out, const cu_column *a, int enc, cu_err *e) {
  if (need_str(a, "transcode", e)) return e->code;
  return rewrite_strings(out, a, to_utf8, enc, e);
}

int cu_cumsum(cu_column **out, const cu_column *a, cu_err *e) {
  if (need_num(a, "cumsum", 0, e)) return e->code;
  cu_column *r = cu_column_new(a->type == CU_F64 ? CU_F64 : CU_I64, a->n, NULL);
  if (!r || copy_mask(r, a)) {
    cu_column_release(r);
    return nomem(e);
  }
  double s = 0, c = 0;
  int64_t si = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (r->type == CU_I64) {
      int64_t v = cu_is_valid(a, i) ? (int64_t)cu_column_get_f(a, i) : 0;
      if (a->type == CU_I64 && cu_is_valid(a, i)) v = ((const int64_t *)a->data)[i];
      if (__builtin_add_overflow(si, v, &si)) {
        cu_column_release(r);
        return cu_err_set(e, CU_ERANGE, "integer overflow in cumsum");
      }
      ((int64_t *)r->data)[i] = si;
      continue;
    }
    double x = cu_is_valid(a, i) ? ((const double *)a->data)[i] : 0, t = s + x;
    c += fabs(s) >= fabs(x) ? (s - t) + x : (x - t) + s;
    s = t;
    ((double *)r->data)[i] = s + c;
  }
  *out = r;
  return CU_OK;
}
