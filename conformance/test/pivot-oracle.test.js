// Pivot cubes checked against DuckDB: random data (seeded, NULLs in dimensions and measures) loaded from a
// CSV file; a fully expanded qMode P pivot with a total on every level, one dimension on the left and one
// on top with the measures below it, and a random selection. Every data cell — values, row and column
// subtotals, the grand total — must equal what DuckDB's GROUP BY GROUPING SETS computes over the same
// rows; the left and top trees must list exactly the values each grouping has.

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

/** mulberry32, so a failing seed can be replayed. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)], chance: (p) => next() < p };
}

// Qlik's Sum over no numbers is 0 (SQL's is NULL).
const MEASURES = [['Sum(X)', 'COALESCE(SUM(X), 0)'], ['Avg(X)', 'AVG(X)'], ['Count(DISTINCT X)', 'COUNT(DISTINCT X)']];
const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/** The leaves of a pivot tree, depth first: the value (null for NULL) or TOTAL, and the measure index. */
function leaves(nodes, path = []) {
  const out = [];
  for (const n of nodes) {
    const key = n.qType === 'T' ? 'TOTAL' : n.qType === 'U' ? null : n.qType === 'P' ? { measure: n.qElemNo } : n.qText;
    const here = [...path, key];
    if (n.qSubNodes.length) out.push(...leaves(n.qSubNodes, here));
    else out.push(here);
  }
  return out;
}

async function check(seed) {
  const r = rng(seed);
  const rows = Array.from({ length: r.int(20, 70) }, () => [
    r.chance(0.1) ? null : r.pick(['a', 'b', 'c', 'd']),
    r.chance(0.1) ? null : r.pick(['x', 'y', 'z']),
    r.chance(0.15) ? null : r.int(-20, 50),
  ]);
  const dir = `pivot-oracle-${seed}`;
  fs.mkdirSync(path.join(server.dataDir, dir), { recursive: true });
  const file = path.join(server.dataDir, dir, 't.csv');
  fs.writeFileSync(file, `K,L,X\n${rows.map((row) => row.map((v) => (v === null ? '' : String(v))).join(',')).join('\n')}\n`);
  const c = await openEnigma(server, { identity: dir });
  clients.push(c);
  const app = await c.global.createSessionApp();
  await app.setScript(`T:
LOAD If(Len(K) = 0, Null(), K) AS K, If(Len(L) = 0, Null(), L) AS L, If(Len(X) = 0, Null(), X) AS X
FROM [lib://data/${dir}/t.csv] (txt, utf8, embedded labels, delimiter is ',');`);
  assert.equal(await app.doReload(), true);
  let where = '';
  if (r.chance(0.5)) {
    const pick = [...new Set(rows.map((row) => row[1]).filter((v) => v !== null))].slice(0, 2);
    await (await app.getField('L')).selectValues(pick.map((v) => ({ qText: v })));
    where = `WHERE L IN (${pick.map((v) => `'${v}'`).join(', ')})`;
  }
  const total = { qTotalMode: 'TOTAL_EXPR' };
  const obj = await app.createSessionObject({
    qInfo: { qType: 'pivot' },
    qHyperCubeDef: {
      qMode: 'P', qAlwaysFullyExpanded: true, qNoOfLeftDims: 1,
      qDimensions: ['K', 'L'].map((f) => ({ qDef: { qFieldDefs: [f] }, qOtherTotalSpec: total })),
      qMeasures: MEASURES.map(([q]) => ({ qDef: { qDef: q } })),
    },
  });
  const { qHyperCube: hc } = await obj.getLayout();
  const [page] = await obj.getHyperCubePivotData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: hc.qSize.qcx, qHeight: hc.qSize.qcy }]);
  const [sql] = JSON.parse(execFileSync(PYTHON, [ORACLE], {
    input: JSON.stringify({
      tables: { t: file },
      queries: [`SELECT K, L, GROUPING(K), GROUPING(L), ${MEASURES.map(([, s]) => s).join(', ')} FROM t ${where} GROUP BY GROUPING SETS ((K, L), (K), (L), ())`],
    }),
  })).results;
  const what = `seed ${seed} ${where}`;
  const group = (k, l) => sql.find((row) => (k === 'TOTAL' ? row[2] === 1 : row[2] === 0 && row[0] === k)
    && (l === 'TOTAL' ? row[3] === 1 : row[3] === 0 && row[1] === l));

  const left = leaves(page.qLeft);
  const top = leaves(page.qTop);
  // The trees list exactly the values of each grouping, and one total.
  const ks = sql.filter((row) => row[3] === 1 && row[2] === 0).map((row) => row[0]);
  assert.deepEqual(left.map((p) => p[0]).filter((k) => k !== 'TOTAL').sort(), [...ks].sort(), what);
  const ls = sql.filter((row) => row[2] === 1 && row[3] === 0).map((row) => row[1]);
  assert.deepEqual([...new Set(top.map((p) => p[0]).filter((l) => l !== 'TOTAL'))].sort(), [...ls].sort(), what);
  assert.equal(top.length, (ls.length + 1) * MEASURES.length, what);
  for (const [i, [k]] of left.entries()) {
    for (const [j, [l, { measure }]] of top.entries()) {
      const want = group(k, l);
      const cell = page.qData[i][j];
      const got = typeof cell.qNum === 'number' ? cell.qNum : null;
      if (!want) {
        assert.equal(cell.qType, 'E', `${what}: ${k}/${l} has no rows`);
        continue;
      }
      assert.ok(close(got, want[4 + measure]), `${what}: ${k}/${l} ${MEASURES[measure][0]} = ${got}, DuckDB ${want[4 + measure]}`);
      assert.equal(cell.qType, k === 'TOTAL' || l === 'TOTAL' ? 'T' : 'V', what);
    }
  }
}

test('pivot cells and subtotals equal GROUP BY GROUPING SETS on random data', async () => {
  for (let seed = 1; seed <= 12; seed += 1) await check(seed);
});
