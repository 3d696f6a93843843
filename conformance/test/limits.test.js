// Server limits: --max-message-bytes and --max-sessions-per-user.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openEnigma, rawConnect, waitForHealth, enigma, schema, WebSocket,
} from './helpers.js';

test('--max-message-bytes: a larger frame closes that socket with 1009, others keep working', async () => {
  const server = await startServer({ args: ['--max-message-bytes', '1024'] });
  try {
    const victim = await rawConnect(server.wsUrl('/app/engineData/identity/big'));
    await victim.onConnected();
    const sibling = await rawConnect(server.wsUrl('/app/engineData/identity/big'));
    assert.equal((await sibling.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
    const other = await rawConnect(server.wsUrl('/app/engineData/identity/small'));
    await other.onConnected();

    // A frame of exactly the limit is still answered.
    const frameOf = (bytes, id) => {
      const base = JSON.stringify({ jsonrpc: '2.0', id, method: 'GetUniqueID', handle: -1, params: [], pad: '' });
      return JSON.stringify({ jsonrpc: '2.0', id, method: 'GetUniqueID', handle: -1, params: [], pad: 'x'.repeat(bytes - base.length) });
    };
    const exact = frameOf(1024, 98);
    assert.equal(Buffer.byteLength(exact), 1024);
    victim.sendRaw(exact);
    const ok = await victim.next((f) => f && f.id === 98);
    assert.equal(typeof ok.result.qUniqueID, 'string');

    const tooBig = frameOf(1025, 99);
    assert.equal(Buffer.byteLength(tooBig), 1025);
    victim.sendRaw(tooBig);
    const closed = await victim.closed;
    assert.equal(closed.code, 1009);
    assert.equal(victim.all.some((f) => f.json && f.json.id === 99 && f.json.result), false, 'the big request is not executed');

    // Other sockets, of the same session and of another one, keep working.
    const r1 = await sibling.request('EngineVersion');
    assert.deepEqual(r1.result, { qVersion: { qComponentVersion: '12.2528.0' } });
    const r2 = await other.request('EngineVersion');
    assert.deepEqual(r2.result, { qVersion: { qComponentVersion: '12.2528.0' } });
    const health = await waitForHealth(server, (h) => h.liveSockets === 2);
    assert.equal(health.liveSockets, 2);
    await sibling.close();
    await other.close();
  } finally {
    await server.stop();
  }
});

test('default limit: a 3 MB script with non-ASCII text round-trips intact', async () => {
  const server = await startServer();
  try {
    const s = await openEnigma(server, { identity: 'big-script' });
    const doc = await s.global.createSessionApp();
    const script = `// Åäö 😀 \u2028 "quotes" \\ back\n${'LOAD 1 AS x AUTOGENERATE 1;\n'.repeat(110000)}`;
    assert.ok(Buffer.byteLength(script) > 3_000_000);
    await doc.setScript(script);
    const back = await doc.getScript();
    assert.equal(back.length, script.length);
    assert.equal(back, script);
    await s.close();
  } finally {
    await server.stop();
  }
});

test('--max-sessions-per-user 2: the 3rd session is refused, attaching and other users still work', async () => {
  const server = await startServer({ args: ['--max-sessions-per-user', '2', '--trust-user-header'] });
  const bob = { 'X-Qlik-User': 'UserDirectory=CORP; UserId=bob' };
  const alice = { 'X-Qlik-User': 'UserDirectory=CORP; UserId=alice' };
  const sockets = [];
  const connect = async (path, headers) => { const c = await rawConnect(server.wsUrl(path), { headers }); sockets.push(c); return c; };
  try {
    const s1 = await connect('/app/engineData/identity/one', bob);
    assert.equal((await s1.onConnected()).params.qSessionState, 'SESSION_CREATED');
    const s2 = await connect('/app/engineData/identity/two', bob);
    assert.equal((await s2.onConnected()).params.qSessionState, 'SESSION_CREATED');

    const s3 = await connect('/app/engineData/identity/three', bob);
    const frame = await s3.next();
    assert.equal(frame.jsonrpc, '2.0');
    assert.equal(frame.method, 'OnMaxParallelSessionsExceeded');
    assert.equal(frame.params.severity, 'fatal');
    assert.equal(Object.prototype.hasOwnProperty.call(frame, 'id'), false);
    const closed = await s3.closed;
    assert.ok(closed.code >= 1000, `socket closed (${closed.code})`);
    assert.equal(s3.all.some((f) => f.json && f.json.method === 'OnConnected'), false, 'no OnConnected for a refused session');

    // Attaching to an existing session of the same user still works.
    const s1b = await connect('/app/engineData/identity/one', bob);
    assert.equal((await s1b.onConnected()).params.qSessionState, 'SESSION_ATTACHED');
    const user = await s1b.request('GetAuthenticatedUser');
    assert.equal(user.result.qReturn, 'UserDirectory=CORP; UserId=bob');

    // Another user is not affected.
    const a1 = await connect('/app/engineData/identity/three', alice);
    assert.equal((await a1.onConnected()).params.qSessionState, 'SESSION_CREATED');
    const a2 = await connect('/app/engineData/identity/four', alice);
    assert.equal((await a2.onConnected()).params.qSessionState, 'SESSION_CREATED');

    // Once one of bob's sessions ends, bob may open a new one.
    await s2.close();
    await waitForHealth(server, (h) => h.liveSessions === 3);
    const s4 = await connect('/app/engineData/identity/five', bob);
    assert.equal((await s4.onConnected()).params.qSessionState, 'SESSION_CREATED');
  } finally {
    for (const c of sockets) await c.close();
    await server.stop();
  }
});

test('--max-sessions-per-user through enigma.js: the fatal notification reaches the session', async () => {
  const server = await startServer({ args: ['--max-sessions-per-user', '1'] });
  const first = await openEnigma(server, { identity: 'only' });
  try {
    assert.equal(first.state, 'SESSION_CREATED');
    const session = enigma.create({
      schema, url: server.buildUrl({ identity: 'second' }), createSocket: (u) => new WebSocket(u),
    });
    const notified = new Promise((resolve) => session.on('notification:OnMaxParallelSessionsExceeded', resolve));
    const closed = new Promise((resolve) => session.on('closed', resolve));
    await session.open().catch(() => {});
    const params = await notified;
    assert.equal(params.severity, 'fatal');
    await closed;
    // The first session is unaffected.
    assert.deepEqual(await first.global.engineVersion(), { qComponentVersion: '12.2528.0' });
  } finally {
    await first.close();
    await server.stop();
  }
});
