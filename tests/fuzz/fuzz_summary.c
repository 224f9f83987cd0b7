/* fuzz_summary.c: libFuzzer target for the customer summary's fast file
 * reader (cu_rfm_scan_file, engine/kernels/rfm/rfm_scan.c).
 *
 * The first byte chooses the options: threads (1 to 3), block size (64,
 * 4096 or 70,000 bytes), the memory budget (tiny, so the tables spill, or
 * the default), whether an Online Retail header is put before the input
 * (so most inputs reach the tokenizer), and whether the input is repeated
 * past 140 KB (blocks cut into pieces for several threads).  Checks: a
 * success gives a summary or a reason to use the general reader, never
 * both and never neither; a failure says why; ASan, UBSan and
 * LeakSanitizer watch the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rfm.h"

static const char header[] = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  data++, size--;
  int fd = memfd_create("fuzz_summary", 0);
  if (fd < 0) return 0;
  if ((flags & 0x10) && write(fd, header, sizeof header - 1) != (ssize_t)(sizeof header - 1)) {
    close(fd);
    return 0;
  }
  size_t repeat = (flags & 0x40) && size > 0 ? 140000 / size + 1 : 1;
  if (repeat > 20000) repeat = 20000;
  for (size_t r = 0; r < repeat; r++)
    if (write(fd, data, size) != (ssize_t)size) break;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  static const size_t blocks[4] = {0, 64, 4096, 70000};
  cu_rfm_scan so = {.path = path,
                    .customer = "CustomerID",
                    .date = "InvoiceDate",
                    .quantity = "Quantity",
                    .price = "UnitPrice",
                    .order = "InvoiceNo",
                    .product = (flags & 0x80) ? NULL : "StockCode",
                    .cancel_prefix = "C",
                    .threads = 1 + flags % 3,
                    .block_size = blocks[(flags >> 2) & 3]};
  cu_rfm_options ro = {.period = CU_PERIOD_DAY,
                       .unit_days = 1,
                       .memory_bytes = (flags & 0x20) ? 4096 : 0,
                       .activity_days = (flags & 0x80) ? 30 : 0};
  cu_frame *f = NULL;
  cu_rfm_info info;
  cu_rfm_scan_info si;
  cu_err e = {0};
  int st = cu_rfm_scan_file(&so, &ro, &f, &info, &si, &e);
  if (st == CU_OK) {
    if (!f == !si.fallback) abort(); /* a summary or a reason, exactly one */
  } else if (!e.msg[0]) {
    abort(); /* a failure must say why */
  }
  cu_frame_release(f);
  close(fd);
  return 0;
}
