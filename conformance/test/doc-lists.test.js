// Doc methods around the data through real enigma.js: GetVariables and variable lists with the load
// script's variables, system fields with qShowSystem, GetFieldAndColumnSamples, GetMatchingFields,
// GetMediaList and GetLineage.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma } from './helpers.js';

const SCRIPT = `SET ThousandSep=',';
SET vGreeting = 'hello';
LET vTwo = 1 + 1;
Games:
LOAD * INLINE [
Country, City, Medals
Sweden, Stockholm, 3
Norway, Oslo, 5
Sweden, Åre, 2
];
Hosts:
LOAD * INLINE [
Country, Year
Norway, 1994
];`;

let server;
let doc;
let s;

before(async () => {
  server = await startServer();
  s = await openEnigma(server, { identity: 'doc-lists' });
  doc = await s.global.createSessionApp();
  await doc.setScript(SCRIPT);
  assert.equal(await doc.doReload(), true);
});
after(async () => {
  await s?.close();
  await server?.stop();
});

test('variable lists show the script\'s variables, reserved ones and session ones only when asked', async () => {
  await doc.createSessionVariable({ qName: 'vSession', qDefinition: '=1' });
  const names = (list) => list.map((v) => v.qName).sort();
  const plain = await doc.getVariables({ qType: 'variable' });
  assert.deepEqual(names(plain), ['vGreeting', 'vTwo']);
  const greeting = plain.find((v) => v.qName === 'vGreeting');
  assert.equal(greeting.qIsScriptCreated, true);
  assert.equal(greeting.qDefinition, 'hello');
  assert.equal(plain.find((v) => v.qName === 'vTwo').qDefinition, '2');
  const all = await doc.getVariables({ qType: 'variable', qShowSession: true, qShowReserved: true });
  assert.deepEqual(names(all), ['ThousandSep', 'vGreeting', 'vSession', 'vTwo']);
  assert.equal(all.find((v) => v.qName === 'ThousandSep').qIsReserved, true);
  assert.equal(all.find((v) => v.qName === 'vSession').qIsScriptCreated, false);

  const lister = await doc.createSessionObject({ qInfo: { qType: 'vl' }, qVariableListDef: { qType: 'variable' } });
  const layout = await lister.getLayout();
  assert.deepEqual(names(layout.qVariableList.qItems), ['vGreeting', 'vTwo']);
});

test('a field list with qShowSystem adds the system fields', async () => {
  const fields = async (def) => (await (await doc.createSessionObject({ qInfo: { qType: 'fl' }, qFieldListDef: def }))
    .getLayout()).qFieldList.qItems;
  const plain = await fields({});
  assert.deepEqual(plain.map((f) => f.qName), ['Country', 'City', 'Medals', 'Year']);
  const withSystem = await fields({ qShowSystem: true });
  const system = withSystem.filter((f) => f.qIsSystem);
  assert.deepEqual(system.map((f) => f.qName), ['$Field', '$Table', '$Rows', '$Fields', '$FieldNo', '$Info']);
  const cardinal = Object.fromEntries(system.map((f) => [f.qName, f.qCardinal]));
  assert.equal(cardinal.$Field, 4);
  assert.equal(cardinal.$Table, 2);
  assert.equal(cardinal.$Rows, 2, 'tables of 3 and 1 rows');
  assert.equal(cardinal.$Fields, 2, 'tables of 3 and 2 fields');
  assert.ok(system.every((f) => f.qTags.includes('$system')));
});

test('GetFieldAndColumnSamples: fields and table columns by name or wildcard', async () => {
  const all = await doc.getFieldAndColumnSamples([{ qFieldName: 'Country' }], -1);
  assert.deepEqual(all.map((r) => r.qFieldOrColumn), [{ qFieldName: 'Country', qTableName: '' }]);
  assert.deepEqual(all[0].qValues.map((v) => v.qText), ['Sweden', 'Norway']);
  const column = await doc.getFieldAndColumnSamples([{ qFieldName: 'Country', qTableName: 'Hosts' }], -1);
  assert.deepEqual(column[0].qValues.map((v) => v.qText), ['Norway']);
  const numbers = await doc.getFieldAndColumnSamples([{ qFieldName: 'Med*' }], 2, 42);
  assert.equal(numbers[0].qValues.length, 2);
  assert.ok(numbers[0].qValues.every((v) => v.qIsNumeric && ['3', '5', '2'].includes(v.qText) && Number(v.qText) === v.qNumber));
  assert.deepEqual(await doc.getFieldAndColumnSamples([{ qFieldName: 'Med*' }], 2, 42), numbers, 'the same seed, the same sample');
  const wild = await doc.getFieldAndColumnSamples([{ qFieldName: '*', qTableName: 'Host?' }], 0);
  assert.deepEqual(wild.map((r) => r.qFieldOrColumn.qFieldName), ['Country', 'Year']);
  assert.deepEqual(wild[0].qValues, []);
});

test('GetMatchingFields, GetMediaList and GetLineage', async () => {
  const numeric = await doc.getMatchingFields(['$numeric']);
  assert.deepEqual(numeric.map((f) => f.qName), ['Medals', 'Year']);
  assert.deepEqual((await doc.getMatchingFields(['$numeric', '$key'])).map((f) => f.qName), []);
  const either = await doc.getMatchingFields(['$key', '$integer'], 'MATCHINGFIELDMODE_MATCH_ONE');
  assert.deepEqual(either.map((f) => f.qName), ['Country', 'Medals', 'Year']);
  assert.equal(await doc.getMediaList(), true, 'enigma.js hands back qReturn (qList is empty)');
  const lineage = await doc.getLineage();
  assert.deepEqual(lineage.map((l) => l.qDiscriminator), ['INLINE;']);
});
