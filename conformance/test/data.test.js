// Data: load scripts (Doc.SetScript / DoReload), the data model (GetTablesAndKeys),
// hypercubes, list objects, selections (Field and object APIs), selection states,
// evaluation, variables, connections and per-session selection propagation,
// all through real enigma.js calls (plus a few raw frames for the wire shapes).
//
// The example model is the one a real Qlik engine was recorded on:
//   TableA: abcs/numbers (a,1)(b,2)(b,3)(b,4)(c,5)
//   TableB: xyz/numbers  (x,5)(y,4)(y,3)(y,2)(z,1)
// linked by `numbers`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, openEnigma, rawConnect, rejectsWith, once, countEvents, sleep,
} from './helpers.js';

const MOVIES_CSV = fileURLToPath(new URL('../../testdata/movies.csv', import.meta.url));

const EXAMPLE = `TableA:
LOAD * INLINE [
abcs, numbers
a, 1
b, 2
b, 3
b, 4
c, 5
];
TableB:
LOAD * INLINE [
xyz, numbers
x, 5
y, 4
y, 3
y, 2
z, 1
];`;

let server;
const open = [];
let counter = 0;

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

/** A fresh enigma session of its own (unique identity unless given) on the shared server. */
async function fresh(opts = {}) {
  counter += 1;
  const s = await openEnigma(server, { identity: `data-${counter}`, ...opts });
  open.push(s);
  return s;
}

/** A session app of a fresh session, loaded with `script` (the example model by default). */
async function loadedApp(script = EXAMPLE) {
  const s = await fresh();
  const app = await s.global.createSessionApp();
  await app.setScript(script);
  assert.equal(await app.doReload(), true, 'test setup: the script reloads');
  return { s, app };
}

const TABLES_AND_KEYS = [{ qcx: 1000, qcy: 1000 }, { qcx: 0, qcy: 0 }, 30, true, false];

/** A list object on `field`, sorted by load order unless `sort` says otherwise. */
function listBox(app, field, sort = [{ qSortByLoadOrder: 1 }]) {
  return app.createSessionObject({
    qInfo: { qType: 'listbox' },
    qListObjectDef: {
      qDef: { qFieldDefs: [field], qSortCriterias: sort },
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 100 }],
    },
  });
}

/** The first data page of a list object's layout: [{qText, qState, ...}] in order. */
async function listCells(obj) {
  const layout = await obj.getLayout();
  return layout.qListObject.qDataPages[0].qMatrix.map(([cell]) => cell);
}

/** { value: state } of a list object. */
async function listStates(obj) {
  return Object.fromEntries((await listCells(obj)).map((c) => [c.qText, c.qState]));
}

const boxes = new WeakMap();
/** The states of every value of the example fields: { abcs: {a:'S',...}, xyz: {...}, numbers: {...} }. */
async function modelStates(app) {
  if (!boxes.has(app)) {
    boxes.set(app, {
      abcs: await listBox(app, 'abcs'),
      xyz: await listBox(app, 'xyz'),
      numbers: await listBox(app, 'numbers'),
    });
  }
  const b = boxes.get(app);
  return { abcs: await listStates(b.abcs), xyz: await listStates(b.xyz), numbers: await listStates(b.numbers) };
}

const ALL_OPTIONAL = {
  abcs: { a: 'O', b: 'O', c: 'O' },
  xyz: { x: 'O', y: 'O', z: 'O' },
  numbers: { 1: 'O', 2: 'O', 3: 'O', 4: 'O', 5: 'O' },
};

/** A hypercube session object; resolves { obj, layout, hc, rows } with rows as qText matrices. */
async function cube(app, def) {
  const obj = await app.createSessionObject({
    qInfo: { qType: 'cube' },
    qHyperCubeDef: { qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 10, qHeight: 100 }], ...def },
  });
  const layout = await obj.getLayout();
  const hc = layout.qHyperCube;
  return { obj, layout, hc, rows: hc.qDataPages[0].qMatrix.map((r) => r.map((c) => c.qText)) };
}

/** Rows of distinct combinations of `fields`, sorted numerically on the first one. */
async function table(app, fields) {
  const { rows } = await cube(app, {
    qDimensions: fields.map((f, i) => ({
      qDef: { qFieldDefs: [f], qSortCriterias: [i === 0 ? { qSortByNumeric: 1 } : { qSortByLoadOrder: 1 }] },
    })),
  });
  return rows;
}

/** { tableName: [fieldNames] } plus row counts from GetTablesAndKeys. */
async function tables(app) {
  const { qtr } = await app.getTablesAndKeys(...TABLES_AND_KEYS);
  return Object.fromEntries(qtr.map((t) => [t.qName, { rows: t.qNoOfRows, fields: t.qFields.map((f) => f.qName) }]));
}

// ------------------------------------------------------------ load script

test('DoReload loads the example model: GetTablesAndKeys lists tables, rows, field tags and the numbers key', async () => {
  const s = await fresh();
  const app = await s.global.createSessionApp();
  await app.setScript(EXAMPLE);
  assert.equal(await app.getScript(), EXAMPLE);
  assert.equal(await app.doReload(), true);

  const { qtr, qk } = await app.getTablesAndKeys(...TABLES_AND_KEYS);
  assert.deepEqual(qtr.map((t) => [t.qName, t.qNoOfRows]), [['TableA', 5], ['TableB', 5]]);
  const fieldsOf = (name) => qtr.find((t) => t.qName === name).qFields;
  assert.deepEqual(fieldsOf('TableA').map((f) => f.qName), ['abcs', 'numbers']);
  assert.deepEqual(fieldsOf('TableB').map((f) => f.qName), ['xyz', 'numbers']);
  for (const t of ['TableA', 'TableB']) {
    const numbers = fieldsOf(t).find((f) => f.qName === 'numbers');
    for (const tag of ['$key', '$numeric', '$integer']) {
      assert.ok(numbers.qTags.includes(tag), `${t}.numbers has ${tag}: ${JSON.stringify(numbers.qTags)}`);
    }
    const text = fieldsOf(t).find((f) => f.qName !== 'numbers');
    assert.ok(!text.qTags.includes('$key'), `${t}.${text.qName} is not a key`);
    assert.ok(!text.qTags.includes('$numeric'), `${t}.${text.qName} is not numeric`);
  }
  assert.equal(qk.length, 1, JSON.stringify(qk));
  assert.deepEqual(qk[0].qKeyFields, ['numbers']);
  assert.deepEqual([...qk[0].qTables].sort(), ['TableA', 'TableB']);

  const desc = await app.getFieldDescription('numbers');
  assert.equal(desc.qName, 'numbers');
  assert.equal(desc.qCardinal, 5);
  assert.deepEqual([...desc.qSrcTables].sort(), ['TableA', 'TableB']);
  assert.equal(desc.qIsNumeric, true);
  const abcs = await app.getFieldDescription('abcs');
  assert.equal(abcs.qCardinal, 3);
  assert.deepEqual(abcs.qSrcTables, ['TableA']);
  assert.equal(abcs.qIsNumeric, false);
});

test('on the wire: DoReloadEx is {qResult:{qSuccess}}, Field.Select is {qReturn}, a missing field is a null handle', async () => {
  const identity = 'data-wire';
  const s = await fresh({ identity });
  const app = await s.global.createSessionApp();
  await app.setScript(EXAMPLE);

  const raw = await rawConnect(server.wsUrl(`/app/engineData/identity/${identity}`));
  assert.equal((await raw.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
  const doc = (await raw.request('GetActiveDoc')).result.qReturn.qHandle;
  const ok = await raw.request('DoReloadEx', doc, [{}]);
  assert.equal(ok.error, undefined, JSON.stringify(ok));
  assert.equal(ok.result.qResult.qSuccess, true, JSON.stringify(ok));
  assert.deepEqual((await raw.request('DoReload', doc, [])).result, { qReturn: true });

  const field = await raw.request('GetField', doc, { qFieldName: 'abcs' });
  assert.equal(field.result.qReturn.qType, 'Field');
  assert.equal(typeof field.result.qReturn.qHandle, 'number');
  const sel = await raw.request('Select', field.result.qReturn.qHandle, { qMatch: 'a' });
  assert.deepEqual(sel.result, { qReturn: true });
  const again = await raw.request('Select', field.result.qReturn.qHandle, { qMatch: 'a' });
  assert.deepEqual(again.result, { qReturn: false }, 'the same selection again changes nothing');
  assert.deepEqual((await raw.request('Evaluate', doc, { qExpression: 'Sum(numbers)' })).result, { qReturn: '1' });

  const missing = await raw.request('GetField', doc, { qFieldName: 'no such field' });
  assert.equal(missing.error, undefined, JSON.stringify(missing));
  assert.equal(missing.result.qReturn.qHandle, null, JSON.stringify(missing));

  await app.setScript("LOAD * FROM [lib://data/not-there.csv] (txt, embedded labels, delimiter is ',');");
  const failed = await raw.request('DoReloadEx', doc, [{}]);
  assert.equal(failed.result.qResult.qSuccess, false, JSON.stringify(failed));
  await raw.close();

  // enigma.js turns the null handle into a rejection.
  await rejectsWith(app.getField('no such field'));
  assert.equal((await app.doReloadEx()).qSuccess, false);
});

test('AUTOGENERATE with RecNo, Chr, Ord, Pick, Mod, Ceil, Round and Rand', async () => {
  const { app } = await loadedApp(`T:
LOAD RecNo() AS n, Chr(64 + RecNo()) AS letter, Ord('A') + RecNo() AS code,
  Pick(RecNo(), 'one', 'two', 'three', 'four') AS word, Mod(RecNo(), 3) AS m,
  Ceil(RecNo() / 2) AS half, Round(RecNo() * 1.26, 0.5) AS r
AUTOGENERATE 4;
R:
LOAD RecNo() AS k, Rand() AS rnd AUTOGENERATE 50;`);
  assert.deepEqual((await tables(app)).T, { rows: 4, fields: ['n', 'letter', 'code', 'word', 'm', 'half', 'r'] });
  assert.deepEqual(await table(app, ['n', 'letter', 'code', 'word', 'm', 'half', 'r']), [
    ['1', 'A', '66', 'one', '1', '1', '1.5'],
    ['2', 'B', '67', 'two', '2', '1', '2.5'],
    ['3', 'C', '68', 'three', '0', '2', '4'],
    ['4', 'D', '69', 'four', '1', '2', '5'],
  ]);
  assert.equal(await app.evaluate('Count(k)'), '50');
  const min = Number(await app.evaluate('Min(rnd)'));
  const max = Number(await app.evaluate('Max(rnd)'));
  assert.ok(min >= 0 && max < 1 && min < max, `Rand() in [0,1) and not constant: ${min}..${max}`);
});

test('preceding load, WHERE and WHILE', async () => {
  const { app } = await loadedApp(`T:
LOAD n, n * 10 AS tens WHERE n > 1;
LOAD RecNo() AS n AUTOGENERATE 4;
W:
LOAD IterNo() AS i AUTOGENERATE 1 WHILE IterNo() <= 3;`);
  const t = await tables(app);
  assert.deepEqual(t.T, { rows: 3, fields: ['n', 'tens'] });
  assert.deepEqual(await table(app, ['n', 'tens']), [['2', '20'], ['3', '30'], ['4', '40']]);
  assert.equal(t.W.rows, 3);
  assert.deepEqual(await table(app, ['i']), [['1'], ['2'], ['3']]);
});

test('RESIDENT, MAPPING LOAD with ApplyMap', async () => {
  const { app } = await loadedApp(`Map:
MAPPING LOAD * INLINE [
code, name
1, one
2, two
];
T:
LOAD * INLINE [
k, v
1, 10
2, 20
3, 30
];
U:
NoConcatenate LOAD k AS k2, v * 2 AS v2, ApplyMap('Map', k, 'other') AS label RESIDENT T WHERE v >= 20;
DROP TABLE T;`);
  assert.deepEqual(await tables(app), { U: { rows: 2, fields: ['k2', 'v2', 'label'] } }, 'the mapping table and T are gone');
  assert.deepEqual(await table(app, ['k2', 'v2', 'label']), [['2', '40', 'two'], ['3', '60', 'other']]);
});

test('JOIN, INNER JOIN, KEEP and CONCATENATE', async () => {
  const left = `T:
LOAD * INLINE [
id, a
1, A1
2, A2
];
`;
  const right = ` LOAD * INLINE [
id, b
1, B1
3, B3
];`;
  const { app } = await loadedApp(`${left}JOIN (T)${right}`);
  assert.deepEqual(await tables(app), { T: { rows: 3, fields: ['id', 'a', 'b'] } });
  assert.deepEqual(await table(app, ['id', 'a', 'b']), [['1', 'A1', 'B1'], ['2', 'A2', '-'], ['3', '-', 'B3']]);

  await app.setScript(`${left}INNER JOIN (T)${right}`);
  assert.equal(await app.doReload(), true);
  assert.deepEqual(await table(app, ['id', 'a', 'b']), [['1', 'A1', 'B1']]);

  await app.setScript(`${left}LEFT KEEP (T)${right}`);
  assert.equal(await app.doReload(), true);
  const kept = await app.getTablesAndKeys(...TABLES_AND_KEYS);
  assert.equal(kept.qtr.length, 2, 'KEEP leaves two tables');
  assert.deepEqual(kept.qtr.map((t) => t.qNoOfRows), [2, 1], 'only id 1 of the kept table survives');
  assert.deepEqual(kept.qk.map((k) => k.qKeyFields), [['id']]);
  assert.equal(await app.evaluate('Count(b)'), '1');

  await app.setScript(`${left}CONCATENATE (T)${right}`);
  assert.equal(await app.doReload(), true);
  assert.deepEqual(await tables(app), { T: { rows: 4, fields: ['id', 'a', 'b'] } });
  assert.equal(await app.evaluate('Count(a)'), '2');
  assert.equal(await app.evaluate('Count(b)'), '2');
});

test('a label names the table a KEEP load creates', async () => {
  const { app } = await loadedApp(`T:
LOAD * INLINE [
id, a
1, A1
2, A2
];
U:
LEFT KEEP (T) LOAD * INLINE [
id, b
1, B1
3, B3
];`);
  assert.deepEqual(await tables(app), { T: { rows: 2, fields: ['id', 'a'] }, U: { rows: 1, fields: ['id', 'b'] } });
});

test('LET / SET with $(var) expansion, IF, FOR and SUB', async () => {
  const { app } = await loadedApp(`SET vBase = 10;
LET vCount = 2 + 1;
T:
LOAD RecNo() + $(vBase) AS n AUTOGENERATE $(vCount);
LET vMode = 'big';
IF '$(vMode)' = 'big' THEN
  T: LOAD 100 AS n AUTOGENERATE 1;
ELSE
  T: LOAD 1 AS n AUTOGENERATE 1;
END IF
FOR i = 1 TO 3
  T: LOAD $(i) AS n AUTOGENERATE 1;
NEXT i
SUB AddRow(val)
  T: LOAD $(val) AS n AUTOGENERATE 1;
END SUB
CALL AddRow(7);`);
  assert.deepEqual(await tables(app), { T: { rows: 8, fields: ['n'] } });
  assert.deepEqual((await table(app, ['n'])).flat(), ['1', '2', '3', '7', '11', '12', '13', '100']);
});

test('LOAD * FROM [lib://data/x.csv] reads a CSV from the data dir', async () => {
  fs.writeFileSync(path.join(server.dataDir, 'people.csv'), 'name,age\nAnn,31\nBob,45\nCid,27\n');
  const { app } = await loadedApp("People:\nLOAD * FROM [lib://data/people.csv] (txt, embedded labels, delimiter is ',');");
  assert.deepEqual(await tables(app), { People: { rows: 3, fields: ['name', 'age'] } });
  assert.deepEqual(await table(app, ['age', 'name']), [['27', 'Cid'], ['31', 'Ann'], ['45', 'Bob']]);
  assert.equal(await app.evaluate('Sum(age)'), '103');
  assert.deepEqual((await app.getFieldDescription('age')).qTags.filter((t) => t === '$numeric'), ['$numeric']);
});

test('a reload of a missing file returns false, keeps the data, and GetProgress names the file and line', async () => {
  const { s, app } = await loadedApp();
  await app.setScript("SET x = 1;\n\nT: LOAD * FROM [lib://data/missing-file.csv] (txt, embedded labels, delimiter is ',');");
  assert.equal(await app.doReload(), false);
  const progress = await s.global.getProgress(0);
  assert.ok(Array.isArray(progress.qErrorData) && progress.qErrorData.length >= 1, JSON.stringify(progress));
  const msg = progress.qErrorData[0].qErrorString;
  assert.match(msg, /missing-file\.csv/);
  assert.match(msg, /\bline 3\b/i, `the error names line 3: ${msg}`);

  // The previous model is still there.
  assert.deepEqual(Object.keys(await tables(app)), ['TableA', 'TableB']);
  assert.equal(await app.evaluate('Sum(numbers)'), '15');
  assert.deepEqual(await modelStates(app), ALL_OPTIONAL);
});

test('a script syntax error: DoReload false keeps the data; CheckScriptSyntax locates it', async () => {
  const { s, app } = await loadedApp();
  assert.deepEqual(await app.checkScriptSyntax(), [], 'the example script has no errors');

  const script = 'T:\nLOAD * INLINE [\na\n1\n];\n\n  LOAD x +* FROM y;\n';
  await app.setScript(script);
  const errors = await app.checkScriptSyntax();
  assert.equal(errors.length, 1, JSON.stringify(errors));
  const [e] = errors;
  assert.equal(e.qLineInTab, 6, `0-based line of the bad statement: ${JSON.stringify(e)}`);
  assert.ok(e.qErrLen > 0, JSON.stringify(e));
  const lineStart = script.split('\n').slice(0, 6).join('\n').length + 1;
  assert.equal(e.qTextPos, lineStart + e.qColInLine, `qTextPos agrees with line/column: ${JSON.stringify(e)}`);
  assert.ok(e.qColInLine >= 2 && e.qColInLine <= script.split('\n')[6].indexOf('*'), JSON.stringify(e));
  assert.ok(e.qTextPos + e.qErrLen <= script.length, JSON.stringify(e));

  assert.equal(await app.doReload(), false);
  const msg = (await s.global.getProgress(0)).qErrorData[0].qErrorString;
  assert.match(msg, /\bline 7\b/i, msg);
  assert.equal((await app.doReloadEx()).qSuccess, false);
  assert.equal(await app.evaluate('Sum(numbers)'), '15', 'the example data is still loaded');
  assert.deepEqual(Object.keys(await tables(app)), ['TableA', 'TableB']);
});

// ------------------------------------------------------------ hypercubes

test('hypercube xyz × Count(numbers): size, dimension and measure info, cells, grand total, custom properties', async () => {
  const { app } = await loadedApp();
  const { hc, layout } = await cube(app, {
    myCustom: { keep: ['me'] },
    qDimensions: [{ qDef: { qFieldDefs: ['xyz'] } }],
    qMeasures: [{ qDef: { qDef: 'Count(numbers)' } }],
  });
  assert.deepEqual(hc.myCustom, { keep: ['me'] }, 'custom properties are copied into qHyperCube');
  assert.equal(layout.qInfo.qType, 'cube');
  assert.deepEqual(hc.qSize, { qcx: 2, qcy: 3 });
  assert.equal(hc.qMode, 'S');
  assert.deepEqual(hc.qEffectiveInterColumnSortOrder, [0, 1]);

  const [dim] = hc.qDimensionInfo;
  assert.equal(dim.qFallbackTitle, 'xyz');
  assert.equal(dim.qCardinal, 3);
  assert.equal(dim.qStateCounts.qOption, 3);
  for (const k of ['qSelected', 'qAlternative', 'qExcluded', 'qLocked']) assert.equal(dim.qStateCounts[k], 0, k);
  assert.ok(Array.isArray(dim.qTags));
  const [meas] = hc.qMeasureInfo;
  assert.equal(meas.qFallbackTitle, 'Count(numbers)');
  assert.equal(meas.qMin, 1);
  assert.equal(meas.qMax, 3);

  const matrix = hc.qDataPages[0].qMatrix;
  assert.deepEqual(matrix.map((r) => r.map((c) => c.qText)), [['x', '1'], ['y', '3'], ['z', '1']]);
  assert.deepEqual(matrix.map(([d]) => [d.qNum, d.qElemNumber, d.qState]), [['NaN', 0, 'O'], ['NaN', 1, 'O'], ['NaN', 2, 'O']]);
  assert.deepEqual(matrix.map(([, m]) => m.qNum), [1, 3, 1]);
  assert.deepEqual(hc.qDataPages[0].qArea, { qLeft: 0, qTop: 0, qWidth: 2, qHeight: 3 });
  assert.deepEqual(hc.qGrandTotalRow, [{ qText: '5', qNum: 5, qElemNumber: -1, qState: 'X', qIsTotalCell: true }]);
});

test('hypercube sorting: qSortCriterias (ascii, numeric, load order), measure qSortBy and qInterColumnSortOrder', async () => {
  const { app } = await loadedApp();
  const count = { qDef: { qDef: 'Count(numbers)' } };
  let c = await cube(app, { qDimensions: [{ qDef: { qFieldDefs: ['xyz'], qSortCriterias: [{ qSortByAscii: -1 }] } }], qMeasures: [count] });
  assert.deepEqual(c.rows, [['z', '1'], ['y', '3'], ['x', '1']]);

  c = await cube(app, { qDimensions: [{ qDef: { qFieldDefs: ['numbers'], qSortCriterias: [{ qSortByNumeric: -1 }] } }] });
  assert.deepEqual(c.rows.flat(), ['5', '4', '3', '2', '1']);
  c = await cube(app, { qDimensions: [{ qDef: { qFieldDefs: ['numbers'], qSortCriterias: [{ qSortByNumeric: 1 }] } }] });
  assert.deepEqual(c.rows.flat(), ['1', '2', '3', '4', '5']);

  // TableB was loaded second, so its order of first appearance of xyz is x, y, z; of numbers 1..5 (TableA).
  c = await cube(app, { qDimensions: [{ qDef: { qFieldDefs: ['xyz'], qSortCriterias: [{ qSortByLoadOrder: -1 }] } }] });
  assert.deepEqual(c.rows.flat(), ['z', 'y', 'x']);

  c = await cube(app, {
    qDimensions: [{ qDef: { qFieldDefs: ['xyz'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
    qMeasures: [{ ...count, qSortBy: { qSortByNumeric: -1 } }],
    qInterColumnSortOrder: [1, 0],
  });
  assert.deepEqual(c.hc.qEffectiveInterColumnSortOrder, [1, 0]);
  assert.deepEqual(c.rows, [['y', '3'], ['x', '1'], ['z', '1']], 'by count descending, ties by xyz ascending');

  c = await cube(app, {
    qDimensions: [{ qDef: { qFieldDefs: ['xyz'], qSortCriterias: [{ qSortByAscii: -1 }] } }],
    qMeasures: [{ ...count, qSortBy: { qSortByNumeric: 1 } }],
    qInterColumnSortOrder: [1, 0],
  });
  assert.deepEqual(c.rows, [['z', '1'], ['x', '1'], ['y', '3']], 'by count ascending, ties by xyz descending');
});

test('hypercube qSuppressZero and qSuppressMissing', async () => {
  const { app } = await loadedApp(`${EXAMPLE}
TableC:
LOAD * INLINE [
numbers, extra
1, e1
];`);
  const zeroB = { qDef: { qDef: "Sum(If(abcs = 'b', 0, numbers))" } };
  const abcs = { qDef: { qFieldDefs: ['abcs'] } };
  let c = await cube(app, { qDimensions: [abcs], qMeasures: [zeroB] });
  assert.deepEqual(c.rows, [['a', '1'], ['b', '0'], ['c', '5']]);
  c = await cube(app, { qSuppressZero: true, qDimensions: [abcs], qMeasures: [zeroB] });
  assert.deepEqual(c.rows, [['a', '1'], ['c', '5']]);
  assert.equal(c.hc.qSize.qcy, 2);

  const extra = { qDef: { qFieldDefs: ['extra'] } };
  const count = { qDef: { qDef: 'Count(numbers)' } };
  c = await cube(app, { qDimensions: [abcs, extra], qMeasures: [count] });
  assert.equal(c.hc.qSize.qcy, 3);
  assert.deepEqual(c.rows[0], ['a', 'e1', '1']);
  const missingCell = c.hc.qDataPages[0].qMatrix[1][1];
  assert.equal(missingCell.qText, '-');
  assert.equal(missingCell.qElemNumber, -2, 'a missing dimension value has qElemNumber -2');
  c = await cube(app, { qSuppressMissing: true, qDimensions: [abcs, extra], qMeasures: [count] });
  assert.deepEqual(c.rows, [['a', 'e1', '1']]);
});

test('GetHyperCubeData pages by qTop / qLeft / qWidth / qHeight', async () => {
  const { app } = await loadedApp();
  const { obj } = await cube(app, {
    qDimensions: [{ qDef: { qFieldDefs: ['abcs'] } }, { qDef: { qFieldDefs: ['xyz'] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(numbers)' } }],
  });
  const pages = await obj.getHyperCubeData('/qHyperCubeDef', [
    { qTop: 1, qLeft: 0, qWidth: 3, qHeight: 1 },
    { qTop: 0, qLeft: 2, qWidth: 1, qHeight: 3 },
    { qTop: 2, qLeft: 1, qWidth: 2, qHeight: 5 },
  ]);
  assert.equal(pages.length, 3);
  const texts = (p) => p.qMatrix.map((r) => r.map((c) => c.qText));
  assert.deepEqual(texts(pages[0]), [['b', 'y', '9']]);
  assert.deepEqual(pages[0].qArea, { qLeft: 0, qTop: 1, qWidth: 3, qHeight: 1 });
  assert.deepEqual(texts(pages[1]), [['1'], ['9'], ['5']]);
  assert.deepEqual(pages[1].qArea, { qLeft: 2, qTop: 0, qWidth: 1, qHeight: 3 });
  assert.deepEqual(texts(pages[2]), [['x', '5']], 'a page past the end is clipped');
  assert.equal(pages[2].qArea.qHeight, 1);
});

test('hypercube cells and qStateCounts follow the selections', async () => {
  const { app } = await loadedApp();
  await (await app.getField('abcs')).select('a');
  const { hc } = await cube(app, {
    qDimensions: [{ qDef: { qFieldDefs: ['abcs'] } }, { qDef: { qFieldDefs: ['xyz'] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(numbers)' } }],
  });
  assert.deepEqual(hc.qDataPages[0].qMatrix.map((r) => r.map((c) => c.qText)), [['a', 'z', '1']]);
  assert.deepEqual(hc.qDataPages[0].qMatrix[0].slice(0, 2).map((c) => c.qState), ['S', 'O']);
  const [abcs, xyz] = hc.qDimensionInfo.map((d) => d.qStateCounts);
  assert.equal(abcs.qSelected, 1);
  assert.equal(abcs.qAlternative, 2);
  assert.equal(xyz.qOption, 1);
  assert.equal(xyz.qExcluded, 2);
  assert.deepEqual(hc.qGrandTotalRow.map((c) => c.qText), ['1']);
});

// ------------------------------------------------------------ list objects

test('list object: layout, qSortByState puts selected values first, GetListObjectData pages', async () => {
  const { app } = await loadedApp();
  const lb = await listBox(app, 'xyz', [{ qSortByState: 1, qSortByAscii: 1 }]);
  const layout = await lb.getLayout();
  const lo = layout.qListObject;
  assert.deepEqual(lo.qSize, { qcx: 1, qcy: 3 });
  assert.equal(lo.qDimensionInfo.qFallbackTitle, 'xyz');
  assert.equal(lo.qDimensionInfo.qCardinal, 3);
  const cells = lo.qDataPages[0].qMatrix.map(([c]) => c);
  assert.deepEqual(cells.map((c) => [c.qText, c.qNum, c.qElemNumber, c.qState]), [
    ['x', 'NaN', 0, 'O'], ['y', 'NaN', 1, 'O'], ['z', 'NaN', 2, 'O'],
  ]);
  // qFrequencyMode defaults to none: no frequency is counted, and cells carry none.
  for (const c of cells) assert.ok(!('qFrequency' in c), `no qFrequency without qFrequencyMode: ${JSON.stringify(c)}`);

  assert.equal(await lb.selectListObjectValues('/qListObjectDef', [2], false), true);
  assert.deepEqual((await listCells(lb)).map((c) => `${c.qText}:${c.qState}`), ['z:S', 'x:A', 'y:A']);

  const pages = await lb.getListObjectData('/qListObjectDef', [{ qTop: 1, qLeft: 0, qWidth: 1, qHeight: 2 }]);
  assert.deepEqual(pages[0].qMatrix.map(([c]) => [c.qText, c.qElemNumber, c.qState]), [['x', 0, 'A'], ['y', 1, 'A']]);
  assert.deepEqual(pages[0].qArea, { qLeft: 0, qTop: 1, qWidth: 1, qHeight: 2 });
});

test('list object: qFrequencyMode V gives each value its count of possible rows', async () => {
  const { app } = await loadedApp();
  const lb = await app.createSessionObject({
    qInfo: { qType: 'listbox' },
    qListObjectDef: {
      qDef: { qFieldDefs: ['abcs'], qSortCriterias: [{ qSortByLoadOrder: 1 }] },
      qFrequencyMode: 'V',
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 10 }],
    },
  });
  assert.deepEqual((await listCells(lb)).map((c) => `${c.qText}:${c.qFrequency}`), ['a:1', 'b:3', 'c:1']);
  const numbers = await app.getField('numbers');
  await numbers.selectValues([{ qNumber: 3, qIsNumeric: true }, { qNumber: 4, qIsNumeric: true }], false);
  assert.deepEqual((await listCells(lb)).map((c) => `${c.qText}:${c.qState}:${c.qFrequency}`), ['a:X:0', 'b:O:2', 'c:X:0']);
});

test('SelectListObjectValues (toggle), SelectListObjectPossible / Excluded / All, ClearSelections', async () => {
  const { app } = await loadedApp();
  const b = { abcs: await listBox(app, 'abcs'), xyz: await listBox(app, 'xyz') };
  assert.equal(await b.xyz.selectListObjectValues('/qListObjectDef', [2], false), true);
  assert.equal(await b.xyz.selectListObjectValues('/qListObjectDef', [0], true), true, 'toggle adds x');
  assert.deepEqual(await listStates(b.xyz), { x: 'S', y: 'A', z: 'S' });
  assert.deepEqual(await listStates(b.abcs), { a: 'O', b: 'X', c: 'O' });
  assert.equal(await b.xyz.selectListObjectValues('/qListObjectDef', [2], true), true, 'toggle removes z');
  assert.deepEqual(await listStates(b.xyz), { x: 'S', y: 'A', z: 'A' });
  assert.deepEqual(await listStates(b.abcs), { a: 'X', b: 'X', c: 'O' });

  assert.equal(await b.abcs.selectListObjectPossible('/qListObjectDef'), true);
  assert.deepEqual(await listStates(b.abcs), { a: 'X', b: 'X', c: 'S' });
  assert.equal(await b.abcs.selectListObjectExcluded('/qListObjectDef'), true);
  assert.deepEqual(await listStates(b.abcs), { a: 'XS', b: 'XS', c: 'A' });

  await b.xyz.clearSelections('/qListObjectDef');
  assert.deepEqual(await listStates(b.xyz), { x: 'X', y: 'O', z: 'O' });
  assert.deepEqual(await listStates(b.abcs), { a: 'S', b: 'S', c: 'A' });
  assert.equal(await b.abcs.selectListObjectAll('/qListObjectDef'), true);
  assert.deepEqual(await listStates(b.abcs), { a: 'S', b: 'S', c: 'S' });
  await b.abcs.clearSelections('/qListObjectDef');
  assert.deepEqual(await modelStates(app), ALL_OPTIONAL);
});

test('SelectHyperCubeValues selects by dimension and element number; ClearSelections clears the cube', async () => {
  const { app } = await loadedApp();
  const { obj } = await cube(app, {
    qDimensions: [{ qDef: { qFieldDefs: ['abcs'] } }, { qDef: { qFieldDefs: ['xyz'] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(numbers)' } }],
  });
  assert.equal(await obj.selectHyperCubeValues('/qHyperCubeDef', 1, [1], false), true);
  const layout = await obj.getLayout();
  assert.deepEqual(layout.qHyperCube.qDataPages[0].qMatrix.map((r) => r.map((c) => `${c.qText}:${c.qState}`)),
    [['b:O', 'y:S', '9:L']]);
  assert.deepEqual(await modelStates(app), {
    abcs: { a: 'X', b: 'O', c: 'X' },
    xyz: { x: 'A', y: 'S', z: 'A' },
    numbers: { 1: 'X', 2: 'O', 3: 'O', 4: 'O', 5: 'X' },
  });
  assert.equal(await obj.selectHyperCubeValues('/qHyperCubeDef', 0, [1], false), true, 'selects b in abcs');
  assert.equal((await modelStates(app)).abcs.b, 'S');
  assert.equal(await obj.selectHyperCubeValues('/qHyperCubeDef', 0, [1], false), false, 'the same selection again changes nothing');
  await obj.clearSelections('/qHyperCubeDef');
  assert.deepEqual(await modelStates(app), ALL_OPTIONAL);
});

test('BeginSelections / EndSelections(false) rolls back, EndSelections(true) keeps', async () => {
  const { app } = await loadedApp();
  const abcs = await listBox(app, 'abcs');
  const xyz = await listBox(app, 'xyz');
  await abcs.selectListObjectValues('/qListObjectDef', [0], false);
  const before = await modelStates(app);
  assert.deepEqual(before.abcs, { a: 'S', b: 'A', c: 'A' });

  await xyz.beginSelections(['/qListObjectDef']);
  assert.equal(await xyz.selectListObjectValues('/qListObjectDef', [2], false), true);
  assert.equal((await listStates(xyz)).z, 'S');
  assert.deepEqual(await listStates(abcs), { a: 'S', b: 'X', c: 'X' });
  await xyz.endSelections(false);
  assert.deepEqual(await modelStates(app), before, 'rolled back to where BeginSelections started');

  await xyz.beginSelections(['/qListObjectDef']);
  await xyz.selectListObjectValues('/qListObjectDef', [2], false);
  await xyz.endSelections(true);
  assert.deepEqual(await listStates(xyz), { x: 'X', y: 'X', z: 'S' });
  assert.deepEqual(await listStates(abcs), { a: 'S', b: 'X', c: 'X' });
});

// ------------------------------------------------------------ states

test('states: selecting abcs=a makes b, c alternative and leaves only z and 1 possible', async () => {
  // a links to numbers=1 only, and numbers=1 is the row (z,1) of TableB: z is the one possible xyz value.
  const { app } = await loadedApp();
  assert.deepEqual(await modelStates(app), ALL_OPTIONAL);
  assert.equal(await (await app.getField('abcs')).select('a'), true);
  assert.deepEqual(await modelStates(app), {
    abcs: { a: 'S', b: 'A', c: 'A' },
    xyz: { x: 'X', y: 'X', z: 'O' },
    numbers: { 1: 'O', 2: 'X', 3: 'X', 4: 'X', 5: 'X' },
  });
});

test('states: XS (selected but excluded by another field) and L (locked)', async () => {
  const { app } = await loadedApp();
  const abcs = await app.getField('abcs');
  const xyz = await app.getField('xyz');
  assert.equal(await abcs.selectValues([{ qText: 'a' }, { qText: 'b' }]), true);
  assert.equal(await xyz.selectValues([{ qText: 'y' }]), true);
  assert.deepEqual(await modelStates(app), {
    abcs: { a: 'XS', b: 'S', c: 'X' },
    xyz: { x: 'X', y: 'S', z: 'A' },
    numbers: { 1: 'X', 2: 'O', 3: 'O', 4: 'O', 5: 'X' },
  });

  await app.clearAll();
  await abcs.select('b');
  assert.equal(await abcs.lock(), true);
  const locked = await modelStates(app);
  assert.deepEqual(locked.abcs, { a: 'A', b: 'L', c: 'A' });
  assert.deepEqual(locked.xyz, { x: 'X', y: 'O', z: 'X' });
  assert.equal(await abcs.select('a'), false, 'a locked field does not change');
  assert.equal(await abcs.clear(), false, 'clear does not touch a locked field');
  assert.deepEqual((await modelStates(app)).abcs, { a: 'A', b: 'L', c: 'A' });
  assert.equal(await abcs.unlock(), true);
  assert.deepEqual((await modelStates(app)).abcs, { a: 'A', b: 'S', c: 'A' });
});

// ------------------------------------------------------------ Field API

test('Field.Select: wildcards, numeric comparisons, word prefix, case-insensitive', async () => {
  const { app } = await loadedApp(`C:
LOAD * INLINE [
city, pop
New York, 8
York, 1
Tokyo, 14
Newark, 3
];`);
  const city = await app.getField('city');
  const pop = await app.getField('pop');
  const cityBox = await listBox(app, 'city');
  const popBox = await listBox(app, 'pop', [{ qSortByNumeric: 1 }]);
  const selected = async (box) => (await listCells(box)).filter((c) => c.qState === 'S').map((c) => c.qText);

  for (const [search, expected] of [
    ['new', ['New York', 'Newark']],
    ['yo', ['New York', 'York']],
    ['*ark', ['Newark']],
    ['?ork', ['York']],
    ['NEW*', ['New York', 'Newark']],
    ['york*', ['York']],
    ['*o*', ['New York', 'York', 'Tokyo']],
  ]) {
    assert.equal(await city.select(search), true, `select('${search}') changes the selection`);
    assert.deepEqual(await selected(cityBox), expected, `select('${search}')`);
  }
  await city.clear();
  for (const [search, expected] of [['>=3', ['3', '8', '14']], ['<3', ['1']], ['>2<9', ['3', '8']]]) {
    assert.equal(await pop.select(search), true);
    assert.deepEqual(await selected(popBox), expected, `select('${search}')`);
  }
  assert.deepEqual(await selected(cityBox), [], 'city has no selection of its own');
  assert.deepEqual((await listCells(cityBox)).map((c) => c.qState), ['O', 'X', 'X', 'O']);
});

test('Field.SelectValues (text, numeric, toggle) and ToggleSelect', async () => {
  const { app } = await loadedApp();
  const numbers = await app.getField('numbers');
  const box = await listBox(app, 'numbers');
  assert.equal(await numbers.selectValues([{ qIsNumeric: true, qNumber: 2 }, { qIsNumeric: true, qNumber: 4 }]), true);
  assert.deepEqual(await listStates(box), { 1: 'A', 2: 'S', 3: 'A', 4: 'S', 5: 'A' });
  assert.equal(await numbers.selectValues([{ qIsNumeric: true, qNumber: 3 }], true), true, 'toggle adds 3');
  assert.deepEqual(await listStates(box), { 1: 'A', 2: 'S', 3: 'S', 4: 'S', 5: 'A' });
  assert.equal(await numbers.selectValues([{ qIsNumeric: true, qNumber: 2 }], true), true, 'toggle removes 2');
  assert.equal(await numbers.toggleSelect('4'), true, 'ToggleSelect removes 4');
  assert.deepEqual(await listStates(box), { 1: 'A', 2: 'A', 3: 'S', 4: 'A', 5: 'A' });
  assert.equal(await numbers.toggleSelect('5'), true, 'ToggleSelect adds 5');
  assert.deepEqual(await listStates(box), { 1: 'A', 2: 'A', 3: 'S', 4: 'A', 5: 'S' });
  assert.equal(await numbers.selectValues([{ qIsNumeric: true, qNumber: 3 }, { qIsNumeric: true, qNumber: 5 }]), false,
    'selecting the current selection changes nothing');

  const abcs = await app.getField('abcs');
  await app.clearAll();
  assert.equal(await abcs.selectValues([{ qText: 'c' }]), true);
  assert.equal(await app.evaluate('Sum(numbers)'), '5');
  assert.equal(await abcs.selectValues([{ qText: 'c' }]), false);
});

test('Field.SelectAll / SelectPossible / SelectExcluded / SelectAlternative / Clear, GetCardinal, GetNxProperties', async () => {
  const { app } = await loadedApp();
  const abcs = await app.getField('abcs');
  const xyz = await app.getField('xyz');
  assert.equal(await abcs.getCardinal(), 3);
  assert.equal(await (await app.getField('numbers')).getCardinal(), 5);
  assert.equal(typeof (await abcs.getNxProperties()).qOneAndOnlyOne, 'boolean');

  await abcs.select('a');
  assert.equal(await abcs.selectAll(), true, 'SelectAll selects the alternatives too');
  assert.deepEqual((await modelStates(app)).abcs, { a: 'S', b: 'S', c: 'S' });
  assert.equal(await abcs.clear(), true);
  assert.equal(await abcs.clear(), false, 'nothing left to clear');

  await abcs.select('b');
  assert.equal(await xyz.selectPossible(), true);
  assert.deepEqual((await modelStates(app)).xyz, { x: 'X', y: 'S', z: 'X' });
  assert.equal(await xyz.selectPossible(), false, 'the possible values are already selected');
  assert.equal(await xyz.selectExcluded(), true);
  assert.deepEqual(await modelStates(app), {
    abcs: { a: 'A', b: 'XS', c: 'A' },
    xyz: { x: 'XS', y: 'A', z: 'XS' },
    numbers: { 1: 'X', 2: 'X', 3: 'X', 4: 'X', 5: 'X' },
  });
  assert.equal(await abcs.selectAlternative(), true);
  assert.deepEqual(await modelStates(app), {
    abcs: { a: 'S', b: 'X', c: 'S' },
    xyz: { x: 'S', y: 'X', z: 'S' },
    numbers: { 1: 'O', 2: 'X', 3: 'X', 4: 'X', 5: 'O' },
  });
});

test('Doc.ClearAll(lockedAlso), LockAll, UnlockAll', async () => {
  const { app } = await loadedApp();
  const abcs = await app.getField('abcs');
  const xyz = await app.getField('xyz');
  await abcs.select('b');
  await abcs.lock();
  await app.clearAll(false);
  assert.deepEqual((await modelStates(app)).abcs, { a: 'A', b: 'L', c: 'A' }, 'ClearAll(false) keeps locked fields');
  await app.clearAll(true);
  assert.deepEqual(await modelStates(app), ALL_OPTIONAL, 'ClearAll(true) clears locked fields too');
  await app.unlockAll();

  await abcs.select('b');
  await xyz.select('y');
  await app.lockAll();
  let st = await modelStates(app);
  assert.deepEqual(st.abcs, { a: 'X', b: 'L', c: 'X' });
  assert.deepEqual(st.xyz, { x: 'X', y: 'L', z: 'X' });
  assert.equal(await xyz.select('x'), false, 'locked by LockAll');
  await app.unlockAll();
  st = await modelStates(app);
  assert.deepEqual(st.xyz, { x: 'X', y: 'S', z: 'X' }, 'UnlockAll keeps the selections');
  assert.equal(await abcs.select('a'), true, 'unlocked fields change again');
});

test('Doc.Back / Forward and the selection object (qBackCount, qForwardCount, qSelections)', async () => {
  const { app } = await loadedApp();
  const selObj = await app.createSessionObject({ qInfo: { qType: 'current-selections' }, qSelectionObjectDef: {} });
  let so = (await selObj.getLayout()).qSelectionObject;
  assert.equal(so.qBackCount, 0);
  assert.equal(so.qForwardCount, 0);
  assert.deepEqual(so.qSelections, []);

  const abcs = await app.getField('abcs');
  await abcs.select('a');
  await abcs.select('b');
  so = (await selObj.getLayout()).qSelectionObject;
  assert.equal(so.qBackCount, 2);
  assert.equal(so.qSelections.length, 1);
  const [s0] = so.qSelections;
  assert.equal(s0.qField, 'abcs');
  assert.equal(s0.qSelected, 'b');
  assert.equal(s0.qSelectedCount, 1);
  assert.equal(s0.qTotal, 3);
  assert.equal(s0.qLocked, false);

  await app.back();
  so = (await selObj.getLayout()).qSelectionObject;
  assert.equal(so.qBackCount, 1);
  assert.equal(so.qForwardCount, 1);
  assert.equal(so.qSelections[0].qSelected, 'a');
  assert.equal(await app.evaluate('Sum(numbers)'), '1');
  await app.forward();
  so = (await selObj.getLayout()).qSelectionObject;
  assert.equal(so.qBackCount, 2);
  assert.equal(so.qForwardCount, 0);
  assert.equal(so.qSelections[0].qSelected, 'b');
  assert.equal(await app.evaluate('Sum(numbers)'), '9');

  await abcs.lock();
  await (await app.getField('xyz')).select('y');
  so = (await selObj.getLayout()).qSelectionObject;
  const byField = Object.fromEntries(so.qSelections.map((x) => [x.qField, x]));
  assert.deepEqual(Object.keys(byField).sort(), ['abcs', 'xyz']);
  assert.equal(byField.abcs.qLocked, true);
  assert.equal(byField.xyz.qLocked, false);
  assert.equal(byField.xyz.qSelected, 'y');
});

// ------------------------------------------------------------ layouts with expressions

test('qFieldListDef lists fields; qStringExpression / qValueExpression are evaluated over the selections', async () => {
  const { app } = await loadedApp();
  const obj = await app.createSessionObject({
    qInfo: { qType: 'mixed' },
    qFieldListDef: {},
    title: { qStringExpression: { qExpr: "='Total: ' & Sum(numbers)" } },
    value: { qValueExpression: { qExpr: '=Count(numbers)' } },
  });
  let layout = await obj.getLayout();
  const items = Object.fromEntries(layout.qFieldList.qItems.map((i) => [i.qName, i]));
  assert.deepEqual(Object.keys(items).sort(), ['abcs', 'numbers', 'xyz']);
  assert.equal(items.numbers.qCardinal, 5);
  assert.ok(items.numbers.qTags.includes('$key'), JSON.stringify(items.numbers));
  assert.deepEqual([...items.numbers.qSrcTables].sort(), ['TableA', 'TableB']);
  assert.equal(items.abcs.qCardinal, 3);
  assert.deepEqual(items.xyz.qSrcTables, ['TableB']);
  assert.equal(layout.title, 'Total: 15');
  assert.equal(layout.value, 5);

  await (await app.getField('abcs')).select('b');
  layout = await obj.getLayout();
  assert.equal(layout.title, 'Total: 9');
  assert.equal(layout.value, 3, 'numbers 2, 3 and 4');
  const props = await obj.getProperties();
  assert.deepEqual(props.title, { qStringExpression: { qExpr: "='Total: ' & Sum(numbers)" } }, 'properties keep the definition');
});

test('Doc.Evaluate, EvaluateEx and CheckExpression over the current selections', async () => {
  const { app } = await loadedApp();
  assert.equal(await app.evaluate('Sum(numbers)'), '15');
  assert.equal(await app.evaluate('=1+1'), '2');
  assert.equal(await app.evaluate('Count(DISTINCT xyz)'), '3');
  assert.deepEqual(await app.evaluateEx('Sum(numbers)'), { qText: '15', qIsNumeric: true, qNumber: 15 });

  await (await app.getField('xyz')).select('y');
  assert.equal(await app.evaluate('Sum(numbers)'), '9', 'numbers 2 + 3 + 4');
  assert.equal(await app.evaluate("Only(abcs)"), 'b');
  const ex = await app.evaluateEx('Only(abcs)');
  assert.equal(ex.qText, 'b');
  assert.equal(ex.qIsNumeric, false);

  const good = await app.checkExpression('Sum(numbers)');
  assert.equal(good.qErrorMsg, '');
  assert.deepEqual(good.qBadFieldNames, []);
  const bad = await app.checkExpression('Sum(numbers');
  assert.ok(bad.qErrorMsg.length > 0, JSON.stringify(bad));
});

test('CheckExpression reports unknown field names in qBadFieldNames', async () => {
  const { app } = await loadedApp();
  const res = await app.checkExpression('Sum(nofield)');
  assert.equal(res.qBadFieldNames.length, 1, JSON.stringify(res));
  assert.deepEqual(res.qBadFieldNames[0], { qFrom: 4, qCount: 7 });
});

test('a session variable with =expr evaluates over the data and the selections', async () => {
  const { app } = await loadedApp();
  const v = await app.createSessionVariable({ qName: 'vTotal', qDefinition: '=Sum(numbers)' });
  let layout = await v.getLayout();
  assert.equal(layout.qText, '15');
  assert.equal(layout.qNum, 15);
  await (await app.getField('abcs')).select('c');
  layout = await v.getLayout();
  assert.equal(layout.qText, '5');
  assert.equal(layout.qNum, 5);
  await app.clearAll();
  assert.equal((await v.getLayout()).qNum, 15);
});

// ------------------------------------------------------------ sessions

test('selections are per session: same-session sockets get changed, another session sees neither selection nor event', async () => {
  const setup = await fresh();
  const { qAppId } = await setup.global.createApp('Data Sessions');
  const owner = await fresh({ appId: qAppId });
  const ownerDoc = await owner.global.openDoc(qAppId);
  await ownerDoc.setScript(EXAMPLE);
  assert.equal(await ownerDoc.doReload(), true);
  await ownerDoc.doSave();

  const a1 = await fresh({ appId: qAppId, identity: 'data-sel-1' });
  const docA1 = await a1.global.openDoc(qAppId);
  const a2 = await fresh({ appId: qAppId, identity: 'data-sel-1' });
  assert.equal(a2.state, 'SESSION_ATTACHED');
  const docA2 = await a2.global.getActiveDoc();
  const b = await fresh({ appId: qAppId, identity: 'data-sel-2' });
  assert.equal(b.state, 'SESSION_CREATED');
  const docB = await b.global.openDoc(qAppId);

  const def = { qInfo: { qId: 'total', qType: 'kpi' }, total: { qValueExpression: { qExpr: '=Sum(numbers)' } } };
  const objA1 = await docA1.createSessionObject(def);
  const objA2 = await docA2.getObject('total');
  const objB = await docB.createSessionObject(def);
  for (const o of [objA1, objA2, objB]) assert.equal((await o.getLayout()).total, 15);
  const cA1 = countEvents(objA1, 'changed');
  const cA2 = countEvents(objA2, 'changed');
  const cB = countEvents(objB, 'changed');

  const changedA1 = once(objA1, 'changed');
  const changedA2 = once(objA2, 'changed');
  assert.equal(await (await docA1.getField('abcs')).select('b'), true);
  await changedA1;
  await changedA2;
  assert.equal((await objA2.getLayout()).total, 9, 'the other socket of the session sees the selection');
  assert.equal(await docA2.evaluate('Sum(numbers)'), '9');

  // A second and third selection without a getLayout on A1: one valid->invalid transition only.
  await objA1.getLayout();
  await (await docA2.getField('abcs')).select('c');
  await (await docA2.getField('abcs')).select('a');
  await sleep(250);
  assert.equal(cA1.count, 2, 'A1: one change per valid->invalid transition');
  assert.equal(cA2.count, 2, 'A2: its own selection marks it stale once');
  assert.equal((await objA1.getLayout()).total, 1);

  assert.equal(cB.count, 0, 'another session gets no change');
  assert.equal((await objB.getLayout()).total, 15, "another session's data is unfiltered");
  assert.equal(await docB.evaluate('Sum(numbers)'), '15');
  const bStates = await modelStates(docB);
  assert.deepEqual(bStates, ALL_OPTIONAL);

  // And the other way round.
  await (await docB.getField('xyz')).select('x');
  assert.equal(await docB.evaluate('Sum(numbers)'), '5');
  await sleep(200);
  assert.equal(cA1.count, 2);
  assert.equal(await docA1.evaluate('Sum(numbers)'), '1');
});

// ------------------------------------------------------------ connections

test('CreateConnection / GetConnections / DeleteConnection; a relative folder is under --data-dir', async () => {
  const s = await fresh();
  const app = await s.global.createSessionApp();
  fs.mkdirSync(path.join(server.dataDir, 'conn-sub'), { recursive: true });
  fs.writeFileSync(path.join(server.dataDir, 'conn-sub', 'kv.csv'), 'key,val\nk1,1\nk2,2\n');

  const id = await app.createConnection({ qName: 'sub', qConnectionString: 'conn-sub', qType: 'folder' });
  assert.equal(typeof id, 'string');
  const conns = await app.getConnections();
  const conn = conns.find((c) => c.qName === 'sub');
  assert.ok(conn, JSON.stringify(conns));
  assert.equal(conn.qId, id);
  assert.equal(conn.qConnectionString, 'conn-sub');
  assert.equal(conn.qType, 'folder');
  assert.deepEqual(await app.getConnection(id), conn, 'GetConnection answers the same connection');
  await assert.rejects(app.getConnection('no-such-connection'));

  await app.setScript("KV: LOAD * FROM [lib://sub/kv.csv] (txt, embedded labels, delimiter is ',');");
  assert.equal(await app.doReload(), true);
  assert.equal(await app.evaluate('Sum(val)'), '3');

  await app.deleteConnection(id);
  assert.ok(!(await app.getConnections()).some((c) => c.qName === 'sub'), 'the connection is gone');
  assert.equal(await app.doReload(), false, 'lib://sub no longer resolves');
  assert.equal(await app.evaluate('Sum(val)'), '3', 'the failed reload kept the data');
});

test('Qlik Core tutorial flow: createSessionApp, folder connection, movies.csv, hypercube on Movie', async () => {
  const folder = path.join(server.dataDir, 'movies-folder');
  fs.mkdirSync(folder, { recursive: true });
  fs.copyFileSync(MOVIES_CSV, path.join(folder, 'movies.csv'));

  const s = await fresh();
  const app = await s.global.createSessionApp();
  await app.createConnection({ qName: 'data', qConnectionString: folder, qType: 'folder' });
  await app.setScript("LOAD * FROM [lib://data/movies.csv] (txt, utf8, embedded labels, delimiter is ',');");
  assert.equal(await app.doReload(), true);

  const { qtr } = await app.getTablesAndKeys(...TABLES_AND_KEYS);
  assert.equal(qtr.length, 1);
  assert.equal(qtr[0].qNoOfRows, 50);
  assert.deepEqual(qtr[0].qFields.map((f) => f.qName).slice(0, 4), ['Movie', 'Year', 'Adjusted Costs', 'Nominal Costs']);

  const obj = await app.createSessionObject({
    qInfo: { qType: 'my-straight-hypercube' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['Movie'] } }],
      qShowTotalsAbove: true,
      qInitialDataFetch: [{ qHeight: 5, qWidth: 1 }],
    },
  });
  const hc = (await obj.getLayout()).qHyperCube;
  assert.deepEqual(hc.qSize, { qcx: 1, qcy: 50 });
  const movies = hc.qDataPages[0].qMatrix.map(([c]) => c.qText);
  assert.equal(movies.length, 5);
  assert.deepEqual(movies, ['2012', 'Armageddon', 'Avatar', 'Battleship', 'Cars 2']);
  assert.equal(await app.evaluate('Count(DISTINCT Movie)'), '50');

  await (await app.getField('Movie')).select('Avatar');
  assert.equal(await app.evaluate('Only(Year)'), '2009');
});
