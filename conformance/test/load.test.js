// 200 sockets attaching and detaching at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, rawConnect, waitForHealth, parseMetrics, metricValue,
} from './helpers.js';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const SHARED = 100;
const OWN = 100;

async function storm(round) {
  const urls = [];
  for (let i = 0; i < SHARED; i += 1) urls.push({ url: server.wsUrl(`/app/engineData/identity/storm-shared-${round}`), shared: true });
  for (let i = 0; i < OWN; i += 1) urls.push({ url: server.wsUrl(`/app/engineData/identity/storm-own-${round}-${i}`), shared: false });

  const results = await Promise.all(urls.map(async ({ url, shared }) => {
    const c = await rawConnect(url, { timeoutMs: 15000 });
    try {
      const hello = await c.onConnected(15000);
      const res = await c.request('GetUniqueID', -1, [], { timeoutMs: 15000 });
      return { shared, state: hello.params.qSessionState, ok: typeof res.result?.qUniqueID === 'string' };
    } finally {
      await c.close();
    }
  }));
  return results;
}

test('200 sockets at once (100 on one session, 100 on their own) all get OnConnected; nothing leaks', async () => {
  const m0 = parseMetrics((await server.metrics()).text);
  const created0 = metricValue(m0, 'qixd_sessions_created_total') ?? 0;
  const attached0 = metricValue(m0, 'qixd_sessions_attached_total') ?? 0;

  const results = await storm(1);
  assert.equal(results.length, SHARED + OWN);
  assert.ok(results.every((r) => r.ok), 'every socket answered a request');

  const shared = results.filter((r) => r.shared);
  const own = results.filter((r) => !r.shared);
  assert.ok(own.every((r) => r.state === 'SESSION_CREATED'), 'every own-session socket created its session');
  const sharedCreated = shared.filter((r) => r.state === 'SESSION_CREATED').length;
  // Sockets of the shared key may come and go; at least one created it, the
  // ones that overlapped with a live session attached.
  assert.ok(sharedCreated >= 1, 'the shared session was created');
  assert.equal(shared.filter((r) => r.state !== 'SESSION_CREATED' && r.state !== 'SESSION_ATTACHED').length, 0);

  const health = await waitForHealth(server, (h) => h.liveSockets === 0 && h.liveSessions === 0, 5000);
  assert.equal(health.liveSockets, 0);
  assert.equal(health.liveSessions, 0);

  const m1 = parseMetrics((await server.metrics()).text);
  assert.equal(metricValue(m1, 'qixd_sessions_created_total') - created0, OWN + sharedCreated);
  assert.equal(metricValue(m1, 'qixd_sessions_attached_total') - attached0, SHARED - sharedCreated);
  assert.equal(metricValue(m1, 'qixd_sockets_live'), 0);
  assert.equal(metricValue(m1, 'qixd_sessions_live'), 0);

  // The server still answers.
  const c = await rawConnect(server.wsUrl('/app/engineData/identity/after-storm'));
  assert.equal((await c.onConnected()).params.qSessionState, 'SESSION_CREATED');
  const res = await c.request('EngineVersion');
  assert.deepEqual(res.result, { qVersion: { qComponentVersion: '12.2528.0' } });
  await c.close();
});

test('100 sockets opened at once on one new key: exactly one SESSION_CREATED, 99 SESSION_ATTACHED', async () => {
  const url = server.wsUrl('/app/engineData/identity/held');
  const clients = await Promise.all(Array.from({ length: 100 }, () => rawConnect(url, { timeoutMs: 15000 })));
  const states = await Promise.all(clients.map((c) => c.onConnected(15000).then((f) => f.params.qSessionState)));
  assert.equal(states.filter((s) => s === 'SESSION_CREATED').length, 1);
  assert.equal(states.filter((s) => s === 'SESSION_ATTACHED').length, 99);
  const health = await server.health();
  assert.equal(health.json.liveSockets, 100);
  assert.equal(health.json.liveSessions, 1);
  await Promise.all(clients.map((c) => c.close()));
  const after = await waitForHealth(server, (h) => h.liveSockets === 0 && h.liveSessions === 0, 5000);
  assert.equal(after.liveSockets, 0);
  assert.equal(after.liveSessions, 0);
});

test('a second storm after the first behaves the same', async () => {
  const results = await storm(2);
  assert.equal(results.filter((r) => r.ok).length, SHARED + OWN);
  const health = await waitForHealth(server, (h) => h.liveSockets === 0 && h.liveSessions === 0, 5000);
  assert.deepEqual([health.liveSockets, health.liveSessions], [0, 0]);
});

test('20 sockets of one session racing: one createSessionApp wins (others 1002), same qId gives distinct objects', async () => {
  const url = server.wsUrl('/app/engineData/identity/race');
  const clients = await Promise.all(Array.from({ length: 20 }, () => rawConnect(url)));
  await Promise.all(clients.map((c) => c.onConnected()));
  const created = await Promise.all(clients.map((c) => c.request('CreateSessionApp')));
  const wins = created.filter((r) => r.result);
  assert.equal(wins.length, 1, 'exactly one session app is created');
  assert.deepEqual([...new Set(created.filter((r) => r.error).map((r) => r.error.code))], [1002]);

  const docs = await Promise.all(clients.map((c) => c.request('GetActiveDoc')));
  assert.equal(new Set(docs.map((d) => d.result.qReturn.qGenericId)).size, 1, 'all sockets see the same app');
  const objs = await Promise.all(clients.map((c, i) => c.request('CreateSessionObject', docs[i].result.qReturn.qHandle,
    [{ qInfo: { qId: 'contested', qType: 'race' } }])));
  const ids = objs.map((o) => o.result.qReturn.qGenericId);
  assert.equal(new Set(ids).size, 20, 'every object gets its own id');
  assert.equal(ids.filter((id) => id === 'contested').length, 1, 'exactly one keeps the requested qId');
  await Promise.all(clients.map((c) => c.close()));
});
