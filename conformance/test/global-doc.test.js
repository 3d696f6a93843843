// Global, Doc, GenericObject and GenericVariable methods through enigma.js.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startServer, openEnigma, rawConnect, rejectsWith, DESKTOP_USER, GUID_RE,
} from './helpers.js';

const require = createRequire(import.meta.url);
const errorCodes = require('enigma.js/error-codes');

let server;
const open = [];
let counter = 0;
/** A fresh enigma session of its own (unique identity) on the shared server. */
async function fresh(opts = {}) {
  counter += 1;
  const s = await openEnigma(server, { identity: `global-doc-${counter}`, ...opts });
  open.push(s);
  return s;
}

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

test('Global: version and product information', async () => {
  const { global } = await fresh();
  assert.deepEqual(await global.engineVersion(), { qComponentVersion: '12.2528.0' });
  for (const method of ['productVersion', 'oSName', 'oSVersion', 'qTProduct', 'qvVersion']) {
    const value = await global[method]();
    assert.equal(typeof value, 'string', `${method} returns a string`);
    assert.ok(value.length > 0, `${method} is not empty`);
  }
});

test('Global: desktop mode, user, unique ids, app folder', async () => {
  const { global } = await fresh();
  assert.equal(await global.isDesktopMode(), true);
  assert.equal(typeof await global.isPersonalMode(), 'boolean');
  assert.equal(await global.getAuthenticatedUser(), DESKTOP_USER);
  const id1 = await global.getUniqueID();
  const id2 = await global.getUniqueID();
  assert.match(id1, GUID_RE);
  assert.match(id2, GUID_RE);
  assert.notEqual(id1, id2);
  const folder = await global.getDefaultAppFolder();
  assert.equal(typeof folder, 'string');
  assert.ok(folder.length > 0);
  assert.equal(await global.allowCreateApp(), true);
  assert.deepEqual(await global.getCustomConnectors(), []);
});

test('Global: abortAll, abortRequest, cancelRequest, cancelReload and configureReload succeed', async () => {
  const { global } = await fresh();
  await global.abortAll();
  await global.abortRequest(1);
  await global.cancelRequest(1);
  await global.cancelReload();
  await global.configureReload(true, true, false);

  // The same on the wire: a result, never an error.
  const raw = await rawConnect(server.wsUrl('/app/engineData/identity/global-noop-raw'));
  await raw.onConnected();
  for (const [method, params] of [
    ['AbortAll', []], ['AbortRequest', [1]], ['CancelRequest', [1]], ['CancelReload', []],
    ['ConfigureReload', [true, true, false]],
  ]) {
    const res = await raw.request(method, -1, params);
    assert.equal(res.error, undefined, `${method} must not fail: ${JSON.stringify(res)}`);
    assert.equal(typeof res.result, 'object', `${method} returns a result object`);
  }
  await raw.close();
});

test('Global: createApp, getDocList, openDoc, getActiveDoc', async () => {
  const { global } = await fresh();
  const created = await global.createApp('Conformance App');
  assert.equal(created.qSuccess, true);
  assert.equal(typeof created.qAppId, 'string');
  assert.ok(created.qAppId.length > 0);

  const list = await global.getDocList();
  assert.ok(Array.isArray(list));
  const entry = list.find((d) => d.qDocId === created.qAppId);
  assert.ok(entry, `getDocList lists ${created.qAppId}: ${JSON.stringify(list)}`);
  assert.equal(entry.qTitle, 'Conformance App');
  assert.equal(entry.qDocName, 'Conformance App');

  // The app is opened from a session keyed on its own app id.
  const s = await fresh({ appId: created.qAppId });
  const doc = await s.global.openDoc(created.qAppId);
  assert.equal(doc.id, created.qAppId);
  assert.equal(doc.type, 'Doc');
  const active = await s.global.getActiveDoc();
  assert.equal(active.id, created.qAppId);
  const layout = await doc.getAppLayout();
  assert.equal(layout.qTitle, 'Conformance App');
  assert.equal(layout.qFileName, created.qAppId);
  assert.equal(layout.qIsSessionApp, false);
  assert.equal(typeof layout.qHasScript, 'boolean');
  assert.equal(typeof layout.qLocaleInfo, 'object');
  assert.equal(typeof layout.qLocaleInfo.qDecimalSep, 'string');
});

test('Global: openDoc of a missing app fails with 1003', async () => {
  const { global } = await fresh();
  const err = await rejectsWith(global.openDoc('no-such-app-id'));
  assert.equal(err.code, 1003);
  // The session has no doc after the failed open.
  assert.equal((await rejectsWith(global.getActiveDoc())).code, 1007);
});

test('Global: a second openDoc / createSessionApp in the same session fails with 1002', async () => {
  const setup = await fresh();
  const { qAppId } = await setup.global.createApp('Opened Once');
  const s = await fresh({ appId: qAppId });
  const doc = await s.global.openDoc(qAppId);
  assert.equal((await rejectsWith(s.global.openDoc(qAppId))).code, 1002);
  assert.equal((await rejectsWith(s.global.createSessionApp())).code, 1002);
  assert.equal((await s.global.getActiveDoc()).id, doc.id);

  const t = await fresh();
  await t.global.createSessionApp();
  assert.equal((await rejectsWith(t.global.createSessionApp())).code, 1002);
  assert.equal((await rejectsWith(t.global.openDoc(qAppId))).code, 1002);
});

test('Global: createSessionApp gives a SessionApp_<uuid> that cannot be saved (9009)', async () => {
  const { global } = await fresh();
  const app = await global.createSessionApp();
  assert.match(app.id, /^SessionApp_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  const layout = await app.getAppLayout();
  assert.equal(layout.qIsSessionApp, true);
  assert.equal(layout.qFileName, app.id);
  const err = await rejectsWith(app.doSave());
  assert.equal(err.code, 9009);
  const list = await global.getDocList();
  assert.ok(!list.some((d) => d.qDocId === app.id), 'a session app is not in the doc list');
});

test('Global: createSessionAppFromApp copies the source app', async () => {
  const setup = await fresh();
  const { qAppId: src } = await setup.global.createApp('Template');
  const owner = await fresh({ appId: src });
  const srcDoc = await owner.global.openDoc(src);
  await srcDoc.setScript('LOAD 1 AS fromTemplate AUTOGENERATE 1;');
  await srcDoc.doSave();
  await owner.close();

  const { global } = await fresh();
  const copy = await global.createSessionAppFromApp(src);
  assert.match(copy.id, /^SessionApp_/);
  assert.notEqual(copy.id, src);
  assert.equal(await copy.getScript(), 'LOAD 1 AS fromTemplate AUTOGENERATE 1;');
  assert.equal((await copy.getAppLayout()).qIsSessionApp, true);
  // Editing the copy leaves the source alone.
  await copy.setScript('LOAD 2 AS changed AUTOGENERATE 1;');
  const again = await fresh({ appId: src });
  const srcAgain = await again.global.openDoc(src);
  assert.equal(await srcAgain.getScript(), 'LOAD 1 AS fromTemplate AUTOGENERATE 1;');

  const other = await fresh();
  assert.equal((await rejectsWith(other.global.createSessionAppFromApp('no-such-app'))).code, 1003);
  assert.equal((await rejectsWith(other.global.getActiveDoc())).code, 1007);
});

test('Global: deleteApp removes an app; a missing one fails with 1003', async () => {
  const { global } = await fresh();
  const { qAppId } = await global.createApp('To Delete');
  assert.ok((await global.getDocList()).some((d) => d.qDocId === qAppId));
  assert.equal(await global.deleteApp(qAppId), true); // enigma.js unwraps {qSuccess:true}
  assert.ok(!(await global.getDocList()).some((d) => d.qDocId === qAppId));
  assert.equal((await rejectsWith(global.deleteApp(qAppId))).code, 1003);
  const s = await fresh({ appId: qAppId });
  assert.equal((await rejectsWith(s.global.openDoc(qAppId))).code, 1003);

  // On the wire the result is {qSuccess:true}.
  const { qAppId: other } = await global.createApp('To Delete Raw');
  const raw = await rawConnect(server.wsUrl('/app/engineData/identity/delete-raw'));
  await raw.onConnected();
  const res = await raw.request('DeleteApp', -1, [other]);
  assert.deepEqual(res.result, { qSuccess: true });
  await raw.close();
});

test('Doc: script, app properties and app layout', async () => {
  const { global } = await fresh();
  const doc = await global.createSessionApp();
  await doc.setScript('SET a = 1;\nLOAD 1 AS x AUTOGENERATE 1;');
  assert.equal(await doc.getScript(), 'SET a = 1;\nLOAD 1 AS x AUTOGENERATE 1;');

  const props = await doc.getAppProperties();
  assert.equal(typeof props, 'object');
  await doc.setAppProperties({ ...props, qTitle: 'Renamed', custom: { color: 'red', n: 3 } });
  const after = await doc.getAppProperties();
  assert.equal(after.qTitle, 'Renamed');
  assert.deepEqual(after.custom, { color: 'red', n: 3 });
  const layout = await doc.getAppLayout();
  assert.equal(layout.qHasScript, true);
  assert.equal(layout.qIsSessionApp, true);
});

test('Doc: createSessionObject, getObject, destroySessionObject', async () => {
  const { global } = await fresh();
  const doc = await global.createSessionApp();

  const err = await rejectsWith(doc.createSessionObject({ qInfo: { qId: 'no-type' } }));
  assert.equal(typeof err.code, 'number', 'a missing qInfo.qType is an engine error');

  const obj = await doc.createSessionObject({ qInfo: { qId: 'my-obj', qType: 'my-type' }, title: 'Hello' });
  assert.equal(obj.id, 'my-obj');
  assert.equal(obj.type, 'GenericObject');
  assert.equal(obj.genericType, 'my-type');

  // The id is taken now: a second object with it gets another id.
  const dup = await doc.createSessionObject({ qInfo: { qId: 'my-obj', qType: 'my-type' } });
  assert.notEqual(dup.id, 'my-obj');
  assert.equal(typeof dup.id, 'string');
  assert.ok(dup.id.length > 0);

  const auto = await doc.createSessionObject({ qInfo: { qType: 'auto' } });
  assert.ok(typeof auto.id === 'string' && auto.id.length > 0, 'an id is generated when none is given');

  const got = await doc.getObject('my-obj');
  assert.equal(got.id, 'my-obj');
  assert.equal((await got.getProperties()).title, 'Hello');

  // The engine's LOCERR_GENERIC_NOT_FOUND (2), not enigma.js's own -2 for a null handle.
  const missing = await rejectsWith(doc.getObject('does-not-exist'));
  assert.equal(missing.code, 2);
  assert.equal(missing.message, 'Object not found');

  assert.equal(await doc.destroySessionObject('my-obj'), true);
  assert.equal(await doc.destroySessionObject('my-obj'), false);
  assert.equal((await rejectsWith(doc.getObject('my-obj'))).code, 2);
});

test('Doc: getObject of a missing id is error 2 "Object not found" on the wire', async () => {
  const raw = await rawConnect(server.wsUrl('/app/engineData/identity/null-handle'));
  await raw.onConnected();
  const app = await raw.request('CreateSessionApp');
  const docHandle = app.result.qReturn.qHandle;
  const res = await raw.request('GetObject', docHandle, ['nope']);
  assert.equal(res.result, undefined);
  assert.deepEqual(res.error, { code: 2, parameter: 'nope', message: 'Object not found' });
  for (const method of ['GetDimension', 'GetMeasure', 'GetBookmark']) {
    const r = await raw.request(method, docHandle, ['nope']);
    assert.equal(r.error.code, 2, `${method}: ${JSON.stringify(r)}`);
  }
  // The socket and the doc go on.
  const again = await raw.request('GetAppLayout', docHandle, []);
  assert.equal(again.error, undefined);
  await raw.close();
});

test('GenericObject: layout, properties, setProperties, effective properties, info', async () => {
  const { global } = await fresh();
  const doc = await global.createSessionApp();
  const obj = await doc.createSessionObject({
    qInfo: { qId: 'gen-1', qType: 'chart' }, title: 'Sales', nested: { list: [1, 2, 3] },
  });

  const layout = await obj.getLayout();
  assert.deepEqual(layout.qInfo, { qId: 'gen-1', qType: 'chart' });
  assert.equal(layout.title, 'Sales');
  assert.deepEqual(layout.nested, { list: [1, 2, 3] });
  assert.ok(Array.isArray(layout.qMeta.privileges));
  assert.ok(layout.qMeta.privileges.includes('read'));
  assert.equal(typeof layout.qSelectionInfo, 'object');

  const props = await obj.getProperties();
  assert.deepEqual(props.qInfo, { qId: 'gen-1', qType: 'chart' });
  assert.deepEqual(props.qMetaDef, {});
  assert.equal(props.title, 'Sales');
  assert.deepEqual(props.nested, { list: [1, 2, 3] });

  await obj.setProperties({ ...props, title: 'Revenue', extra: true });
  const props2 = await obj.getProperties();
  assert.equal(props2.title, 'Revenue');
  assert.equal(props2.extra, true);
  assert.equal((await obj.getLayout()).title, 'Revenue');

  const effective = await obj.getEffectiveProperties();
  assert.equal(effective.title, 'Revenue');
  assert.deepEqual(effective.qInfo, { qId: 'gen-1', qType: 'chart' });

  assert.deepEqual(await obj.getInfo(), { qId: 'gen-1', qType: 'chart' });
});

test('Doc + GenericVariable: session variables', async () => {
  const { global } = await fresh();
  const doc = await global.createSessionApp();
  const v = await doc.createSessionVariable({ qName: 'vCount', qDefinition: '42' });
  assert.equal(v.type, 'GenericVariable');

  const layout = await v.getLayout();
  assert.equal(layout.qText, '42');
  assert.equal(layout.qNum, 42);
  assert.equal(typeof layout.qInfo.qId, 'string');
  assert.equal(layout.qInfo.qId, v.id);
  assert.equal(typeof layout.qMeta, 'object');

  const dup = await rejectsWith(doc.createSessionVariable({ qName: 'vCount', qDefinition: '1' }));
  assert.equal(dup.code, 18001);

  const byName = await doc.getVariableByName('vCount');
  assert.equal(byName.id, v.id);
  assert.equal((await rejectsWith(doc.getVariableByName('vMissing'))).code, errorCodes.OBJECT_NOT_FOUND);
  assert.equal((await rejectsWith(doc.getVariableById('missing-id'))).code, errorCodes.OBJECT_NOT_FOUND);
  const byId = await doc.getVariableById(v.id);
  assert.equal(byId.id, v.id);
  assert.equal((await byId.getLayout()).qNum, 42);

  const props = await v.getProperties();
  assert.equal(props.qName, 'vCount');
  assert.equal(props.qDefinition, '42');
  await v.setProperties({ ...props, qDefinition: '7', qComment: 'seven' });
  const props2 = await v.getProperties();
  assert.equal(props2.qDefinition, '7');
  assert.equal(props2.qComment, 'seven');
  assert.equal((await v.getLayout()).qNum, 7);

  await v.setStringValue('hello');
  const s = await v.getLayout();
  assert.equal(s.qText, 'hello');

  await v.setNumValue(3.5);
  const n = await v.getLayout();
  assert.equal(n.qNum, 3.5);

  const info = await v.getInfo();
  assert.equal(info.qId, v.id);
  assert.equal(typeof info.qType, 'string');

  const text = await doc.createSessionVariable({ qName: 'vText', qDefinition: 'abc' });
  const tl = await text.getLayout();
  assert.equal(tl.qText, 'abc');
  assert.ok(!(typeof tl.qNum === 'number' && Number.isFinite(tl.qNum)), `a text variable has no numeric value: ${tl.qNum}`);
});
