/* csv_io.h: delimited text to frames and back.
 *
 * The reader streams the file in blocks (plain or gzip, via zlib), parses
 * each block with libcsv in two pieces on two threads when the split point
 * is provably a row boundary, and converts fields straight into typed
 * column buffers: the file is never held in memory as a whole. */
#ifndef CU_CSV_H
#define CU_CSV_H

#include "frame.h"

typedef struct cu_csv_coltype {
  const char *name; /* column name */
  cu_type type;
  const char *pattern; /* TS only: strftime-style pattern, or NULL to infer */
} cu_csv_coltype;

typedef struct cu_csv_options {
  char delim;               /* 0: guess from the header line (, \t ; |) */
  int whitespace;           /* fields separated by runs of spaces or tabs */
  char quote;               /* 0: '"' */
  int no_header;            /* first line is data */
  const char *const *names; /* explicit column names, or NULL */
  size_t nnames;
  const cu_csv_coltype *types; /* per-column type overrides */
  size_t ntypes;
  const char *const *na; /* extra strings read as missing ("" always is) */
  size_t nna;
  int skip_bad_rows;          /* drop ragged or unconvertible rows, counting them */
  int threads;                /* 0: number of CPUs, at most 2 */
  size_t block_size;          /* 0: 4 MiB */
  size_t infer_rows;          /* 0: 20000 */
  const char *display_name;   /* name used in messages; NULL: the path */
  const char *const *columns; /* read only these columns (others are skipped) */
  size_t ncolumns;
  /* Streaming: when set, the rows are handed over in chunks of about one
   * block as they are read, and cu_csv_read returns no frame.  The callback
   * borrows the chunk (retain it to keep it); a nonzero return stops the
   * read with that status (message in e).  Memory then stays bounded by
   * the block size, whatever the file's. */
  int (*on_chunk)(cu_frame *chunk, void *ud, cu_err *e);
  void *chunk_ud;
} cu_csv_options;

#define CU_CSV_MAX_SKIPPED_LINES 5
typedef struct cu_csv_info {
  size_t skipped;                               /* rows dropped by skip_bad_rows */
  long skipped_lines[CU_CSV_MAX_SKIPPED_LINES]; /* first few, 1-based */
  int threads_used;
  int serial_fallback; /* a quoted newline forced single-threaded parsing */
  int restarts;        /* re-reads after a column had to become text */
  size_t rows;         /* rows read (in all chunks when streaming) */
  size_t chunks;       /* chunks handed to on_chunk */
} cu_csv_info;

int cu_csv_read(cu_frame **out, const char *path, const cu_csv_options *o, cu_csv_info *info,
                cu_err *e);

/* The delimiter the reader guesses from a header line s[0, n): the most
 * frequent of , tab ; | outside quotes (',' when none is there). */
char cu_csv_guess_delim(const char *s, size_t n);

typedef struct cu_csv_write_options {
  char delim;     /* 0: ',' */
  const char *na; /* text for missing values; NULL: empty */
} cu_csv_write_options;

/* Writes to a temporary file beside `path` and renames it into place, so
 * the file is whole or absent.  A path ending in .gz is compressed. */
int cu_csv_write(const char *path, const cu_frame *f, const cu_csv_write_options *o, cu_err *e);

#endif
