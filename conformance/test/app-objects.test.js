// App objects beyond plain generic objects, through real enigma.js: bookmarks (made, laid out, listed,
// applied, saved with the app), persistent variables, child objects and whole property trees, and
// SelectHyperCubeCells.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma, once, SALES_SCRIPT } from './helpers.js';

const SCRIPT = SALES_SCRIPT;

let server;
const open = [];
let counter = 0;

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

/** A new persistent app loaded with SCRIPT and saved; answers its id. */
async function savedApp() {
  counter += 1;
  const s = await openEnigma(server, { identity: `setup-${counter}` });
  open.push(s);
  const { qAppId } = await s.global.createApp(`objects ${counter}`);
  const app = await s.global.openDoc(qAppId);
  await app.setScript(SCRIPT);
  assert.equal(await app.doReload(), true);
  await app.doSave();
  return qAppId;
}

/** The app `id` in a session of its own (identity `who`). */
async function session(id, who) {
  counter += 1;
  const s = await openEnigma(server, { appId: id, identity: `${who}-${counter}` });
  open.push(s);
  return s.global.openDoc(id);
}

test('bookmarks: made from the selections, laid out, listed, applied, destroyed', async () => {
  const id = await savedApp();
  const app = await session(id, 'bm');
  const region = await app.getField('Region');
  await region.selectValues([{ qText: 'North' }, { qText: 'East' }]);
  const bm = await app.createBookmark({ qInfo: { qId: 'bm1', qType: 'bookmark' }, qMetaDef: { title: 'North and East' }, custom: 1 });
  assert.equal(bm.id, 'bm1');
  const layout = await bm.getLayout();
  assert.equal(layout.qMeta.title, 'North and East');
  assert.equal(layout.custom, 1);
  const items = layout.qBookmark.qStateData[0].qFieldItems;
  assert.deepEqual(items.map((i) => i.qDef.qName), ['Region']);
  assert.deepEqual(items[0].qValues.map((v) => v.qText).sort(), ['East', 'North']);
  assert.deepEqual((await bm.getProperties()).qInfo, { qId: 'bm1', qType: 'bookmark' });

  await app.clearAll();
  assert.equal(await app.evaluate('Sum(Amount)'), '25');
  assert.equal(await app.applyBookmark('bm1'), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '18');
  await app.clearAll();
  assert.equal(await bm.apply(), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '18');
  assert.equal(await app.applyBookmark('nope'), false);

  const list = await app.getBookmarks({ qTypes: ['bookmark'], qData: { title: '/qMetaDef/title' } });
  assert.deepEqual(list.map((b) => [b.qInfo.qId, b.qData.title]), [['bm1', 'North and East']]);
  const lister = await app.createSessionObject({ qInfo: { qType: 'bl' }, qBookmarkListDef: { qType: 'bookmark', qData: { title: '/qMetaDef/title' } } });
  const bl = await lister.getLayout();
  assert.deepEqual(bl.qBookmarkList.qItems.map((b) => b.qData.title), ['North and East']);
  assert.ok((await app.getAllInfos()).some((i) => i.qId === 'bm1' && i.qType === 'bookmark'));

  await bm.setProperties({ qInfo: { qId: 'bm1', qType: 'bookmark' }, qMetaDef: { title: 'Renamed' } });
  assert.equal((await bm.getLayout()).qMeta.title, 'Renamed');
  const closed = once(bm, 'closed');
  assert.equal(await app.destroyBookmark('bm1'), true);
  await closed;
  assert.equal(await app.destroyBookmark('bm1'), false);
  await assert.rejects(app.getBookmark('bm1'));
});

test('bookmarks and persistent variables are saved with the app, session variables are not', async () => {
  const id = await savedApp();
  const a = await session(id, 'save-a');
  await (await a.getField('Product')).selectValues([{ qText: 'Apples' }]);
  await a.createBookmark({ qInfo: { qId: 'apples', qType: 'bookmark' } });
  const v = await a.createVariableEx({ qInfo: { qId: 'vTarget', qType: 'variable' }, qName: 'vTarget', qDefinition: '=Sum(Amount)*2' });
  assert.equal((await v.getLayout()).qText, '34');
  await a.createSessionVariable({ qInfo: { qType: 'variable' }, qName: 'vSession', qDefinition: '1' });

  const before = await session(id, 'save-before');
  await assert.rejects(before.getBookmark('apples'), 'not saved yet: another session does not see it');
  await a.doSave();

  const b = await session(id, 'save-b');
  const bm = await b.getBookmark('apples');
  assert.equal(bm.id, 'apples');
  assert.equal(await b.evaluate('Sum(Amount)'), '25');
  assert.equal(await b.applyBookmark('apples'), true);
  assert.equal(await b.evaluate('Sum(Amount)'), '17');
  const vb = await b.getVariableByName('vTarget');
  assert.equal((await vb.getLayout()).qText, '34');
  await assert.rejects(b.getVariableByName('vSession'));
  const lister = await b.createSessionObject({ qInfo: { qType: 'vl' }, qVariableListDef: { qType: 'variable' } });
  assert.deepEqual((await lister.getLayout()).qVariableList.qItems.map((i) => i.qName), ['vTarget']);

  assert.equal(await b.destroyVariableById(vb.id), true);
  assert.equal(await b.destroyVariableById(vb.id), false);
  await b.doSave();
  const c = await session(id, 'save-c');
  await assert.rejects(c.getVariableByName('vTarget'));
  assert.equal((await (await c.getBookmark('apples')).getLayout()).qInfo.qId, 'apples');
});

test('a bookmark still applies after a reload renumbered the values', async () => {
  const id = await savedApp();
  const app = await session(id, 'reload');
  await (await app.getField('Region')).selectValues([{ qText: 'South' }]);
  await app.createBookmark({ qInfo: { qId: 'south', qType: 'bookmark' } });
  await app.setScript(`Sales:\nLOAD * INLINE [\nRegion, Amount\nWest, 1\nSouth, 7\nSouth, 2\n];`);
  assert.equal(await app.doReload(), true);
  await app.clearAll();
  assert.equal(await app.applyBookmark('south'), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '9');
});

test('child objects: created under a parent, listed, found, destroyed with it', async () => {
  const id = await savedApp();
  const app = await session(id, 'children');
  const sheet = await app.createObject({ qInfo: { qId: 'sheet1', qType: 'sheet' }, qMetaDef: { title: 'Overview' }, qChildListDef: { qData: { title: '/title' } } });
  await sheet.getLayout();
  const changed = once(sheet, 'changed');
  const chart = await sheet.createChild({ qInfo: { qId: 'chart1', qType: 'barchart' }, title: 'By region',
    qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ['Region'] } }], qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }] } });
  await changed;
  assert.equal(chart.id, 'chart1');
  await sheet.createChild({ qInfo: { qId: 'kpi1', qType: 'kpi' }, title: 'Total' });
  assert.deepEqual((await sheet.getChildInfos()).map((i) => i.qId), ['chart1', 'kpi1']);
  const layout = await sheet.getLayout();
  assert.deepEqual(layout.qChildList.qItems.map((i) => [i.qInfo.qId, i.qData.title]), [['chart1', 'By region'], ['kpi1', 'Total']]);
  assert.equal((await sheet.getChild('kpi1')).id, 'kpi1');
  assert.equal((await chart.getParent()).id, 'sheet1');
  assert.equal((await chart.getLayout()).qHyperCube.qSize.qcy, 3);

  // The tree at once.
  const tree = await sheet.getFullPropertyTree();
  assert.equal(tree.qProperty.qInfo.qId, 'sheet1');
  assert.deepEqual(tree.qChildren.map((c) => c.qProperty.qInfo.qId), ['chart1', 'kpi1']);
  tree.qProperty.qMetaDef.title = 'Renamed';
  tree.qChildren = [
    { qProperty: { ...tree.qChildren[0].qProperty, title: 'Changed' }, qChildren: [] },
    { qProperty: { qInfo: { qId: 'table1', qType: 'table' }, title: 'New' }, qChildren: [] },
  ];
  await sheet.setFullPropertyTree(tree);
  assert.deepEqual((await sheet.getChildInfos()).map((i) => i.qId), ['chart1', 'table1']);
  assert.equal((await sheet.getProperties()).qMetaDef.title, 'Renamed');
  assert.equal((await (await app.getObject('chart1')).getProperties()).title, 'Changed');
  await assert.rejects(app.getObject('kpi1'), 'left out of the tree: destroyed');

  // Saved with the app: another session finds the tree after DoSave.
  await app.doSave();
  const other = await session(id, 'children-other');
  const again = await other.getObject('sheet1');
  assert.deepEqual((await again.getChildInfos()).map((i) => i.qId), ['chart1', 'table1']);

  assert.equal(await sheet.destroyChild('table1'), true);
  assert.equal(await sheet.destroyChild('table1'), false);
  const closing = once(chart, 'closed');
  assert.equal(await app.destroyObject('sheet1'), true);
  await closing;
  await assert.rejects(app.getObject('chart1'), 'children die with their parent');
});

test('SelectHyperCubeCells selects the values of the chosen cells', async () => {
  const id = await savedApp();
  const app = await session(id, 'cells');
  const cube = await app.createSessionObject({
    qInfo: { qType: 'table' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['Region'], qSortCriterias: [{ qSortByAscii: 1 }] } },
        { qDef: { qFieldDefs: ['Product'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
      qInterColumnSortOrder: [0, 1, 2],
    },
  });
  const rows = (await cube.getHyperCubeData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 3, qHeight: 10 }]))[0].qMatrix;
  const at = rows.map((r) => `${r[0].qText}/${r[1].qText}`);
  assert.deepEqual(at, ['East/Plums', 'North/Apples', 'North/Pears', 'South/Apples']);
  // Rows 1 and 2, column 1 (Product): Apples and Pears.
  assert.equal(await cube.selectHyperCubeCells('/qHyperCubeDef', [1, 2], [1]), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '22');
  // Row 0, column 0 (Region): East, over the current selection state.
  await app.clearAll();
  assert.equal(await cube.selectHyperCubeCells('/qHyperCubeDef', [0], [0]), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '3');
  // The one selected value again, with qDeselectOnlyOneSelected: cleared.
  assert.equal(await cube.selectHyperCubeCells('/qHyperCubeDef', [0], [0], false, true), true);
  assert.equal(await app.evaluate('Sum(Amount)'), '25');
  await assert.rejects(cube.selectHyperCubeCells('/qHyperCubeDef', [0], [2]), 'a measure column cannot be selected');
});

test('soft patches change this session\'s layout and effective properties, not the properties', async () => {
  const id = await savedApp();
  const app = await session(id, 'soft');
  const obj = await app.createObject({ qInfo: { qId: 'o1', qType: 'x' }, title: 'hard' });
  await obj.applyPatches([{ qOp: 'replace', qPath: '/title', qValue: '"soft"' }], true);
  const layout = await obj.getLayout();
  assert.equal(layout.title, 'soft');
  assert.equal(layout.qHasSoftPatches, true);
  assert.equal((await obj.getEffectiveProperties()).title, 'soft');
  assert.equal((await obj.getProperties()).title, 'hard');
  await app.doSave();
  const other = await session(id, 'soft-other');
  assert.equal((await (await other.getObject('o1')).getLayout()).title, 'hard', 'soft patches are never saved');
  await obj.applyPatches([{ qOp: 'add', qPath: '/extra', qValue: '1' }], false);
  const after = await obj.getLayout();
  assert.equal(after.title, 'hard', 'a hard change drops the soft patches');
  assert.equal(after.extra, 1);
  assert.ok(!after.qHasSoftPatches);
});

test('an object in modal selections says so in its layout (qSelectionInfo)', async () => {
  const id = await savedApp();
  const app = await session(id, 'modal');
  const lb = await app.createSessionObject({ qInfo: { qType: 'lb' }, qListObjectDef: { qDef: { qFieldDefs: ['Region'] } } });
  assert.ok(!(await lb.getLayout()).qSelectionInfo.qInSelections);
  await lb.beginSelections(['/qListObjectDef']);
  let info = (await lb.getLayout()).qSelectionInfo;
  assert.deepEqual(info, { qInSelections: true, qMadeSelections: false });
  await lb.selectListObjectValues('/qListObjectDef', [0], false);
  info = (await lb.getLayout()).qSelectionInfo;
  assert.deepEqual(info, { qInSelections: true, qMadeSelections: true });
  const changed = once(lb, 'changed');
  await lb.endSelections(true);
  await changed;
  assert.ok(!(await lb.getLayout()).qSelectionInfo.qInSelections);
  assert.equal(await app.evaluate('Count(DISTINCT Region)'), '1', 'accepted');
});

test('an object linked by qExtendsId shows the master\'s properties under its own, and changes with it', async () => {
  const id = await savedApp();
  const app = await session(id, 'linked');
  const master = await app.createObject({
    qInfo: { qId: 'master-bar', qType: 'masterobject' },
    title: 'Sales by region',
    color: { auto: true, mode: 'primary' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['Region'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 10 }],
    },
  });
  const linked = await app.createObject({
    qInfo: { qId: 'linked-bar', qType: 'barchart' }, qExtendsId: 'master-bar', color: { mode: 'byDimension' },
  });
  const props = await linked.getProperties();
  assert.equal(props.title, undefined, 'GetProperties is the object\'s own');
  const eff = await linked.getEffectiveProperties();
  assert.deepEqual(eff.qInfo, { qId: 'linked-bar', qType: 'barchart' });
  assert.equal(eff.qExtendsId, 'master-bar');
  assert.equal(eff.title, 'Sales by region');
  assert.deepEqual(eff.color, { auto: true, mode: 'byDimension' }, 'objects merge key by key, own values win');
  const layout = await linked.getLayout();
  assert.equal(layout.qInfo.qId, 'linked-bar');
  assert.deepEqual(layout.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qNum]),
    [['East', 3], ['North', 15], ['South', 7]]);

  // A change to the master is a change of the linked object too.
  let changed = 0;
  linked.on('changed', () => { changed += 1; });
  const props2 = await master.getProperties();
  props2.title = 'Renamed';
  await master.setProperties(props2);
  await app.getAppLayout(); // a round trip, so the pushed change has arrived
  assert.ok(changed >= 1, 'the linked object was reported changed');
  assert.equal((await linked.getLayout()).title, 'Renamed');

  // A link to nothing, and a loop of links, are the engine's linked-object errors.
  const dangling = await app.createSessionObject({ qInfo: { qId: 'dangling', qType: 'x' }, qExtendsId: 'nope' });
  await assert.rejects(dangling.getLayout(), (e) => e.code === 8001);
  const a = await app.createSessionObject({ qInfo: { qId: 'loop-a', qType: 'x' }, qExtendsId: 'loop-b' });
  await app.createSessionObject({ qInfo: { qId: 'loop-b', qType: 'x' }, qExtendsId: 'loop-a' });
  await assert.rejects(a.getEffectiveProperties(), (e) => e.code === 8002);
  assert.equal((await linked.getLayout()).title, 'Renamed', 'a failing object breaks no other');
});

test('a bookmark made with qIncludeVariables gives the variables their values back when applied', async () => {
  const id = await savedApp();
  const app = await session(id, 'bm-vars');
  const v = await app.createVariableEx({ qInfo: { qType: 'variable' }, qName: 'vTarget', qDefinition: '5' });
  await app.createSessionVariable({ qInfo: { qType: 'variable' }, qName: 'vNote', qDefinition: 'draft' });
  await (await app.getField('Region')).selectValues([{ qText: 'North' }]);
  const withVars = await app.createBookmark({ qInfo: { qId: 'with-vars', qType: 'bookmark' }, qIncludeVariables: true });
  await app.createBookmark({ qInfo: { qId: 'no-vars', qType: 'bookmark' } });
  const items = (await withVars.getLayout()).qBookmark.qVariableItems;
  assert.deepEqual(items.map((i) => [i.qName, i.qDefinition, i.qValue.qText]), [['vNote', 'draft', 'draft'], ['vTarget', '5', '5']]);
  assert.equal(items[1].qValue.qIsNumeric, true);
  assert.equal(items[1].qValue.qNumber, 5);

  await v.setNumValue(7);
  await (await app.getVariableByName('vNote')).setStringValue('final');
  await app.clearAll();
  assert.equal(await app.applyBookmark('no-vars'), true);
  assert.equal((await v.getLayout()).qNum, 7, 'a bookmark without variables leaves them alone');
  assert.equal(await app.evaluate('Sum(Amount)'), '15');
  assert.equal(await app.applyBookmark('with-vars'), true);
  assert.equal((await v.getLayout()).qNum, 5);
  assert.equal((await (await app.getVariableByName('vNote')).getLayout()).qText, 'draft');
  assert.equal(await app.evaluate('$(vTarget) * 2'), '10');
});

test('dollar-sign expansion: $(var) and $(=expr) in measures, dimensions, expressions and Evaluate', async () => {
  counter += 1;
  const s = await openEnigma(server, { identity: `dollar-${counter}` });
  open.push(s);
  const app = await s.global.createSessionApp();
  await app.setScript(`${SCRIPT}\nSET vScriptMeasure = Sum(Amount);\nLET vTop = 2 * 5;`);
  assert.equal(await app.doReload(), true);
  await app.createSessionVariable({ qInfo: { qType: 'variable' }, qName: 'vField', qDefinition: 'Region' });
  await app.createSessionVariable({ qInfo: { qType: 'variable' }, qName: 'vMax', qDefinition: '=Max(Amount)' });
  await app.createSessionVariable({ qInfo: { qType: 'variable' }, qName: 'vNested', qDefinition: '$(vScriptMeasure) / $(vTop)' });

  assert.equal(await app.evaluate('$(vScriptMeasure)'), '25', 'script variables expand');
  assert.equal(await app.evaluate('$(vTop) + $(vMax)'), '20', 'a = definition expands to its value');
  assert.equal(await app.evaluate('$(vNested)'), '2.5', 'what a variable holds expands in turn');
  assert.equal(await app.evaluate('$(=Count(DISTINCT Region)) * 2'), '6');
  assert.equal(await app.evaluate('$(vUnknown)1'), '1', 'an unknown variable expands to nothing');

  const cube = await app.createSessionObject({
    qInfo: { qType: 'chart' },
    title: { qStringExpression: { qExpr: "='Top: ' & $(vTop)" } },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['$(vField)'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
      qMeasures: [{ qDef: { qDef: '$(vScriptMeasure)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 10 }],
    },
  });
  const layout = await cube.getLayout();
  assert.equal(layout.title, 'Top: 10');
  assert.deepEqual(layout.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qNum]),
    [['East', 3], ['North', 15], ['South', 7]]);
  assert.equal((await cube.getProperties()).qHyperCubeDef.qMeasures[0].qDef.qDef, '$(vScriptMeasure)', 'properties keep the text');
  const list = await app.createSessionObject({ qInfo: { qType: 'lb' }, qListObjectDef: { qDef: { qFieldDefs: ['$(vField)'] }, qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 10 }] } });
  assert.equal((await list.getLayout()).qListObject.qSize.qcy, 3);
  assert.equal(await list.selectListObjectValues('/qListObjectDef', [0], false), true);
  assert.equal(await app.evaluate('Only(Region)'), 'North');
});

test('CreateBookmarkEx keeps the soft patches of the named objects and applying gives them back', async () => {
  const id = await savedApp();
  const app = await session(id, 'bm-patches');
  const obj = await app.createObject({ qInfo: { qId: 'styled', qType: 'x' }, title: 'hard', style: { color: 'red' } });
  await obj.applyPatches([{ qOp: 'replace', qPath: '/title', qValue: '"soft"' },
    { qOp: 'add', qPath: '/style/width', qValue: '3' }], true);
  const bm = await app.createBookmarkEx({ qInfo: { qId: 'bm-soft', qType: 'bookmark' } }, ['styled']);
  const kept = (await bm.getLayout()).qBookmark.qPatches;
  assert.equal(kept.length, 1);
  assert.equal(kept[0].qInfo.qId, 'styled');
  const ops = Object.fromEntries(kept[0].qPatches.map((p) => [p.qPath, [p.qOp, p.qValue]]));
  assert.deepEqual(ops, { '/title': ['replace', '"soft"'], '/style/width': ['add', '3'] });

  await obj.applyPatches([{ qOp: 'add', qPath: '/extra', qValue: 'true' }], false); // a hard change: soft patches go
  assert.equal((await obj.getLayout()).title, 'hard');
  assert.equal(await app.applyBookmark('bm-soft'), true);
  const layout = await obj.getLayout();
  assert.equal(layout.title, 'soft');
  assert.deepEqual(layout.style, { color: 'red', width: 3 });
  assert.equal(layout.extra, true, 'the patches go on top of the current properties');
  assert.equal(layout.qHasSoftPatches, true);
  assert.equal((await obj.getProperties()).title, 'hard', 'applying a bookmark changes no properties');
});
