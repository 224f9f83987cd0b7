// bench/duckdb_rfm.mjs FILE OUT.csv: the same customer summary in DuckDB SQL
// (lifetimes' fields with daily periods, plus orders, revenue, first and
// last purchase, products, cancelled orders), written with COPY.
// Prints the seconds the query and the write took inside the process.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, out] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.DUCKDB_THREADS || '2' });
const con = await inst.connect();
const t0 = performance.now();
await con.run(`
COPY (
WITH tx AS (
  SELECT CustomerID AS customer, InvoiceNo AS inv, StockCode AS product, InvoiceDate AS ts,
         Quantity * UnitPrice AS amount, starts_with(InvoiceNo, 'C') AS cancelled, Quantity AS q
  FROM read_csv('${file}') WHERE CustomerID IS NOT NULL),
buy AS (SELECT * FROM tx WHERE NOT cancelled AND q > 0),
days AS (SELECT customer, date_trunc('day', ts) AS d, sum(amount) AS v FROM buy GROUP BY ALL),
firsts AS (SELECT customer, min(d) AS f, max(d) AS l, count(*) AS n FROM days GROUP BY ALL),
lt AS (
  SELECT firsts.customer, n - 1 AS frequency, date_diff('day', f, l) AS recency,
         date_diff('day', f, DATE '2011-12-09') AS T,
         coalesce(sum(v) FILTER (WHERE d > f) / nullif(n - 1, 0), 0) AS monetary_value
  FROM firsts JOIN days USING (customer) GROUP BY firsts.customer, n, f, l),
classic AS (
  SELECT customer, count(DISTINCT inv) AS orders, sum(amount) AS revenue, min(ts) AS first_purchase,
         max(ts) AS last_purchase, count(DISTINCT product) AS products
  FROM buy GROUP BY ALL),
canc AS (SELECT customer, count(DISTINCT inv) AS cancelled_orders FROM tx WHERE cancelled GROUP BY ALL)
SELECT lt.*, classic.* EXCLUDE (customer), coalesce(cancelled_orders, 0) AS cancelled_orders
FROM lt JOIN classic USING (customer) LEFT JOIN canc USING (customer) ORDER BY customer
) TO '${out}' (HEADER);`);
const seconds = (performance.now() - t0) / 1000;
const n = (await con.runAndReadAll(`SELECT count(*) FROM read_csv('${out}')`)).getRows()[0][0];
console.log(`${seconds.toFixed(4)} ${n}`);
