// bench/duckdb_join.mjs OUTDIR [REPS] [THREADS]: DuckDB's side of the join
// benchmark: the tables loaded into memory once, then the same inner and
// left joins materialised as tables (CREATE TABLE AS), timed warm.
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, repsArg, threadsArg] = process.argv.slice(2);
const reps = Number(repsArg || 7);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threadsArg || 2) });
const con = await inst.connect();
await con.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${dir}/orders.csv')`);
await con.run(`CREATE TABLE customers AS SELECT * FROM read_csv('${dir}/customers.csv')`);
const median = (a) => { a.sort((x, y) => x - y); const n = a.length;
  return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2; };
const t = { inner: [], left: [] }, rows = {};
let sum = 0;
for (let i = 0; i < reps; i++) {
  for (const how of ['inner', 'left']) {
    await con.run('DROP TABLE IF EXISTS j');
    const t0 = performance.now();
    await con.run(`CREATE TABLE j AS SELECT o.*, c.segment, c.score FROM orders o
      ${how === 'inner' ? 'JOIN' : 'LEFT JOIN'} customers c USING (customer)`);
    t[how].push(performance.now() - t0);
    rows[how] = Number((await con.runAndReadAll('SELECT count(*) FROM j')).getRows()[0][0]);
    if (how === 'inner') sum = (await con.runAndReadAll('SELECT sum(score) FROM j')).getRows()[0][0];
  }
}
console.log(`${median(t.inner).toFixed(1)} ${median(t.left).toFixed(1)} ${rows.inner} ${rows.left} ${Number(sum).toFixed(6)}`);
