// bench/duckdb_load.mjs FILE: the same load in DuckDB (CREATE TABLE AS
// SELECT * FROM read_csv, type detection on, 2 threads). Prints seconds, rows.
import { DuckDBInstance } from '@duckdb/node-api';

const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
const t0 = performance.now();
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${process.argv[2]}')`);
const seconds = (performance.now() - t0) / 1000;
const rows = (await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0];
console.log(`${seconds.toFixed(4)} ${rows}`);
