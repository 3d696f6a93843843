// Change propagation between sockets: 'changed' and 'closed' events in
// enigma.js, and the id-less push frames on the wire.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openEnigma, rawConnect, once, countEvents, sleep,
} from './helpers.js';

let server;
let appId;
const open = [];
async function enigmaSession(opts) {
  const s = await openEnigma(server, opts);
  open.push(s);
  return s;
}

before(async () => {
  server = await startServer();
  const setup = await openEnigma(server, { identity: 'push-setup' });
  ({ qAppId: appId } = await setup.global.createApp('Push App'));
  await setup.close();
});
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

/** Two sockets of one session (s1) and one socket of another session (s2), all holding 'pushed'. */
async function threeSockets(objectId, identity) {
  const a = await enigmaSession({ appId, identity: `${identity}-1` });
  const docA = await a.global.openDoc(appId);
  const objA = await docA.createSessionObject({ qInfo: { qId: objectId, qType: 'push' }, n: 0 });

  const b = await enigmaSession({ appId, identity: `${identity}-1` });
  assert.equal(b.state, 'SESSION_ATTACHED');
  const docB = await b.global.getActiveDoc();
  const objB = await docB.getObject(objectId);

  const c = await enigmaSession({ appId, identity: `${identity}-2` });
  assert.equal(c.state, 'SESSION_CREATED');
  const docC = await c.global.openDoc(appId);
  const objC = await docC.createSessionObject({ qInfo: { qId: objectId, qType: 'push' }, n: 0 });
  assert.equal(objC.id, objectId, 'the other session has its own object with the same id');
  return { a, b, c, docA, docB, docC, objA, objB, objC };
}

test('setProperties via socket A emits changed on A and on every socket of the same session, not on another session', async () => {
  const { objA, objB, objC } = await threeSockets('pushed', 'push-basic');
  await Promise.all([objA.getLayout(), objB.getLayout(), objC.getLayout()]);
  const cC = countEvents(objC, 'changed');

  const changedA = once(objA, 'changed');
  const changedB = once(objB, 'changed');
  const props = await objA.getProperties();
  await objA.setProperties({ ...props, n: 1 });
  await changedA;
  await changedB;

  assert.equal((await objB.getLayout()).n, 1, 'the other socket sees the new properties');
  await sleep(300);
  assert.equal(cC.count, 0, 'a socket of a different session gets no change');
  assert.equal((await objC.getLayout()).n, 0, "the other session's object is untouched");
});

test('a change is sent once per valid-to-invalid transition', async () => {
  const { objA, objB, objC } = await threeSockets('once', 'push-once');
  await Promise.all([objA.getLayout(), objB.getLayout(), objC.getLayout()]);
  const cA = countEvents(objA, 'changed');
  const cB = countEvents(objB, 'changed');
  const cC = countEvents(objC, 'changed');

  const props = await objA.getProperties();
  await objA.setProperties({ ...props, n: 1 });
  await sleep(200);
  assert.equal(cB.count, 1, 'first change reaches B');

  // No getLayout on B in between: B's object is already invalid, no second push.
  await objA.setProperties({ ...props, n: 2 });
  await sleep(300);
  assert.equal(cB.count, 1, 'no second change while B has not fetched a layout');

  // B (and A) validate again by fetching the layout, then the next change is sent.
  assert.equal((await objB.getLayout()).n, 2);
  await objA.getLayout();
  await objA.setProperties({ ...props, n: 3 });
  await sleep(300);
  assert.equal(cB.count, 2, 'the next change reaches B after its getLayout');
  assert.ok(cA.count >= 2, `A saw its own changes (${cA.count})`);
  assert.equal(cC.count, 0);
});

test('destroySessionObject emits closed on the other sockets of the session', async () => {
  const { docA, objA, objB, objC } = await threeSockets('doomed', 'push-destroy');
  const cC = countEvents(objC, 'closed');
  const closedB = once(objB, 'closed');
  const closedA = once(objA, 'closed');
  assert.equal(await docA.destroySessionObject('doomed'), true);
  await closedB;
  await closedA;
  await sleep(200);
  assert.equal(cC.count, 0, "another session's object with the same id stays open");
  assert.equal((await objC.getProperties()).qInfo.qId, 'doomed');
});

test('variable and app property changes reach the other sockets of the session too', async () => {
  const a = await enigmaSession({ identity: 'push-var' });
  const docA = await a.global.createSessionApp();
  const varA = await docA.createSessionVariable({ qName: 'vShared', qDefinition: '1' });
  const b = await enigmaSession({ identity: 'push-var' });
  assert.equal(b.state, 'SESSION_ATTACHED');
  const docB = await b.global.getActiveDoc();
  const varB = await docB.getVariableByName('vShared');
  await Promise.all([varA.getLayout(), varB.getLayout(), docA.getAppLayout(), docB.getAppLayout()]);

  const varChanged = once(varB, 'changed');
  await varA.setStringValue('two');
  await varChanged;
  assert.equal((await varB.getLayout()).qText, 'two');

  const docChanged = once(docB, 'changed');
  const props = await docA.getAppProperties();
  await docA.setAppProperties({ ...props, qTitle: 'Shared Title' });
  await docChanged;
  assert.equal((await docB.getAppLayout()).qTitle, 'Shared Title');
});

test('on the wire: pushes are id-less {"jsonrpc":"2.0","change":[h]} in the receiving socket\'s own handles', async () => {
  const a = await rawConnect(server.wsUrl('/app/engineData/identity/push-raw'));
  assert.equal((await a.onConnected()).params.qSessionState, 'SESSION_CREATED');
  const app = await a.request('CreateSessionApp');
  const docA = app.result.qReturn.qHandle;
  const created = await a.request('CreateSessionObject', docA, [{ qInfo: { qId: 'wire', qType: 'push' }, v: 1 }]);
  const objA = created.result.qReturn.qHandle;

  const b = await rawConnect(server.wsUrl('/app/engineData/identity/push-raw'));
  assert.equal((await b.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
  const docB = (await b.request('GetActiveDoc')).result.qReturn.qHandle;
  // Take a few handles first so B's numbering differs from A's.
  await b.request('CreateSessionVariable', docB, [{ qName: 'vPad1', qDefinition: '1' }]);
  await b.request('CreateSessionVariable', docB, [{ qName: 'vPad2', qDefinition: '2' }]);
  const gotB = await b.request('GetObject', docB, ['wire']);
  const objB = gotB.result.qReturn.qHandle;
  assert.equal(typeof objB, 'number');
  assert.notEqual(objB, objA, 'test setup: the two sockets use different handle numbers');
  await b.request('GetLayout', objB);

  const set = await a.request('SetProperties', objA, [{ qInfo: { qId: 'wire', qType: 'push' }, v: 2 }]);
  assert.equal(set.error, undefined);
  assert.ok(Array.isArray(set.change) && set.change.includes(objA), `A's response lists its handle: ${JSON.stringify(set)}`);

  const push = await b.next((f) => f && Array.isArray(f.change));
  assert.deepEqual(push, { jsonrpc: '2.0', change: [objB] });
  assert.equal(Object.prototype.hasOwnProperty.call(push, 'id'), false);

  const destroyed = await a.request('DestroySessionObject', docA, ['wire']);
  assert.equal(destroyed.result.qSuccess, true);
  const closePush = await b.next((f) => f && Array.isArray(f.close));
  assert.deepEqual(closePush.close, [objB]);
  assert.equal(Object.prototype.hasOwnProperty.call(closePush, 'id'), false);
  await a.close();
  await b.close();
});

test('session objects belong to the session: they outlive the socket that created them', async () => {
  const a = await rawConnect(server.wsUrl('/app/engineData/identity/push-owner'));
  await a.onConnected();
  const docA = (await a.request('CreateSessionApp')).result.qReturn.qHandle;
  const b = await rawConnect(server.wsUrl('/app/engineData/identity/push-owner'));
  assert.equal((await b.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
  await a.request('CreateSessionObject', docA, [{ qInfo: { qId: 'orphan', qType: 'push' }, keep: 'me' }]);
  await a.close();

  const docB = (await b.request('GetActiveDoc')).result.qReturn.qHandle;
  const got = await b.request('GetObject', docB, ['orphan']);
  const h = got.result.qReturn.qHandle;
  assert.equal(typeof h, 'number');
  assert.equal((await b.request('GetProperties', h)).result.qProp.keep, 'me');

  // Once destroyed, the handle is gone.
  assert.deepEqual((await b.request('DestroySessionObject', docB, ['orphan'])).result, { qSuccess: true });
  const stale = await b.request('GetLayout', h);
  assert.deepEqual(stale.error, { code: -32602, parameter: 'Invalid handle', message: 'Invalid Params' });
  await b.close();
});
