// qixd's answers checked against a SQL oracle: random data (seeded), loaded by a script from CSV files,
// random selections made through enigma.js field handles, then hypercube rows, list object states and
// EvaluateEx results compared with what DuckDB computes over the same CSV files with the same filters.
// Shapes: a star schema (a fact table linked to two dimension tables by key fields) and a single table,
// both with NULLs. DuckDB runs in the local venv the test command creates (conformance/.venv).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, openEnigma } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.ORACLE_PYTHON ?? path.resolve(here, '../.venv/bin/python');
const ORACLE = path.resolve(here, '../oracle/oracle.py');

let server;
const clients = [];

before(async () => {
  assert.ok(fs.existsSync(PYTHON), `the DuckDB venv is missing at ${PYTHON} (scripts/test-all.sh creates it)`);
  server = await startServer();
});
after(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
});

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

const csv = (header, rows) => `${header.join(',')}\n${rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n')}\n`;

/** Runs SQL queries over the CSV files in DuckDB. */
function oracle(tables, queries) {
  const out = execFileSync(PYTHON, [ORACLE], { input: JSON.stringify({ tables, queries }), maxBuffer: 64 << 20 });
  return JSON.parse(out).results;
}

const STAR = 'facts JOIN customers USING (Cust) JOIN products USING (Prod)';

/** `where` (a WHERE clause or nothing) with one more condition. */
const and = (where, cond) => (where ? `${where} AND ${cond}` : `WHERE ${cond}`);

/** A star schema: Facts(Cust, Prod, Qty, Price) → Customers(Cust, Region, Segment), Products(Prod, Category, Color). */
function starData(r) {
  const nc = r.int(4, 10);
  const np = r.int(3, 8);
  const customers = Array.from({ length: nc }, (_, i) => [`C${i + 1}`, r.chance(0.15) ? null : r.pick(['North', 'South', 'East', 'West']), r.pick(['Retail', 'Corporate', 'Public'])]);
  const products = Array.from({ length: np }, (_, i) => [`P${i + 1}`, r.pick(['Fruit', 'Veg', 'Dairy']), r.chance(0.1) ? null : r.pick(['Red', 'Green', 'Blue', 'Yellow'])]);
  const nf = r.int(30, 90);
  // The first rows reach every customer and product, so no dimension row is without facts.
  const facts = Array.from({ length: nf }, (_, i) => [
    i < nc ? `C${i + 1}` : `C${r.int(1, nc)}`,
    i < np ? `P${i + 1}` : `P${r.int(1, np)}`,
    r.chance(0.1) ? null : r.int(1, 20),
    (r.int(100, 5000) / 100).toFixed(2),
  ]);
  return {
    files: {
      customers: csv(['Cust', 'Region', 'Segment'], customers),
      products: csv(['Prod', 'Category', 'Color'], products),
      facts: csv(['Cust', 'Prod', 'Qty', 'Price'], facts),
    },
    script: (dir) => `Customers:
LOAD Cust, If(Len(Region) = 0, Null(), Region) AS Region, Segment
FROM [lib://data/${dir}/customers.csv] (txt, utf8, embedded labels, delimiter is ',');
Products:
LOAD Prod, Category, If(Len(Color) = 0, Null(), Color) AS Color
FROM [lib://data/${dir}/products.csv] (txt, utf8, embedded labels, delimiter is ',');
Facts:
LOAD Cust, Prod, If(Len(Qty) = 0, Null(), Qty) AS Qty, Price
FROM [lib://data/${dir}/facts.csv] (txt, utf8, embedded labels, delimiter is ',');`,
    from: STAR,
    fields: ['Region', 'Segment', 'Category', 'Color'],
    dims: ['Region', 'Category'],
    measures: [['Sum(Qty*Price)', 'SUM(Qty*Price)'], ['Count(Qty)', 'COUNT(Qty)'], ['Avg(Price)', 'AVG(Price)'], ['Max(Qty)', 'MAX(Qty)']],
    evaluations: [['Sum(Qty*Price)', 'SUM(Qty*Price)'], ['Count(DISTINCT Region)', 'COUNT(DISTINCT Region)'], ['Avg(Qty)', 'AVG(Qty)'], ['Min(Price)', 'MIN(Price)'], 
      // A field's aggregation runs over its own table's possible rows (Qlik), here Products.
      ['Count(Color)', (w) => `SELECT COUNT(Color) FROM products WHERE Prod IN (SELECT Prod FROM facts JOIN customers USING (Cust) JOIN products USING (Prod) ${w})`],
      // Set analysis: {1} ignores the selections; a modifier replaces one field's selection (the others stay).
      ['Sum({1} Qty*Price)', () => `SELECT SUM(Qty*Price) FROM ${STAR}`],
      ['Sum({$<Segment={\'Retail\'}>} Qty*Price)', (w, where) => `SELECT SUM(Qty*Price) FROM ${STAR} ${and(where('Segment'), "Segment = 'Retail'")}`],
      ['Sum({1<Category={Fruit, "v*"}>} Qty)', () => `SELECT SUM(Qty) FROM ${STAR} WHERE Category IN ('Fruit', 'Veg')`],
      // -= takes values out of the field's selection (all its values when nothing is selected; NULL is no value).
      ['Count({$<Region-={North}>} DISTINCT Cust)', (w, where, sel) => `SELECT COUNT(DISTINCT Cust) FROM ${STAR} ${and(where('Region'),
        `${sel.Region ? `Region IN (${sel.Region.map(sqlValue).join(', ')})` : 'Region IS NOT NULL'} AND Region <> 'North'`)}`],
      // P(): the values possible in another set.
      ['Sum({<Category=P({1<Color={Red}>} Category)>} Qty)', (w, where) => `SELECT SUM(Qty) FROM ${STAR} ${and(where('Category'),
        "Category IN (SELECT Category FROM products WHERE Color = 'Red')")}`],
      // Aggr(): an aggregation over a nested table.
      ['Sum(Aggr(Sum(Qty), Cust))', (w) => `SELECT SUM(Qty) FROM ${STAR} ${w}`],
      ['Max(Aggr(Sum(Qty*Price), Category))', (w) => `SELECT MAX(s) FROM (SELECT Category, SUM(Qty*Price) AS s FROM ${STAR} ${w} GROUP BY Category)`]],
  };
}

/** One table with NULLs in dimensions and measures. */
function singleData(r) {
  const n = r.int(20, 80);
  const rows = Array.from({ length: n }, () => [
    r.chance(0.1) ? null : r.pick(['a', 'b', 'c', 'd', 'e']),
    r.chance(0.1) ? null : r.pick(['x', 'y', 'z']),
    r.chance(0.15) ? null : r.int(-50, 100),
    (r.int(0, 10000) / 100).toFixed(2),
  ]);
  return {
    files: { t: csv(['K', 'L', 'X', 'Y'], rows) },
    script: (dir) => `T:
LOAD If(Len(K) = 0, Null(), K) AS K, If(Len(L) = 0, Null(), L) AS L, If(Len(X) = 0, Null(), X) AS X, Y
FROM [lib://data/${dir}/t.csv] (txt, utf8, embedded labels, delimiter is ',');`,
    from: 't',
    fields: ['K', 'L'],
    dims: ['K', 'L'],
    measures: [['Sum(X)', 'SUM(X)'], ['Count(X)', 'COUNT(X)'], ['Max(Y)', 'MAX(Y)'], ['Sum(X*Y)', 'SUM(X*Y)']],
    evaluations: [['Sum(X)', 'SUM(X)'], ['Avg(Y)', 'AVG(Y)'], ['Count(DISTINCT K)', 'COUNT(DISTINCT K)'], ['Max(X)', 'MAX(X)']],
  };
}

const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
const sqlValue = (v) => `'${String(v).replace(/'/g, "''")}'`;

async function check(shape, seed) {
  const r = rng(seed);
  const data = shape(r);
  const dir = `oracle-${seed}-${shape.name}`;
  fs.mkdirSync(path.join(server.dataDir, dir), { recursive: true });
  const tables = {};
  for (const [name, text] of Object.entries(data.files)) {
    const file = path.join(server.dataDir, dir, `${name}.csv`);
    fs.writeFileSync(file, text);
    tables[name] = file;
  }
  const c = await openEnigma(server, { identity: dir });
  clients.push(c);
  const app = await c.global.createSessionApp();
  await app.setScript(data.script(dir));
  assert.equal(await app.doReload(), true, `seed ${seed}: the script reloads`);

  const lists = {};
  for (const f of data.fields) {
    lists[f] = await app.createSessionObject({ qInfo: { qType: 'lb' }, qListObjectDef: { qDef: { qFieldDefs: [f] }, qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 100 }] } });
  }
  const listStates = async (f) => Object.fromEntries((await lists[f].getLayout()).qListObject.qDataPages[0].qMatrix.map((row) => [row[0].qText, row[0].qState]));

  // Random selections, each among the values still possible.
  const selected = {};
  for (let i = r.int(0, 2); i > 0; i -= 1) {
    const f = r.pick(data.fields);
    if (selected[f]) continue;
    const possible = Object.entries(await listStates(f)).filter(([, s]) => s === 'O').map(([v]) => v);
    if (possible.length === 0) continue;
    const pick = [...new Set([r.pick(possible), r.pick(possible)])];
    assert.equal(await (await app.getField(f)).selectValues(pick.map((v) => ({ qText: v }))), true);
    selected[f] = pick;
  }
  const where = (except) => {
    const parts = Object.entries(selected).filter(([f]) => f !== except).map(([f, vs]) => `${f} IN (${vs.map(sqlValue).join(', ')})`);
    return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  };
  const what = `seed ${seed} (${shape.name}), selections ${JSON.stringify(selected)}`;

  // The hypercube.
  const cube = await app.createSessionObject({
    qInfo: { qType: 'cube' },
    qHyperCubeDef: {
      qDimensions: data.dims.map((d) => ({ qDef: { qFieldDefs: [d] } })),
      qMeasures: data.measures.map(([q]) => ({ qDef: { qDef: q } })),
    },
  });
  const width = data.dims.length + data.measures.length;
  const pages = await cube.getHyperCubeData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: width, qHeight: Math.floor(10000 / width) }]);
  const ours = pages[0].qMatrix.map((row) => [
    ...row.slice(0, data.dims.length).map((cell) => (cell.qIsNull ? null : cell.qText)),
    ...row.slice(data.dims.length).map((cell) => (typeof cell.qNum === 'number' ? cell.qNum : null)),
  ]);
  const dimsSql = data.dims.join(', ');
  const queries = [`SELECT ${dimsSql}, ${data.measures.map(([, s]) => s).join(', ')} FROM ${data.from} ${where()} GROUP BY ${dimsSql}`];
  for (const f of data.fields) {
    queries.push(`SELECT DISTINCT ${f} FROM ${data.from} ${where()} WHERE_NOT_NULL`.replace(' WHERE_NOT_NULL', where() ? ` AND ${f} IS NOT NULL` : ` WHERE ${f} IS NOT NULL`));
    queries.push(`SELECT DISTINCT ${f} FROM ${data.from} ${where(f)} WHERE_NOT_NULL`.replace(' WHERE_NOT_NULL', where(f) ? ` AND ${f} IS NOT NULL` : ` WHERE ${f} IS NOT NULL`));
  }
  for (const [, s] of data.evaluations) queries.push(typeof s === 'function' ? s(where(), where, selected) : `SELECT ${s} FROM ${data.from} ${where()}`);
  const results = oracle(tables, queries);

  const key = (row) => JSON.stringify(row.slice(0, data.dims.length));
  const expected = new Map(results[0].map((row) => [key(row), row]));
  assert.equal(ours.length, expected.size, `${what}: hypercube rows ${JSON.stringify(ours)} vs ${JSON.stringify(results[0])}`);
  for (const row of ours) {
    const want = expected.get(key(row));
    assert.ok(want, `${what}: unexpected row ${JSON.stringify(row)}`);
    for (let i = data.dims.length; i < row.length; i += 1) {
      // Qlik shows no value (NULL) for Max/Avg over no numbers; Sum and Count over none are 0.
      const w = want[i] === null && /^(Sum|Count)/.test(data.measures[i - data.dims.length][0]) ? 0 : want[i];
      assert.ok(close(row[i], w), `${what}: ${data.measures[i - data.dims.length][0]} of ${key(row)} is ${row[i]}, DuckDB says ${w}`);
    }
  }

  // List object states.
  for (const f of data.fields) {
    const states = await listStates(f);
    const possible = new Set(results[1 + 2 * data.fields.indexOf(f)].map((row) => String(row[0])));
    const alternative = new Set(results[2 + 2 * data.fields.indexOf(f)].map((row) => String(row[0])));
    for (const v of possible) assert.ok(v in states, `${what}: ${f}=${v} is missing from the list object`);
    for (const [v, s] of Object.entries(states)) {
      let want = 'X';
      if (selected[f]?.includes(v)) want = 'S';
      else if (selected[f] && alternative.has(v)) want = 'A';
      else if (!selected[f] && possible.has(v)) want = 'O';
      assert.equal(s, want, `${what}: ${f}=${v} is ${s}, DuckDB implies ${want}`);
    }
  }

  // Evaluations over the whole selection.
  const offset = 1 + 2 * data.fields.length;
  for (const [k, [q]] of data.evaluations.entries()) {
    const { qIsNumeric, qNumber, qText } = await app.evaluateEx(q);
    const want = results[offset + k][0][0];
    if (want === null) {
      assert.ok(!qIsNumeric || qNumber === 0, `${what}: ${q} is ${qText}, DuckDB says NULL`);
    } else {
      assert.ok(qIsNumeric && close(qNumber, want), `${what}: ${q} is ${qText} (${qNumber}), DuckDB says ${want}`);
    }
  }
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`star schema, seed ${seed}`, () => check(starData, seed));
  test(`single table, seed ${seed}`, () => check(singleData, seed));
}
