// Engine session model: OnConnected, session keys (user, app, identity),
// X-Qlik-Session, trusted user header, TTLs and enigma.js suspend/resume.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startServer, openEnigma, rawConnect, rejectsWith, waitForHealth, sleep, once,
  DESKTOP_USER,
} from './helpers.js';

const require = createRequire(import.meta.url);
const errorCodes = require('enigma.js/error-codes');

let server;
const open = [];
async function enigmaSession(opts) {
  const s = await openEnigma(server, opts);
  open.push(s);
  return s;
}

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

test('the first frame on a socket is OnConnected SESSION_CREATED, then SESSION_ATTACHED for the same key', async () => {
  const a = await rawConnect(server.wsUrl('/app/engineData/identity/first-frame'));
  const first = await a.next();
  assert.deepEqual(first, { jsonrpc: '2.0', method: 'OnConnected', params: { qSessionState: 'SESSION_CREATED' } });
  assert.equal(a.all.length, 1, 'OnConnected must be the first (and only unsolicited) frame');

  const b = await rawConnect(server.wsUrl('/app/engineData/identity/first-frame'));
  const firstB = await b.next();
  assert.deepEqual(firstB, { jsonrpc: '2.0', method: 'OnConnected', params: { qSessionState: 'SESSION_ATTACHED' } });
  await a.close();
  await b.close();
});

test('/app/ and /app/engineData address the same app-less session', async () => {
  const a = await rawConnect(server.wsUrl('/app/'));
  assert.equal((await a.onConnected()).params.qSessionState, 'SESSION_CREATED');
  const b = await rawConnect(server.wsUrl('/app/engineData'));
  assert.equal((await b.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
  await a.close();
  await b.close();
});

test('enigma.js: the same identity attaches to the same session and shares its state', async () => {
  const a = await enigmaSession({ identity: 'shared-1' });
  assert.equal(a.state, 'SESSION_CREATED');
  assert.equal(await a.global.getAuthenticatedUser(), DESKTOP_USER);
  const appA = await a.global.createSessionApp();
  await appA.setScript('LOAD 1 AS shared AUTOGENERATE 1;');

  const b = await enigmaSession({ identity: 'shared-1' });
  assert.equal(b.state, 'SESSION_ATTACHED');
  const appB = await b.global.getActiveDoc();
  assert.equal(appB.id, appA.id);
  assert.match(appB.id, /^SessionApp_/);
  assert.equal(await appB.getScript(), 'LOAD 1 AS shared AUTOGENERATE 1;');
});

test('enigma.js: a different identity creates a different session', async () => {
  const a = await enigmaSession({ identity: 'ident-a' });
  await a.global.createSessionApp();
  const b = await enigmaSession({ identity: 'ident-b' });
  assert.equal(b.state, 'SESSION_CREATED');
  const err = await rejectsWith(b.global.getActiveDoc());
  assert.equal(err.code, 1007);
});

test('enigma.js: the same identity on a different app id creates a different session', async () => {
  const setup = await enigmaSession({ identity: 'setup-apps' });
  const { qAppId: app1 } = await setup.global.createApp('sessions-app-1');
  const { qAppId: app2 } = await setup.global.createApp('sessions-app-2');

  const a = await enigmaSession({ appId: app1, identity: 'same-ident' });
  assert.equal(a.state, 'SESSION_CREATED');
  const docA = await a.global.openDoc(app1);
  assert.equal(docA.id, app1);

  const a2 = await enigmaSession({ appId: app1, identity: 'same-ident' });
  assert.equal(a2.state, 'SESSION_ATTACHED');
  assert.equal((await a2.global.getActiveDoc()).id, app1);

  const b = await enigmaSession({ appId: app2, identity: 'same-ident' });
  assert.equal(b.state, 'SESSION_CREATED');
  assert.equal((await rejectsWith(b.global.getActiveDoc())).code, 1007);
});

test('the X-Qlik-Session header is the same key as /identity/', async () => {
  const a = await enigmaSession({ identity: 'hdr-ident' });
  assert.equal(a.state, 'SESSION_CREATED');
  const app = await a.global.createSessionApp();

  const b = await enigmaSession({ headers: { 'X-Qlik-Session': 'hdr-ident' } });
  assert.equal(b.state, 'SESSION_ATTACHED');
  assert.equal((await b.global.getActiveDoc()).id, app.id);

  const c = await enigmaSession({ headers: { 'X-Qlik-Session': 'hdr-other' } });
  assert.equal(c.state, 'SESSION_CREATED');
});

test('a URL-encoded /identity/ and the decoded X-Qlik-Session header are the same key', async () => {
  const a = await enigmaSession({ identity: 'team a/b' }); // buildUrl encodes it: team%20a%2Fb
  assert.match(a.url, /\/identity\/team%20a%2Fb$/);
  assert.equal(a.state, 'SESSION_CREATED');
  const b = await enigmaSession({ headers: { 'X-Qlik-Session': 'team a/b' } });
  assert.equal(b.state, 'SESSION_ATTACHED');
});

test('without --trust-user-header, X-Qlik-User is ignored (desktop user Personal\\Me)', async () => {
  const a = await enigmaSession({ identity: 'untrusted-user' });
  assert.equal(a.state, 'SESSION_CREATED');
  const b = await enigmaSession({ identity: 'untrusted-user', headers: { 'X-Qlik-User': 'UserDirectory=CORP; UserId=mallory' } });
  assert.equal(b.state, 'SESSION_ATTACHED');
  assert.equal(await b.global.getAuthenticatedUser(), DESKTOP_USER);
});

test('with --trust-user-header the user is part of the session key', async () => {
  const trusted = await startServer({ args: ['--trust-user-header'] });
  const sessions = [];
  try {
    const bobHeaders = { 'X-Qlik-User': 'UserDirectory=CORP; UserId=bob' };
    const bob = await openEnigma(trusted, { identity: 'team', headers: bobHeaders });
    sessions.push(bob);
    assert.equal(bob.state, 'SESSION_CREATED');
    assert.equal(await bob.global.getAuthenticatedUser(), 'UserDirectory=CORP; UserId=bob');

    const alice = await openEnigma(trusted, { identity: 'team', headers: { 'X-Qlik-User': 'UserDirectory=CORP; UserId=alice' } });
    sessions.push(alice);
    assert.equal(alice.state, 'SESSION_CREATED', 'another user with the same identity gets its own session');
    assert.equal(await alice.global.getAuthenticatedUser(), 'UserDirectory=CORP; UserId=alice');

    const bob2 = await openEnigma(trusted, { identity: 'team', headers: bobHeaders });
    sessions.push(bob2);
    assert.equal(bob2.state, 'SESSION_ATTACHED');

    const anon = await openEnigma(trusted, { identity: 'team' });
    sessions.push(anon);
    assert.equal(anon.state, 'SESSION_CREATED');
    assert.equal(await anon.global.getAuthenticatedUser(), DESKTOP_USER);
  } finally {
    for (const s of sessions) await s.close();
    await trusted.stop();
  }
});

test('default TTL 0: a session dies with its last socket', async () => {
  const a = await enigmaSession({ identity: 'ttl-zero' });
  const b = await enigmaSession({ identity: 'ttl-zero' });
  assert.equal(b.state, 'SESSION_ATTACHED');
  await a.global.createSessionApp();
  await a.close();
  // One socket is still attached: the session lives on.
  assert.match((await b.global.getActiveDoc()).id, /^SessionApp_/);
  const before = (await server.health()).json.liveSessions;
  await b.close();

  const health = await waitForHealth(server, (h) => h.liveSessions === before - 1);
  assert.equal(health.liveSessions, before - 1, 'closing the last socket must end a TTL-0 session');
  const c = await enigmaSession({ identity: 'ttl-zero' });
  assert.equal(c.state, 'SESSION_CREATED');
  assert.equal((await rejectsWith(c.global.getActiveDoc())).code, 1007);
});

test('/ttl/1 keeps a socket-less session for 1 s, then it expires', async () => {
  const a = await enigmaSession({ identity: 'ttl-one', ttl: 1 });
  assert.match(a.url, /\/identity\/ttl-one\/ttl\/1$/);
  const app = await a.global.createSessionApp();
  await app.setScript('LOAD 42 AS kept AUTOGENERATE 1;');
  await a.close();

  // Reattach within the TTL: same session, same app and script.
  const b = await enigmaSession({ identity: 'ttl-one', ttl: 1 });
  assert.equal(b.state, 'SESSION_ATTACHED');
  const doc = await b.global.getActiveDoc();
  assert.equal(doc.id, app.id);
  assert.equal(await doc.getScript(), 'LOAD 42 AS kept AUTOGENERATE 1;');
  await b.close();

  await sleep(2200);
  const c = await enigmaSession({ identity: 'ttl-one', ttl: 1 });
  assert.equal(c.state, 'SESSION_CREATED');
  const err = await rejectsWith(c.global.getActiveDoc());
  assert.equal(err.code, 1007);
  assert.equal(err.parameter, 'No active document');
  assert.equal(err.message, 'App invalid');
});

test('the TTL timer restarts on each detach, and a session with a live socket outlives its TTL', async () => {
  const path = '/app/engineData/identity/ttl-restart/ttl/1';
  const a = await rawConnect(server.wsUrl(path));
  assert.equal((await a.onConnected()).params.qSessionState, 'SESSION_CREATED');
  await a.close();
  await sleep(700);
  const b = await rawConnect(server.wsUrl(path));
  assert.equal((await b.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
  await b.close();
  await sleep(700); // 1.4 s after the first detach, 0.7 s after the second
  const c = await rawConnect(server.wsUrl(path));
  assert.equal((await c.onConnected()).params.qSessionState, 'SESSION_ATTACHED', 'the first expiry timer must not fire after a reattach');
  await sleep(1500); // held open for longer than the TTL
  const d = await rawConnect(server.wsUrl(path));
  assert.equal((await d.onConnected()).params.qSessionState, 'SESSION_ATTACHED', 'a session with a socket does not expire');
  const res = await c.request('EngineVersion');
  assert.equal(res.error, undefined);
  await c.close();
  await d.close();
});

test('--session-ttl sets the default TTL and --max-session-ttl caps /ttl/', async () => {
  const srv = await startServer({ args: ['--session-ttl', '1', '--max-session-ttl', '1'] });
  const sessions = [];
  const open2 = async (opts) => { const s = await openEnigma(srv, opts); sessions.push(s); return s; };
  try {
    // No /ttl/ in the URL: --session-ttl 1 applies.
    const a = await open2({ identity: 'default-ttl' });
    await a.global.createSessionApp();
    await a.close();
    const a2 = await open2({ identity: 'default-ttl' });
    assert.equal(a2.state, 'SESSION_ATTACHED', '--session-ttl 1 keeps the session after its last socket');
    assert.match((await a2.global.getActiveDoc()).id, /^SessionApp_/);
    await a2.close();

    // /ttl/60 is capped to 1 s.
    const b = await open2({ identity: 'capped-ttl', ttl: 60 });
    await b.global.createSessionApp();
    await b.close();

    await sleep(2200);
    const a3 = await open2({ identity: 'default-ttl' });
    assert.equal(a3.state, 'SESSION_CREATED', 'the --session-ttl session expired');
    const b2 = await open2({ identity: 'capped-ttl', ttl: 60 });
    assert.equal(b2.state, 'SESSION_CREATED', '/ttl/60 must be capped by --max-session-ttl 1');
    assert.equal((await rejectsWith(b2.global.getActiveDoc())).code, 1007);
  } finally {
    for (const s of sessions) await s.close();
    await srv.stop();
  }
});

test('enigma.js suspend()/resume() within the TTL restores the doc and objects', async () => {
  const s = await enigmaSession({ identity: 'suspend-resume', ttl: 2 });
  const doc = await s.global.createSessionApp();
  await doc.setScript('LOAD 7 AS resumed AUTOGENERATE 1;');
  const obj = await doc.createSessionObject({ qInfo: { qId: 'resume-obj', qType: 'resume-type' }, label: 'before' });
  const variable = await doc.createSessionVariable({ qName: 'vResume', qDefinition: '5' });

  await s.session.suspend();
  assert.equal((await rejectsWith(doc.getScript())).code, errorCodes.SESSION_SUSPENDED);

  const docChanged = once(doc, 'changed');
  const objChanged = once(obj, 'changed');
  const varChanged = once(variable, 'changed');
  const resumed = once(s.session, 'resumed');
  await s.session.resume(true); // onlyIfAttached: rejects if the session was not kept
  await resumed;
  await docChanged;
  await objChanged;
  await varChanged;

  assert.equal(await doc.getScript(), 'LOAD 7 AS resumed AUTOGENERATE 1;');
  const props = await obj.getProperties();
  assert.equal(props.label, 'before');
  assert.equal(props.qInfo.qId, 'resume-obj');
  const layout = await variable.getLayout();
  assert.equal(layout.qNum, 5);
  assert.equal((await s.global.getActiveDoc()).id, doc.id);
});

test('enigma.js resume(true) after the TTL expired is rejected as not attached', async () => {
  const s = await enigmaSession({ identity: 'suspend-expire', ttl: 1 });
  const doc = await s.global.createSessionApp();
  await s.session.suspend();
  await sleep(2200);
  const err = await rejectsWith(s.session.resume(true));
  assert.equal(err.code, errorCodes.SESSION_NOT_ATTACHED);
  // The doc of the expired session is gone for a new socket with that key
  // (resume's own socket made a new, empty session that this one may attach to).
  const fresh = await enigmaSession({ identity: 'suspend-expire', ttl: 1 });
  assert.equal((await rejectsWith(fresh.global.getActiveDoc())).code, 1007);
  assert.ok(doc.id.startsWith('SessionApp_'));
});

test('enigma.js resume() after the TTL expired reopens the app; session objects are closed', async () => {
  const setup = await enigmaSession({ identity: 'resume-reopen-setup' });
  const { qAppId } = await setup.global.createApp('Resume Reopen');
  const s = await enigmaSession({ appId: qAppId, identity: 'resume-reopen', ttl: 1 });
  const doc = await s.global.openDoc(qAppId);
  await doc.setScript('// saved before suspend');
  await doc.doSave();
  const obj = await doc.createSessionObject({ qInfo: { qId: 'ephemeral', qType: 'temp' } });
  const objClosed = once(obj, 'closed', 8000);
  const docChanged = once(doc, 'changed', 8000);

  await s.session.suspend();
  await sleep(2200);
  await s.session.resume(); // SESSION_CREATED: enigma.js falls back to OpenDoc
  await objClosed;
  await docChanged;
  assert.equal(await doc.getScript(), '// saved before suspend');
  assert.equal((await s.global.getActiveDoc()).id, qAppId);
  assert.equal((await rejectsWith(doc.getObject('ephemeral'))).message, 'Object not found');
});
