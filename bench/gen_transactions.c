/* bench/gen_transactions.c: writes N order lines shaped like Online Retail
 * (InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID) for the
 * streaming benchmark.  Deterministic (a fixed 64-bit LCG): the same N
 * gives the same file.  Invoices of 1..12 lines; 2% cancellations (C
 * prefix, negative quantity); 200,000 customers; 8,000 products; two years
 * of dates in order.  usage: gen_transactions N > file.csv */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long state = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)((state >> 33) % n);
}

int main(int argc, char **argv) {
  long long n = argc > 1 ? atoll(argv[1]) : 1000000, written = 0;
  static char buf[1 << 20];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  puts("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID");
  long long invoice = 500000;
  const long long span = 730LL * 86400; /* two years of seconds */
  while (written < n) {
    unsigned lines = 1 + rnd(12), customer = 10000 + rnd(200000);
    int cancel = rnd(50) == 0;
    long long t = 1291161600LL + span * written / n; /* from 2010-12-01, in order */
    long long day = t / 86400, sec = t % 86400;
    /* civil date from days since 1970 (Hinnant) */
    long long z = day + 719468, era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    long long y = yoe + era * 400 + (m <= 2);
    invoice++;
    for (unsigned k = 0; k < lines && written < n; k++, written++) {
      unsigned product = rnd(8000), qty = 1 + rnd(24), cents = 29 + rnd(2000);
      printf("%s%lld,%u%c,%s%u,%04lld-%02d-%02d %02lld:%02lld:00,%u.%02u,%u.0\n", cancel ? "C" : "",
             invoice, 10000 + product, "ABCDEFGH"[product % 8], cancel ? "-" : "", qty, y, m, d,
             sec / 3600, sec / 60 % 60, cents / 100, cents % 100, customer);
    }
  }
  return 0;
}
