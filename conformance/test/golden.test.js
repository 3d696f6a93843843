// qixd against outputs recorded from a real Qlik engine (copied into testdata/golden from shared/reference/real-engine-golden, written by
// corectl's integration tests against Qlik Core): the same project (script, master dimensions and
// measures, variables, objects) is built through enigma.js, and the layouts and properties qixd answers
// must equal the recorded ones exactly — including the defaults the engine fills into properties.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, openEnigma } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = process.env.GOLDEN_DIR ?? path.resolve(here, '../../testdata/golden');
const PROJECT = path.join(GOLDEN, 'projects/using-entities');
const read = (file) => JSON.parse(fs.readFileSync(path.join(GOLDEN, file), 'utf8'));
const entities = (file) => JSON.parse(fs.readFileSync(path.join(PROJECT, file), 'utf8'));

let server;
let session;
let app;

before(async () => {
  assert.ok(fs.existsSync(PROJECT), `the recorded outputs are missing at ${GOLDEN}`);
  server = await startServer();
  session = await openEnigma(server, { identity: 'golden' });
  const { qAppId } = await session.global.createApp('golden');
  app = await session.global.openDoc(qAppId);
  await app.setScript(fs.readFileSync(path.join(PROJECT, 'script-inline.qvs'), 'utf8'));
  assert.equal(await app.doReload(), true);
  for (const d of entities('dimensions.json')) await app.createDimension(d);
  for (const m of entities('measures.json')) await app.createMeasure(m);
  for (const v of entities('variables.json')) await app.createVariableEx(v);
  for (const o of entities('objects.json')) await app.createObject(o);
});
after(async () => {
  await session?.close();
  await server?.stop();
});

/** JSON as it went over the wire (drops enigma's prototypes). */
const plain = (x) => JSON.parse(JSON.stringify(x));

test('object layout with an inline hypercube', async () => {
  const layout = await (await app.getObject('object-using-inline')).getLayout();
  assert.deepEqual(plain(layout), read('TestObjectManagementCommands_object_layout_object-using-inline.golden'));
});

test('object properties, with the defaults the engine fills in', async () => {
  const props = await (await app.getObject('object-using-inline')).getProperties();
  assert.deepEqual(plain(props), read('TestObjectManagementCommands_object_properties_object-using-inline.golden'));
});

test('master dimension properties and layout', async () => {
  const dim = await app.getDimension('dimension-abcs');
  assert.deepEqual(plain(await dim.getProperties()), read('TestDimensionManagementCommands_dimension_properties_dimension-abcs.golden'));
  assert.deepEqual(plain(await dim.getLayout()), read('TestDimensionManagementCommands_dimension_layout_dimension-abcs.golden'));
});

test('master measure properties and layout', async () => {
  const measure = await app.getMeasure('measure-sum-numbers');
  assert.deepEqual(plain(await measure.getProperties()), read('TestMeasureManagementCommands_measure_properties_measure-sum-numbers.golden'));
  // The recorded layout text repeats the "title" key; as JSON it is one key.
  assert.deepEqual(plain(await measure.getLayout()), read('TestMeasureManagementCommands_measure_layout_measure-sum-numbers.golden'));
});

test('variable layout and properties', async () => {
  assert.deepEqual(plain(await (await app.getVariableById('variable-xyz')).getLayout()), read('TestVariableManagementCommands_variable_layout_variable-xyz.golden'));
  assert.deepEqual(plain(await (await app.getVariableById('variable-abc')).getProperties()), read('TestVariableManagementCommands_variable_properties_variable-abc.golden'));
});

test('hypercube data of both objects', async () => {
  for (const id of ['object-using-inline', 'object-using-dims-and-measures']) {
    const object = await app.getObject(id);
    const [page] = await object.getHyperCubeData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 20 }]);
    const rows = page.qMatrix.map((r) => `| ${r[0].qText.padEnd(3)} | ${r[1].qText.padStart(r === 0 ? 0 : 14)} |`);
    const recorded = fs.readFileSync(path.join(GOLDEN, `TestObjectManagementCommands_object_data_${id}.golden`), 'utf8')
      .split('\n').filter((l) => l.startsWith('| ') && !l.includes('xyz'));
    assert.deepEqual(rows.map((r) => r.replace(/\s+/g, ' ')), recorded.map((r) => r.replace(/\s+/g, ' ')), id);
  }
});

test('a full property tree set on a sheet reads back as the engine wrote it', async () => {
  const full = read('TestGetFullPropertyTree_object_properties_a699ee97-152d-4470-9655-ae7c82d71491_--full.golden');
  const sheet = await app.createObject({ qInfo: full.qProperty.qInfo });
  await sheet.setFullPropertyTree(full);
  assert.deepEqual(plain(await sheet.getFullPropertyTree()), full);
  assert.deepEqual((await sheet.getChildInfos()).map((i) => i.qId), ['sZAVcpj', 'gCCkr'], 'children keep the tree order');
  const layout = await sheet.getLayout();
  assert.deepEqual(layout.qChildList.qItems.map((i) => i.qData.title), ['', ''], 'qData reads /title of each child');
});
