/* csv_reader.h: the CSV reader's internal state, shared by csv.c (the
 * block loop, threads, commit) and csv_infer.c (header, type inference,
 * error lines).  Private to io/. */
#ifndef CU_CSV_READER_H
#define CU_CSV_READER_H

#include <csv.h>
#include <stdint.h>

#include "csv_io.h"
#include "datetime.h"

#define ROW_NOT_BEGUN 0 /* libcsv's parser states (libcsv.c) */
#define FIELD_BEGUN 2

enum { K_NONE, K_RAGGED, K_BADVALUE, K_CONFLICT, K_NOMEM };

/* Candidate types during inference. */
enum { C_BOOL = 1, C_I64 = 2, C_F64 = 4, C_ISO = 8, C_MDY = 16, C_DMY = 32, C_YMD8 = 64 };

typedef struct gcol {
  char *name;
  cu_type type;
  int declared; /* the user named the type: a misfit is an error */
  cu_ts_format tsf;
  const char *pattern;
  void *data;
  uint8_t *valid;
  size_t cap;
  cu_dict *dict;
  int32_t *remap[2]; /* thread-local dictionary code -> global code */
  int32_t nremap[2];
  int noncanon;
  int skip; /* not in `columns`: parsed by libcsv, never converted */
} gcol;

typedef struct colbuf {
  void *data;
  uint8_t *valid;
  cu_dict *ldict;
  int32_t last; /* code of the previous row's string: order lines repeat
                   invoice numbers and countries, so most lookups hit here */
  int noncanon;
} colbuf;

struct reader;

typedef struct tctx {
  struct reader *rd;
  int id;
  struct csv_parser p;
  int p_ok;
  colbuf *cols;
  size_t cap, nrows, field, records;
  int row_bad, stop;
  size_t nskipped;
  size_t skipped_rec[CU_CSV_MAX_SKIPPED_LINES];
  int kind;
  size_t err_rec;
  size_t err_field, err_nfields;
  char err_text[48];
  cu_type conflict_to;
  const char *piece;
  size_t piece_len;
  int final;
  int fini_failed;
} tctx;

typedef struct reader {
  const cu_csv_options *o;
  const char *path, *shown;
  char delim, quote;
  size_t ncols;
  gcol *cols;
  size_t nrows, records; /* committed rows (this chunk) and libcsv records */
  size_t delivered;      /* rows already handed to on_chunk */
  tctx t[2];
  cu_csv_info *info;
  int cr_lines; /* lines end with a lone CR (old Mac files): read as LF */
} reader;

typedef struct names_ctx {
  char **names;
  size_t n, cap;
  int whitespace, failed;
} names_ctx;

/* Shared by both files. */
int cu_csvr_is_na(const reader *rd, const char *s, size_t len);
int cu_csvr_parser_init(struct csv_parser *p, unsigned char options);
/* csv_infer.c: the end of the record starting at s (a quote-aware scan),
 * the delimiter the header line suggests, the header's names (libcsv
 * callbacks on a names_ctx), the column types from a sample of rows, the
 * physical lines of records, and a thread's error as a message. */
size_t cu_csvr_record_end(const char *s, size_t n, char quote);
char cu_csvr_guess_delim(const char *s, size_t n, char quote);
void cu_csvr_names_field(void *s, size_t len, void *ud);
void cu_csvr_names_row(int c, void *ud);
int cu_csvr_infer_types(reader *rd, const char *s, size_t n, cu_err *e);
void cu_csvr_locate_lines(const reader *rd, const size_t *recs, size_t n, long *lines);
int cu_csvr_report(reader *rd, tctx *t, size_t rec_base, cu_err *e);

/* csv_parse.c: parsing a piece in a thread (a pthread start routine),
 * thread contexts, the commit of parsed rows, and widening a column. */
void *cu_csvr_parse_piece(void *arg);
int cu_csvr_tctx_init(tctx *t, reader *rd, int id, size_t cap);
void cu_csvr_tctx_free(tctx *t);
void cu_csvr_tctx_reset(tctx *t, int keep_partial);
int cu_csvr_tctx_new_parser(tctx *t);
int cu_csvr_gcol_reserve(gcol *g, size_t need);
int cu_csvr_commit(reader *rd, tctx *a, tctx *b);
int cu_csvr_promote(reader *rd, size_t c, cu_type to);

#endif
