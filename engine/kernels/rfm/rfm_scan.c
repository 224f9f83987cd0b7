/* rfm_scan.c: the customer summary of a transaction file on every core
 * (see rfm.h, cu_rfm_scan_file).
 *
 * The file is read in blocks.  A block is cut at record boundaries (the
 * parity of the quotes before a newline says whether it ends a record)
 * into one piece per thread.  Phase one: each thread tokenizes its piece,
 * reading only the fields the summary uses, and turns each record into a
 * keyed row (integer ids as numbers; order and product text as hashes,
 * never interned; the purchase rule applied), appended to the bucket of
 * the partition that owns its customer (a hash of the customer's key).
 * Phase two: each thread adds the buckets of its partition, piece by
 * piece, to its own accumulator, so every customer's rows arrive in file
 * order and every sum is the same bits as one accumulator reading the
 * whole file.  At the end the partitions' results are merged
 * (rfm_merge.c).  The result does not depend on the thread count.
 *
 * The fast tokenizer takes the common layout only.  Anything it does not
 * handle exactly as the general reader (libcsv) would, and every value the
 * general reader would report as an error, makes it stop and say so: the
 * caller then reads the file the general way, which reads it right or
 * names the file, line and column of the problem. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csv_io.h"
#include "dist.h"
#include "parallel.h"
#include "parse.h"
#include "rfm_internal.h"
#include "rfm_scan.h"

int cu_rfm_bucket_push(bucket *b, const cu_rfm_row *r) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    cu_rfm_row *p = realloc(b->rows, cap * sizeof *p);
    if (!p) return -1;
    b->rows = p;
    b->cap = cap;
  }
  b->rows[b->n++] = *r;
  return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* The first byte in [s, end) that ends an unquoted field (the delimiter,
 * a newline, a CR, a quote), or end.  Sixteen bytes at a time where the
 * machine has SSE2 (every x86-64 does). */
static inline const char *unquoted_end(const scanner *sc, const char *s, const char *end) {
#ifdef __SSE2__
  const __m128i d = _mm_set1_epi8(sc->delim), nl = _mm_set1_epi8('\n'),
                cr = _mm_set1_epi8('\r'), q = _mm_set1_epi8(sc->quote);
  while (end - s >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, nl)),
                               _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, q)));
    unsigned m = (unsigned)_mm_movemask_epi8(hit);
    if (m) return s + __builtin_ctz(m);
    s += 16;
  }
#endif
  while (s < end && !sc->stop[(unsigned char)*s]) s++;
  return s;
}

/* An order or product key: the integer, or a tagged 63-bit hash of the
 * text (two texts of one customer sharing one would count as one). */
static uint64_t text_hash_key(const char *s, size_t len) {
  uint64_t k;
  if (rfm_int_key(s, len, &k)) return k;
  return STR_TAG | (cu_mix64(cu_hash_bytes(s, len) ^ len) & ~STR_TAG);
}

/* The bucket a row goes to: the partition of this rank that owns its
 * customer, or the rank that does (a hash of the customer's key: its high
 * half picks the rank, its low half the partition there). */
static bucket *route(const scanner *sc, piece *pc, const cu_rfm_row *r) {
  uint64_t h = cu_rfm_row_hash(r);
  if (sc->size > 1) {
    int dest = (int)((h >> 32) % (uint64_t)sc->size);
    if (dest != sc->rank) return &pc->remote[dest];
  }
  return &pc->part[(uint32_t)h % (uint32_t)sc->nthreads];
}

/* One field starting at *p (within [*p, end)): its content [*fs, *fe),
 * trimmed of blanks as libcsv trims them, and *esc set when it holds
 * doubled quotes (left doubled); *p moves past the delimiter or to the
 * line end.  Returns 1 for a delimiter, 2 for the end of the record (*p
 * after its newline), 0 when the general reader must read the file (a
 * quote inside an unquoted field, text after a closing quote, a lone CR,
 * a quote left open). */
static inline __attribute__((always_inline)) int field(const scanner *sc, const char **p,
                                                      const char *end, const char **fs,
                 const char **fe, int *esc) {
  const char *s = *p;
  *esc = 0;
  while (s < end && is_blank(*s)) s++;
  if (s < end && *s == sc->quote) {
    const char *q = s;
    for (;;) { /* to the closing quote, past doubled ones */
      q = memchr(q + 1, sc->quote, (size_t)(end - q - 1));
      if (!q) return 0;
      if (q + 1 < end && q[1] == sc->quote) {
        *esc = 1;
        q++;
        continue;
      }
      break;
    }
    *fs = s + 1;
    *fe = q;
    s = q + 1;
    while (s < end && is_blank(*s)) s++;
  } else {
    *fs = s;
    s = unquoted_end(sc, s, end);
    const char *t = s;
    while (t > *fs && is_blank(t[-1])) t--;
    *fe = t;
  }
  if (s == end) { /* the last record of the file, without a newline */
    *p = s;
    return 2;
  }
  char c = *s;
  if (c == sc->delim) {
    *p = s + 1;
    return 1;
  }
  if (c == '\n') {
    *p = s + 1;
    return 2;
  }
  if (c == '\r' && s + 1 < end && s[1] == '\n') {
    *p = s + 2;
    return 2;
  }
  return 0;
}

#define FALLBACK(why)                                                                              \
  do {                                                                                             \
    pc->fallback = (why);                                                                          \
    return;                                                                                        \
  } while (0)

/* The previous row's text of a field and what it gave: the lines of one
 * order repeat its id, date and customer. */
typedef struct memo {
  const char *s;
  size_t len;
  uint64_t key;
  int64_t ts;
  int flag;
} memo;

static inline int same(const memo *m, const char *s, size_t len) {
  return m->s && m->len == len && !memcmp(m->s, s, len);
}

static inline void remember(memo *m, const char *s, size_t len, uint64_t key, int flag) {
  m->s = s;
  m->len = len;
  m->key = key;
  m->ts = (int64_t)key;
  m->flag = flag;
}

static void parse_piece(piece *pc) {
  memo m_date = {0}, m_order = {0}, m_cust = {0};
  scanner *sc = pc->sc;
  const cu_rfm_scan *o = sc->o;
  const char *p = pc->s, *end = pc->end;
  for (int t = 0; t < sc->nthreads; t++) pc->part[t].n = 0;
  for (int r = 0; pc->remote && r < sc->size; r++) pc->remote[r].n = 0;
  pc->records = pc->skipped = 0;
  while (p < end) {
    if (*p == '\n') { /* libcsv skips blank lines */
      p++;
      continue;
    }
    if (*p == '\r' && p + 1 < end && p[1] == '\n') {
      p += 2;
      continue;
    }
    const char *fs[8] = {0}, *fe[8] = {0};
    size_t f = 0;
    int r;
    do {
      const char *a, *b;
      int esc;
      if (!(r = field(sc, &p, end, &a, &b, &esc)))
        FALLBACK("a field the fast reader does not take");
      if (f < sc->ncols && sc->role[f]) {
        if (esc) FALLBACK("doubled quotes in a field the summary uses");
        fs[sc->role[f]] = a;
        fe[sc->role[f]] = b;
      }
      f++;
    } while (r == 1 && f <= sc->ncols);
    if (f != sc->ncols || r != 2) FALLBACK("a record with another number of fields");
    pc->records++;
    cu_rfm_row row;
    memset(&row, 0, sizeof row);
    int missing = 0;
    /* the date */
    size_t len = (size_t)(fe[R_DATE] - fs[R_DATE]);
    if (len == 0)
      missing = 1;
    else if (same(&m_date, fs[R_DATE], len))
      row.ts = m_date.ts; /* the order's other lines */
    else if (o->ts_pattern ? cu_ts_parse_pattern(fs[R_DATE], len, o->ts_pattern, &row.ts)
                           : cu_ts_parse(fs[R_DATE], len, sc->tsf, &row.ts))
      FALLBACK("a date the fast reader cannot read");
    else
      remember(&m_date, fs[R_DATE], len, (uint64_t)row.ts, 0);
    /* amounts: the general reader reports a bad one; missing ones need the
     * general rule's missing-value logic */
    double q = 0, price = 0, amount = 0;
    if (sc->has_qty && cu_parse_f64(fs[R_QUANTITY], (size_t)(fe[R_QUANTITY] - fs[R_QUANTITY]), &q))
      FALLBACK("a missing or unreadable quantity");
    if (sc->has_amount) {
      if (cu_parse_f64(fs[R_AMOUNT], (size_t)(fe[R_AMOUNT] - fs[R_AMOUNT]), &amount))
        FALLBACK("a missing or unreadable amount");
    } else {
      if (cu_parse_f64(fs[R_PRICE], (size_t)(fe[R_PRICE] - fs[R_PRICE]), &price))
        FALLBACK("a missing or unreadable price");
      amount = q * price;
    }
    row.amount = amount;
    int cancel = (sc->has_qty ? q : amount) < 0;
    if (sc->has_order) {
      const char *s = fs[R_ORDER];
      len = (size_t)(fe[R_ORDER] - s);
      if (len == 0) FALLBACK("a missing order id");
      if (!same(&m_order, s, len))
        remember(&m_order, s, len, text_hash_key(s, len),
                 sc->prefix_len && len >= sc->prefix_len &&
                     !memcmp(s, o->cancel_prefix, sc->prefix_len));
      cancel |= m_order.flag;
      row.ok = m_order.key;
      row.flags |= CU_RROW_ORDER;
    }
    if (sc->has_product && fe[R_PRODUCT] > fs[R_PRODUCT]) {
      row.pk = text_hash_key(fs[R_PRODUCT], (size_t)(fe[R_PRODUCT] - fs[R_PRODUCT]));
      row.flags |= CU_RROW_PRODUCT;
    }
    if (cancel) row.flags |= CU_RROW_CANCEL;
    if (!cancel && (!sc->has_qty || q > 0)) row.flags |= CU_RROW_BUY;
    /* the customer */
    len = (size_t)(fe[R_CUSTOMER] - fs[R_CUSTOMER]);
    if (len == 0 || missing) {
      pc->skipped++;
      continue;
    }
    if (!same(&m_cust, fs[R_CUSTOMER], len)) {
      uint64_t k = 0;
      int text = !rfm_int_key(fs[R_CUSTOMER], len, &k);
      remember(&m_cust, fs[R_CUSTOMER], len, k, text);
    }
    if (m_cust.flag) {
      row.ctext = fs[R_CUSTOMER];
      row.clen = (uint32_t)len;
      row.flags |= CU_RROW_CTEXT;
    } else {
      row.ck = m_cust.key;
    }
    if (cu_rfm_bucket_push(route(sc, pc, &row), &row)) {
      pc->st = cu_err_set(&pc->err, CU_ENOMEM, "out of memory");
      return;
    }
  }
}

static void *parse_thread(void *arg) {
  parse_piece(arg);
  return NULL;
}

/* phase two: partition t of every piece, in piece order, into acc[t] */
static void *add_thread(void *arg) {
  piece *pc = arg;
  scanner *sc = pc->sc;
  for (int s = 0; s < sc->nthreads && !pc->st; s++) {
    bucket *b = &sc->pc[s].part[pc->id];
    if (b->n) pc->st = cu_rfm_add_rows(sc->acc[pc->id], b->rows, b->n, &pc->err);
  }
  bucket *in = &sc->inbox[pc->id];
  if (in->n && !pc->st) pc->st = cu_rfm_add_rows(sc->acc[pc->id], in->rows, in->n, &pc->err);
  return NULL;
}

/* Runs fn on every piece, piece 0 on this thread. */
static void run_all(scanner *sc, void *(*fn)(void *)) {
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 1; t < sc->nthreads; t++)
    started[t] = pthread_create(&tid[t], NULL, fn, &sc->pc[t]) == 0;
  fn(&sc->pc[0]);
  for (int t = 1; t < sc->nthreads; t++) {
    if (started[t])
      pthread_join(tid[t], NULL);
    else
      fn(&sc->pc[t]); /* no thread: do it here */
  }
}

/* ------------------------------------------------------------- blocks -- */

/* Quote parity after [from, to), starting from par. */
static int parity(const char *b, size_t from, size_t to, char quote, int par) {
  const char *s = b + from, *e = b + to;
  while ((s = memchr(s, quote, (size_t)(e - s)))) {
    par ^= 1;
    s++;
  }
  return par;
}

/* The first record start at or after x, scanning from *pos (<= x) whose
 * quote parity is *par; end when there is none.  Advances *pos and *par
 * to the result. */
static size_t record_start(const char *b, size_t *pos, int *par, size_t x, size_t end,
                           char quote) {
  if (x < *pos) x = *pos;
  *par = parity(b, *pos, x, quote, *par);
  *pos = x;
  while (*pos < end) {
    const char *nl = memchr(b + *pos, '\n', end - *pos);
    if (!nl) break;
    size_t at = (size_t)(nl - b);
    *par = parity(b, *pos, at, quote, *par);
    *pos = at + 1;
    if (!*par) return at + 1;
  }
  *par = parity(b, *pos, end, quote, *par);
  *pos = end;
  return end;
}

/* The end of the last whole record in b[0, n), given the parity at from. */
static size_t last_record_end(const char *b, size_t from, size_t n, int par, char quote) {
  size_t limit = n;
  while (limit > from) {
    const char *nl = memrchr(b + from, '\n', limit - from);
    if (!nl) break;
    size_t at = (size_t)(nl - b);
    if (!parity(b, from, at, quote, par)) return at + 1;
    limit = at;
  }
  return from;
}

/* Reads up to want bytes; 0 ok, -1 a read error (the general reader will
 * say which). */
static int read_some(gzFile fh, char *buf, size_t want, size_t *got) {
  size_t n = 0;
  while (n < want) {
    unsigned chunk = want - n > (1u << 30) ? (1u << 30) : (unsigned)(want - n);
    int r = gzread(fh, buf + n, chunk);
    if (r < 0) return -1;
    if (r == 0) {
      int zerr;
      gzerror(fh, &zerr);
      if (zerr != Z_OK && zerr != Z_STREAM_END) return -1; /* a truncated gzip stream */
      break;
    }
    n += (size_t)r;
  }
  *got = n;
  return 0;
}

/* --------------------------------------------------------- the header -- */

/* Field names of the header line b[0, n); fills sc->role.  Returns NULL or
 * why the general reader must read the file. */
static const char *header(scanner *sc, const char *b, size_t n, size_t *used) {
  const cu_rfm_scan *o = sc->o;
  const char *nl = memchr(b, '\n', n);
  if (!nl) return "no whole header line in the first block";
  size_t line = (size_t)(nl - b);
  if (memchr(b, sc->quote, line)) return "a quoted header";
  sc->delim = o->delim ? o->delim : cu_csv_guess_delim(b, line); /* as the general reader */
  struct {
    const char *name;
    int role;
  } want[] = {{o->customer, R_CUSTOMER}, {o->date, R_DATE},   {o->quantity, R_QUANTITY},
              {o->price, R_PRICE},       {o->amount, R_AMOUNT}, {o->order, R_ORDER},
              {o->product, R_PRODUCT}};
  int found[8] = {0};
  size_t f = 0;
  const char *s = b, *e = b + line;
  if (line && e[-1] == '\r') e--;
  for (;;) {
    const char *d = memchr(s, sc->delim, (size_t)(e - s));
    const char *fe = d ? d : e, *fs = s;
    while (fs < fe && is_blank(*fs)) fs++;
    while (fe > fs && is_blank(fe[-1])) fe--;
    if (f >= 255) return "more than 255 columns";
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
      if (want[k].name && strlen(want[k].name) == (size_t)(fe - fs) &&
          !memcmp(want[k].name, fs, (size_t)(fe - fs)) && !found[want[k].role]) {
        if (sc->role[f]) return "one column in two roles";
        sc->role[f] = (unsigned char)want[k].role;
        found[want[k].role] = 1;
      }
    f++;
    if (!d) break;
    s = d + 1;
  }
  sc->ncols = f;
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
    if (want[k].name && !found[want[k].role]) return "a role's column is not in the file";
  if (!found[R_CUSTOMER] || !found[R_DATE]) return "no customer or date column";
  if (!found[R_AMOUNT] && !(found[R_QUANTITY] && found[R_PRICE])) return "no amount";
  sc->has_qty = found[R_QUANTITY];
  sc->has_price = found[R_PRICE];
  sc->has_amount = found[R_AMOUNT];
  sc->has_order = found[R_ORDER];
  sc->has_product = found[R_PRODUCT];
  *used = line + 1;
  return NULL;
}

/* The date format the general reader infers for a declared timestamp
 * column (csv.c, csv_infer.c): from the first infer_rows lines after the
 * header within the file's first 4 MiB, the first of ISO, month first,
 * day first and YYYYMMDD that reads every value there.  b is the file
 * from its first byte; off, the start of the first record. */
static size_t last_record_end(const char *b, size_t from, size_t n, int par, char quote);

static const char *infer_dates(scanner *sc, const char *b, size_t off, size_t n) {
  unsigned cand = (1u << CU_TSF_ISO) | (1u << CU_TSF_MDY) | (1u << CU_TSF_DMY) |
                  (1u << CU_TSF_YMD8);
  size_t want = sc->o->infer_rows ? sc->o->infer_rows : 20000, lines = 0;
  size_t head = (size_t)4 << 20, end = n < head ? n : head, sample_end = off;
  while (sample_end < end && lines < want) {
    const char *nl = memchr(b + sample_end, '\n', end - sample_end);
    sample_end = nl ? (size_t)(nl - b) + 1 : end;
    lines++;
  }
  int seen = 0;
  /* whole records, then the fields of a record cut at the sample's end
   * that a delimiter ends (libcsv, never finished there, gives those) */
  size_t whole = sample_end == n ? n : last_record_end(b, off, sample_end, 0, sc->quote);
  const char *p = b + off, *stop = b + whole;
  for (int tail = 0; tail < 2; tail++) {
    if (tail) {
      p = b + whole;
      stop = b + sample_end;
    }
    while (p < stop) {
      if (*p == '\n' || (*p == '\r' && p + 1 < stop && p[1] == '\n')) {
        p += *p == '\n' ? 1 : 2;
        continue;
      }
      size_t f = 0;
      int r;
      do {
        const char *a, *z;
        int esc;
        r = field(sc, &p, stop, &a, &z, &esc);
        if (!r) {
          if (tail) break;
          return "a field the fast reader does not take";
        }
        if (tail && r != 1) break;
        if (f < sc->ncols && sc->role[f] == R_DATE && z > a) {
          seen = 1;
          int64_t v;
          for (int k = CU_TSF_ISO; k <= CU_TSF_YMD8; k++)
            if ((cand & (1u << k)) && cu_ts_parse(a, (size_t)(z - a), (cu_ts_format)k, &v))
              cand &= ~(1u << k);
        }
        f++;
      } while (r == 1);
      if (tail) break;
    }
  }
  if (!seen) return "no dates in the first rows";
  for (int k = CU_TSF_ISO; k <= CU_TSF_YMD8; k++)
    if (cand & (1u << k)) {
      sc->tsf = (cu_ts_format)k;
      return NULL;
    }
  return "no known date format fits";
}

/* ---------------------------------------------------------------- run -- */

/* This rank's files, read block by block. */
typedef struct reading {
  const cu_rfm_scan *o;
  size_t next;  /* the next of o->paths to open (every size-th from rank) */
  gzFile fh;    /* the open one, or NULL */
  const char *path;
  char *buf;
  size_t len, used, cap, head, block;
  int eof, first;
} reading;

static const char *path_at(const cu_rfm_scan *o, size_t i) {
  return o->npaths ? o->paths[i] : o->path;
}

/* The next block of whole records in r->buf[0, *cut): 1; no file left: 0;
 * -1 with *why when the general reader must read r->path. */
static int next_block(scanner *sc, reading *r, size_t *cut, const char **why) {
  const cu_rfm_scan *o = r->o;
  size_t nfiles = o->npaths ? o->npaths : 1;
  if (r->used) { /* the previous block's records are done */
    memmove(r->buf, r->buf + r->used, r->len - r->used);
    r->len -= r->used;
    r->used = 0;
  }
  for (;;) {
    if (!r->fh) {
      if (r->next >= nfiles) return 0;
      r->path = path_at(o, r->next);
      r->next += (size_t)sc->size;
      r->len = 0;
      r->eof = 0;
      r->first = 1;
      if (!(r->fh = gzopen(r->path, "rb"))) {
        *why = "the file cannot be opened";
        return -1;
      }
      gzbuffer(r->fh, 1 << 20);
    }
    size_t room = r->cap - r->len, want = r->first ? r->head : r->block, got;
    if (!r->eof) {
      if (read_some(r->fh, r->buf + r->len, room < want ? room : want, &got)) {
        *why = "a read error";
        return -1;
      }
      r->eof = got == 0 || got < (room < want ? room : want);
      r->len += got;
    }
    if (memchr(r->buf, 0, r->len)) {
      *why = "a NUL byte";
      return -1;
    }
    if (r->first) { /* this file's header and date format */
      r->first = 0;
      size_t off = r->len >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3) ? 3 : 0, used = 0;
      memset(sc->role, 0, sizeof sc->role);
      memset(sc->stop, 0, sizeof sc->stop);
      if ((*why = header(sc, r->buf + off, r->len - off, &used))) return -1;
      sc->stop[(unsigned char)sc->delim] = sc->stop['\n'] = sc->stop['\r'] = 1;
      sc->stop[(unsigned char)sc->quote] = sc->stop[0] = 1;
      off += used;
      if (o->ts_pattern)
        sc->tsf = CU_TSF_CUSTOM;
      else if ((*why = infer_dates(sc, r->buf, off, r->len)))
        return -1;
      memmove(r->buf, r->buf + off, r->len - off);
      r->len -= off;
      for (int t = 0; t < sc->nthreads; t++)
        cu_rfm_set_columns(sc->acc[t], sc->has_order, sc->has_product, 1);
    }
    size_t end = r->eof ? r->len : last_record_end(r->buf, 0, r->len, 0, sc->quote);
    if (end == 0 && !r->eof) {
      if (r->len == r->cap) {
        *why = "a record longer than the block";
        return -1;
      }
      continue; /* read more */
    }
    if (r->eof && parity(r->buf, 0, r->len, sc->quote, 0)) {
      *why = "a quote left open";
      return -1;
    }
    if (r->eof) { /* the file's last block: the next call opens the next file */
      gzclose(r->fh);
      r->fh = NULL;
    }
    if (end == 0) continue; /* an empty file, or one with a header only */
    *cut = end;
    r->used = end;
    return 1;
  }
}

/* The first error of the threads' last phase, or CU_OK. */
static int thread_status(scanner *sc, cu_err *e) {
  for (int t = 0; t < sc->nthreads; t++)
    if (sc->pc[t].st) {
      *e = sc->pc[t].err;
      return sc->pc[t].st;
    }
  return CU_OK;
}

int cu_rfm_scan_file(const cu_rfm_scan *o, const cu_rfm_options *ro, cu_frame **out,
                     cu_rfm_info *info, cu_rfm_scan_info *si, cu_err *e) {
  *out = NULL;
  memset(si, 0, sizeof *si);
  scanner *sc = calloc(1, sizeof *sc);
  if (!sc) return cu_err_set(e, CU_ENOMEM, "out of memory");
  sc->o = o;
  sc->quote = '"';
  sc->prefix_len = o->cancel_prefix ? strlen(o->cancel_prefix) : 0;
  sc->nthreads = o->threads > 0 ? o->threads : cu_default_threads();
  if (sc->nthreads > MAX_THREADS) sc->nthreads = MAX_THREADS;
  sc->size = o->distributed ? cu_dist_size() : 1;
  sc->rank = o->distributed ? cu_dist_rank() : 0;
  si->threads = sc->nthreads;
  reading rd = {o, (size_t)sc->rank, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0};
  rd.block = o->block_size ? o->block_size : ((size_t)8 << 20);
  /* the first read holds the general reader's type sample (its first 4 MiB) */
  rd.head = rd.block < ((size_t)4 << 20) ? ((size_t)4 << 20) : rd.block;
  rd.cap = 2 * rd.head;
  int st = CU_OK;
  const char *fallback = NULL;
  /* the memory budget is the job's: shared by the ranks and their partitions */
  cu_rfm_options po = *ro;
  size_t budget = ro->memory_bytes ? ro->memory_bytes : CU_RFM_DEFAULT_BUDGET;
  size_t share = budget / ((size_t)sc->nthreads * (size_t)sc->size);
  po.memory_bytes = share ? share : 1;
  for (int t = 0; t < sc->nthreads; t++) {
    if ((st = cu_rfm_new(&sc->acc[t], &po, e))) goto done;
    sc->pc[t].sc = sc;
    sc->pc[t].id = t;
    if (sc->size > 1 && !(sc->pc[t].remote = calloc((size_t)sc->size, sizeof(bucket)))) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
  }
  if (!(rd.buf = malloc(rd.cap + 1))) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (;;) {
    size_t cut = 0;
    int have = next_block(sc, &rd, &cut, &fallback);
    if (have > 0) {
      /* one piece per thread, cut at record starts */
      size_t pos = 0, at = 0;
      int par = 0;
      for (int t = 0; t < sc->nthreads; t++) {
        sc->pc[t].s = rd.buf + at;
        size_t next = t + 1 < sc->nthreads
                          ? record_start(rd.buf, &pos, &par,
                                         cut * (size_t)(t + 1) / (size_t)sc->nthreads, cut,
                                         sc->quote)
                          : cut;
        if (next < at) next = at;
        sc->pc[t].end = rd.buf + next;
        at = next;
      }
      run_all(sc, parse_thread);
      if ((st = thread_status(sc, e))) goto done;
      for (int t = 0; t < sc->nthreads; t++) {
        if (sc->pc[t].fallback && !fallback) fallback = sc->pc[t].fallback;
        si->rows += sc->pc[t].records;
        if (sc->pc[t].skipped) cu_rfm_count_skipped(sc->acc[0], sc->pc[t].skipped);
      }
    } else {
      for (int t = 0; t < sc->nthreads; t++) sc->pc[t].end = sc->pc[t].s = NULL;
    }
    if (fallback) have = -1;
    if (sc->size > 1) {
      /* every rank learns whether any failed and whether any read a
       * block; then rows go to the ranks that own their customers */
      int64_t flags[2] = {have < 0, have > 0};
      if (cu_dist_max_i64(flags, 2)) {
        st = cu_err_set(e, CU_EIO, "an exchange between ranks failed");
        goto done;
      }
      if (flags[0]) {
        if (!fallback) {
          fallback = "another rank cannot read its file";
          si->elsewhere = 1;
        }
        goto done;
      }
      if (have <= 0)
        for (int t = 0; t < sc->nthreads; t++) {
          for (int k = 0; k < sc->nthreads; k++) sc->pc[t].part[k].n = 0; /* nothing read */
          for (int r = 0; r < sc->size; r++) sc->pc[t].remote[r].n = 0;
        }
      if ((st = cu_rfm_exchange(sc, e))) goto done;
      run_all(sc, add_thread);
      if ((st = thread_status(sc, e))) goto done;
      if (!flags[1]) break; /* no rank read anything: all done */
    } else {
      if (have < 0) goto done;
      if (have == 0) break;
      run_all(sc, add_thread);
      if ((st = thread_status(sc, e))) goto done;
    }
  }
  if (sc->size > 1)
    st = cu_rfm_distributed_result(sc, out, info, si, e);
  else
    st = cu_rfm_result_parts(sc->acc, (size_t)sc->nthreads, out, info, e);
done:
  if (fallback && !st) {
    si->fallback = fallback;
    si->file = si->elsewhere ? NULL : rd.path;
  }
  if (rd.fh) gzclose(rd.fh);
  free(rd.buf);
  free(sc->recv);
  for (int t = 0; t < sc->nthreads; t++) {
    cu_rfm_free(sc->acc[t]);
    for (int k = 0; k < MAX_THREADS; k++) free(sc->pc[t].part[k].rows);
    for (int r = 0; sc->pc[t].remote && r < sc->size; r++) free(sc->pc[t].remote[r].rows);
    free(sc->pc[t].remote);
    free(sc->inbox[t].rows);
  }
  free(sc);
  return st;
}
