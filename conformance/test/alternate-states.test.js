// Alternate states through real enigma.js: AddAlternateState / RemoveAlternateState, fields, list
// objects, hypercubes and current selections in a state, selections that stay in their state, and the
// state names saved with the app.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma, SALES_SCRIPT } from './helpers.js';

const SCRIPT = SALES_SCRIPT;

let server;
const open = [];
let counter = 0;

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

async function app(id, who) {
  counter += 1;
  const s = await openEnigma(server, { appId: id, identity: `${who}-${counter}` });
  open.push(s);
  return s.global.openDoc(id);
}

async function newApp() {
  counter += 1;
  const s = await openEnigma(server, { identity: `states-setup-${counter}` });
  open.push(s);
  const { qAppId } = await s.global.createApp(`states ${counter}`);
  const doc = await s.global.openDoc(qAppId);
  await doc.setScript(SCRIPT);
  assert.equal(await doc.doReload(), true);
  await doc.doSave();
  return qAppId;
}

const states = async (list) => (await list.getLayout()).qListObject.qDataPages[0].qMatrix
  .map((r) => `${r[0].qText}:${r[0].qState}`).sort();

test('selections in an alternate state stay there', async () => {
  const id = await newApp();
  const doc = await app(id, 'alt');
  await doc.addAlternateState('A');
  assert.deepEqual((await doc.getAppLayout()).qStateNames, ['A']);
  const fetch = [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 10 }];
  const plain = await doc.createSessionObject({ qInfo: { qType: 'lb' }, qListObjectDef: { qDef: { qFieldDefs: ['Region'] }, qInitialDataFetch: fetch } });
  const inA = await doc.createSessionObject({ qInfo: { qType: 'lb' }, qListObjectDef: { qStateName: 'A', qDef: { qFieldDefs: ['Region'] }, qInitialDataFetch: fetch } });
  const cubeA = await doc.createSessionObject({ qInfo: { qType: 'kpi' }, qStateName: 'A',
    qHyperCubeDef: { qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 1 }] } });
  const selA = await doc.createSessionObject({ qInfo: { qType: 'cs' }, qSelectionObjectDef: { qStateName: 'A' } });

  const regionA = await doc.getField('Region', 'A');
  assert.equal(await regionA.selectValues([{ qText: 'North' }]), true);
  assert.deepEqual(await states(inA), ['East:A', 'North:S', 'South:A']);
  assert.deepEqual(await states(plain), ['East:O', 'North:O', 'South:O'], 'the default state is untouched');
  assert.equal(await doc.evaluate('Sum(Amount)'), '25');
  const cube = (await cubeA.getLayout()).qHyperCube;
  assert.equal(cube.qDataPages[0].qMatrix[0][0].qNum, 15);
  assert.equal(cube.qStateName, 'A');
  assert.deepEqual((await selA.getLayout()).qSelectionObject.qSelections.map((s) => [s.qField, s.qSelected]), [['Region', 'North']]);

  // An object's own selection methods work in its state.
  await inA.selectListObjectValues('/qListObjectDef', [(await inA.getListObjectData('/qListObjectDef', fetch))[0].qMatrix
    .find((r) => r[0].qText === 'East')[0].qElemNumber], true);
  assert.deepEqual(await states(inA), ['East:S', 'North:S', 'South:A']);
  assert.deepEqual(await states(plain), ['East:O', 'North:O', 'South:O']);

  // The default state's selections do not reach A.
  await (await doc.getField('Region')).selectValues([{ qText: 'South' }]);
  assert.deepEqual(await states(inA), ['East:S', 'North:S', 'South:A']);
  assert.equal((await cubeA.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 18);

  await doc.clearAll(false, 'A');
  assert.deepEqual(await states(inA), ['East:O', 'North:O', 'South:O']);
  assert.deepEqual(await states(plain), ['East:A', 'North:A', 'South:S']);
  await assert.rejects(doc.getField('Region', 'NoSuchState'));
});

test('state names are saved with the app; removing one sends its objects back to the default state', async () => {
  const id = await newApp();
  const first = await app(id, 'names');
  await first.addAlternateState('Compare');
  await first.addAlternateState('Compare');
  await first.doSave();
  const second = await app(id, 'names-other');
  assert.deepEqual((await second.getAppLayout()).qStateNames, ['Compare']);
  await (await second.getField('Product', 'Compare')).selectValues([{ qText: 'Apples' }]);
  const kpi = await second.createSessionObject({ qInfo: { qType: 'kpi' }, qStateName: 'Compare',
    qHyperCubeDef: { qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 1 }] } });
  assert.equal((await kpi.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 17);
  await second.removeAlternateState('Compare');
  assert.deepEqual((await second.getAppLayout()).qStateNames, []);
  assert.equal((await kpi.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 25);
});

test('a bookmark recalls the selections of every state', async () => {
  const id = await newApp();
  const doc = await app(id, 'bm-states');
  await doc.addAlternateState('A');
  await (await doc.getField('Region')).selectValues([{ qText: 'North' }]);
  await (await doc.getField('Product', 'A')).selectValues([{ qText: 'Apples' }]);
  const bm = await doc.createBookmark({ qInfo: { qId: 'both', qType: 'bookmark' } });
  const data = (await bm.getLayout()).qBookmark.qStateData;
  assert.deepEqual(data.map((d) => [d.qStateName, d.qFieldItems.map((i) => i.qDef.qName)]), [['$', ['Region']], ['A', ['Product']]]);

  const kpiA = await doc.createSessionObject({ qInfo: { qType: 'kpi' }, qStateName: 'A',
    qHyperCubeDef: { qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 1 }] } });
  await doc.clearAll();
  await doc.clearAll(false, 'A');
  assert.equal((await kpiA.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 25);
  assert.equal(await doc.applyBookmark('both'), true);
  assert.equal(await doc.evaluate('Sum(Amount)'), '15', 'the default state: North');
  assert.equal((await kpiA.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 17, 'state A: Apples');
});
