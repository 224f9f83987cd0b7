// bench/duckdb_lean.mjs FILE OUT.csv: the lean customer summary of the
// performance issue in DuckDB SQL, through @duckdb/node-api with 2 threads
// (DUCKDB_THREADS=N for another count):
// lifetimes' four fields only (daily periods), written as CSV.  Prints the
// seconds the query and the write took inside the process, and the rows.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, out] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.DUCKDB_THREADS || '2' });
const con = await inst.connect();
const t0 = performance.now();
await con.run(`
COPY (
with tx as (select CustomerID as cid, cast(InvoiceDate as date) as d, Quantity*UnitPrice as amt
  from read_csv('${file}', header=true)
  where CustomerID is not null and Quantity > 0 and InvoiceNo not like 'C%'),
daily as (select cid, d, sum(amt) as amt from tx group by cid, d),
endd as (select max(d) as e from daily)
select cid as CustomerID, count(*)-1 as frequency, datediff('day', min(d), max(d)) as recency,
  datediff('day', min(d), (select e from endd)) as T,
  case when count(*)>1 then (sum(amt) - arg_min(amt, d)) / (count(*)-1) else 0 end as monetary_value
from daily group by cid
) TO '${out}' (HEADER);`);
const seconds = (performance.now() - t0) / 1000;
const n = (await con.runAndReadAll(`SELECT count(*) FROM read_csv('${out}')`)).getRows()[0][0];
console.log(`${seconds.toFixed(4)} ${n}`);
