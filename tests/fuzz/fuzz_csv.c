/* fuzz_csv.c: libFuzzer target for the CSV reader (cu_csv_read).
 *
 * The first byte chooses the options: threads (1 or 2), block size (64,
 * 4096 or 70,000 bytes), skip_bad_rows, streaming through on_chunk, and
 * whether the rest of the input is repeated past 140 KB, so that blocks
 * larger than 64 KiB are split across two threads (the path small inputs
 * never reach, where the heap overflow of the hardening issue was).  The
 * input goes to a memfd read as a file.  Checks: success gives a frame (or
 * chunks when streaming), failure a message; ASan, UBSan and LeakSanitizer
 * watch the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv_io.h"

static int count_chunk(cu_frame *chunk, void *ud, cu_err *e) {
  (void)e;
  *(size_t *)ud += chunk->nrows;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  data++, size--;
  int fd = memfd_create("fuzz_csv", 0);
  if (fd < 0) return 0;
  size_t repeat = (flags & 0x40) && size > 0 ? 140000 / size + 1 : 1;
  if (repeat > 20000) repeat = 20000;
  for (size_t r = 0; r < repeat; r++)
    if (write(fd, data, size) != (ssize_t)size) break;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  static const size_t blocks[4] = {0, 64, 4096, 70000};
  size_t rows = 0;
  cu_csv_options o = {.threads = (flags & 1) ? 2 : 1,
                      .block_size = blocks[(flags >> 1) & 3],
                      .skip_bad_rows = (flags >> 3) & 1,
                      .infer_rows = (flags & 0x80) ? 1 : 0};
  if (flags & 0x10) {
    o.on_chunk = count_chunk;
    o.chunk_ud = &rows;
  }
  if (flags & 0x20) o.whitespace = 1;
  cu_frame *f = NULL;
  cu_err e = {0};
  cu_csv_info info;
  int st = cu_csv_read(&f, path, &o, &info, &e);
  if (st == CU_OK) {
    if (!o.on_chunk && !f) abort(); /* success must give a frame */
  } else if (!e.msg[0]) {
    abort(); /* a failure must say why */
  }
  cu_frame_release(f);
  close(fd);
  return 0;
}
