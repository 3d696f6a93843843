// Qlik's expression language as apps write it, through real enigma.js: set analysis in chart measures
// (with bookmarks and alternate states as identifiers), TOTAL <fields>, Aggr, chart row functions, date
// functions with the script's DateFormat, field functions, and a bad measure that fails only its column.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma } from './helpers.js';

const SCRIPT = `SET DateFormat='YYYY-MM-DD';
Orders:
LOAD OrderId, CustomerId, Year, Sales, MakeDate(Year, 1 + Mod(OrderId, 12), 1) AS OrderDate INLINE [
OrderId, CustomerId, Year, Sales
1, 1, 2020, 100
2, 1, 2021, 50
3, 2, 2020, 70
4, 3, 2021, 30
5, 3, 2022, 20
6, 4, 2022, 5
];
Customers:
LOAD * INLINE [
CustomerId, Country
1, Sweden
2, Sweden
3, Norway
4, Chile
];`;

let server;
let session;
let doc;

before(async () => {
  server = await startServer();
  session = await openEnigma(server, { identity: 'expressions' });
  doc = await session.global.createSessionApp();
  await doc.setScript(SCRIPT);
  assert.equal(await doc.doReload(), true);
});

after(async () => {
  await session?.close();
  await server?.stop();
});

/** The cube's rows as { first dimension text: [measure qText...] }, and the object's layout. */
async function table(dims, measures, extra = {}) {
  const obj = await doc.createSessionObject({
    qInfo: { qType: 'table' },
    qHyperCubeDef: {
      qDimensions: dims.map((d) => ({ qDef: { qFieldDefs: [d], qSortCriterias: [{ qSortByNumeric: 1, qSortByAscii: 1 }] } })),
      qMeasures: measures.map((m) => ({ qDef: { qDef: m } })),
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: dims.length + measures.length, qHeight: 100 }],
      ...extra,
    },
  });
  const layout = await obj.getLayout();
  const rows = {};
  for (const r of layout.qHyperCube.qDataPages[0].qMatrix) {
    rows[r[0].qText] = r.slice(dims.length).map((c) => c.qText);
  }
  await doc.destroySessionObject(layout.qInfo.qId);
  return { rows, layout };
}

test('set analysis in chart measures, against the current selection', async () => {
  const year = await doc.getField('Year');
  await year.selectValues([{ qText: '2021', qIsNumeric: true, qNumber: 2021 }]);
  const { rows } = await table(['Country'], [
    'Sum(Sales)', 'Sum({<Year=>} Sales)', 'Sum({1<Country={"S*"}>} Sales)', 'Count({$<Year={">=2021"}>} DISTINCT CustomerId)',
  ]);
  assert.deepEqual(rows.Sweden, ['50', '220', '220', '1']);
  assert.deepEqual(rows.Norway, ['30', '50', '0', '1']);
  assert.deepEqual(rows.Chile, ['0', '5', '0', '1'], 'the {<Year=>} measure brings Chile in');
  await year.clear();
});

test('bookmarks, history and alternate states as set identifiers', async () => {
  const year = await doc.getField('Year');
  await year.selectValues([{ qText: '2022', qIsNumeric: true, qNumber: 2022 }]);
  await doc.createBookmark({ qInfo: { qId: 'recent', qType: 'bookmark' }, qMetaDef: { title: 'Recent' } });
  await year.selectValues([{ qText: '2020', qIsNumeric: true, qNumber: 2020 }]);
  assert.equal(await doc.evaluate('Sum({Recent} Sales)'), '25');
  assert.equal(await doc.evaluate('Sum({$1} Sales)'), '25');
  assert.equal(await doc.evaluate('Sum({$ + Recent} Sales)'), '195');
  await doc.addAlternateState('B');
  await (await doc.getField('Country', 'B')).selectValues([{ qText: 'Norway' }]);
  assert.equal(await doc.evaluate('Sum({B} Sales)'), '50');
  assert.equal(await doc.evaluate('Sum({1<CustomerId=B::CustomerId>} Sales)'), '50');
  await doc.clearAll(true);
});

test('TOTAL <fields>, Aggr and chart row functions', async () => {
  const { rows } = await table(['CustomerId'], [
    'Sum(Sales)',
    'Sum(TOTAL Sales)',
    'Rank(Sum(Sales))',
    'RangeSum(Above(Sum(Sales), 0, 2))',
    'Max(TOTAL Aggr(Sum(Sales), CustomerId))',
  ], { qInterColumnSortOrder: [0, 1, 2, 3, 4] });
  assert.deepEqual(rows['1'], ['150', '275', '1', '150', '150']);
  assert.deepEqual(rows['2'], ['70', '275', '2', '220', '150']);
  assert.deepEqual(rows['4'], ['5', '275', '4', '55', '150']);
  const byCountry = await table(['Country', 'Year'], ['Sum(TOTAL <Country> Sales)']);
  assert.deepEqual(byCountry.rows.Sweden, ['220']);
});

test('dates follow the script, field functions read the selections', async () => {
  assert.equal(await doc.evaluate('Date(Max(OrderDate))'), '2022-07-01');
  assert.equal(await doc.evaluate('MonthStart(AddMonths(Min(OrderDate), 1))'), '2020-03-01');
  await (await doc.getField('Country')).selectValues([{ qText: 'Sweden' }]);
  assert.equal(await doc.evaluate('GetFieldSelections(Country)'), 'Sweden');
  assert.equal(await doc.evaluate('GetPossibleCount(CustomerId)'), '2');
  assert.equal(await doc.evaluate('Sum({<Country=>} Sales) - Sum(Sales)'), '55');
  await doc.clearAll(true);
});

test('a bad measure fails its column, the others are computed', async () => {
  const { rows, layout } = await table(['Country'], ['Sum(Sales)', 'Sum({NoSuchSet} Sales)', 'Sum(Sales']);
  const info = layout.qHyperCube.qMeasureInfo;
  assert.equal(layout.qHyperCube.qError, undefined);
  assert.equal(info[0].qError, undefined);
  assert.match(info[1].qError.qContext, /NoSuchSet/);
  assert.ok(info[2].qError);
  assert.deepEqual(rows.Sweden, ['220', '-', '-']);
  const ex = await doc.evaluateEx('Sum({NoSuchSet} Sales)');
  assert.match(ex.qText, /NoSuchSet/);
});
