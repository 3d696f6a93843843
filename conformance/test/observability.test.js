// /healthcheck and /metrics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, rawConnect, openEnigma, waitForHealth, parseMetrics, metricValue, sleep,
} from './helpers.js';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

async function samples() {
  const res = await server.metrics();
  assert.equal(res.status, 200);
  return parseMetrics(res.text);
}

test('/healthcheck answers JSON {status, version, uptimeSeconds, liveSessions, liveSockets, mode, nodeId}', async () => {
  const res = await server.health();
  assert.equal(res.status, 200);
  const h = res.json;
  assert.deepEqual(Object.keys(h).sort(), ['liveSessions', 'liveSockets', 'mode', 'nodeId', 'status', 'uptimeSeconds', 'version']);
  // The node a proxy reached (--node-id, by default host and port), also in the X-Qixd-Node header.
  assert.equal(typeof h.nodeId, 'string');
  assert.ok(h.nodeId.length > 0);
  assert.equal(h.status, 'ok');
  assert.equal(typeof h.version, 'string');
  assert.ok(h.version.length > 0);
  assert.equal(typeof h.uptimeSeconds, 'number');
  assert.ok(h.uptimeSeconds >= 0);
  assert.equal(h.mode, 'desktop');
  assert.equal(h.liveSessions, 0);
  assert.equal(h.liveSockets, 0);

  await sleep(50);
  const later = (await server.health()).json;
  assert.ok(later.uptimeSeconds > h.uptimeSeconds, 'uptime grows');
});

test('/healthcheck counts live sessions and sockets', async () => {
  const a = await rawConnect(server.wsUrl('/app/engineData/identity/hc-1'));
  await a.onConnected();
  const b = await rawConnect(server.wsUrl('/app/engineData/identity/hc-1'));
  await b.onConnected();
  const c = await rawConnect(server.wsUrl('/app/engineData/identity/hc-2'));
  await c.onConnected();
  const h = (await server.health()).json;
  assert.equal(h.liveSessions, 2);
  assert.equal(h.liveSockets, 3);
  await b.close();
  const h2 = await waitForHealth(server, (x) => x.liveSockets === 2);
  assert.equal(h2.liveSockets, 2);
  assert.equal(h2.liveSessions, 2);
  await a.close();
  await c.close();
  const h3 = await waitForHealth(server, (x) => x.liveSockets === 0 && x.liveSessions === 0);
  assert.deepEqual([h3.liveSessions, h3.liveSockets], [0, 0]);
});

test('/metrics is Prometheus text with the qixd metric families', async () => {
  // Make sure every labelled family has at least one sample.
  const c = await rawConnect(server.wsUrl('/app/engineData/identity/metrics-families'));
  await c.onConnected();
  await c.request('EngineVersion');
  await c.request('OpenDoc', -1, ['missing-app']);

  const res = await server.metrics();
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.text;
  const types = {
    qixd_sessions_live: 'gauge',
    qixd_sockets_live: 'gauge',
    qixd_sessions_created_total: 'counter',
    qixd_sessions_attached_total: 'counter',
    qixd_sessions_expired_total: 'counter',
    qixd_requests_total: 'counter',
    qixd_errors_total: 'counter',
    qixd_request_duration_seconds: 'histogram',
  };
  for (const [name, type] of Object.entries(types)) {
    assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `# TYPE line for ${name}`);
  }
  const s = parseMetrics(text);
  assert.equal(metricValue(s, 'qixd_sessions_live'), 1);
  assert.equal(metricValue(s, 'qixd_sockets_live'), 1);
  assert.ok(metricValue(s, 'qixd_requests_total', { method: 'EngineVersion' }) >= 1);
  assert.ok(metricValue(s, 'qixd_errors_total', { code: '1003' }) >= 1);
  assert.ok(s.some((x) => x.name === 'qixd_request_duration_seconds_bucket'), 'histogram buckets');
  await c.close();
});

test('/metrics counters move with the traffic', async () => {
  const s0 = await samples();
  const v = (s, name, labels) => metricValue(s, name, labels) ?? 0;

  const a = await rawConnect(server.wsUrl('/app/engineData/identity/metrics-count'));
  await a.onConnected();
  const b = await rawConnect(server.wsUrl('/app/engineData/identity/metrics-count'));
  await b.onConnected();
  for (let i = 0; i < 3; i += 1) await a.request('EngineVersion');
  await b.request('NoSuchMethod');
  await b.request('OpenDoc', -1, ['missing-app']);
  await b.request('GetLayout', 777);

  const s1 = await samples();
  assert.equal(v(s1, 'qixd_sessions_created_total') - v(s0, 'qixd_sessions_created_total'), 1);
  assert.equal(v(s1, 'qixd_sessions_attached_total') - v(s0, 'qixd_sessions_attached_total'), 1);
  assert.equal(v(s1, 'qixd_requests_total', { method: 'EngineVersion' }) - v(s0, 'qixd_requests_total', { method: 'EngineVersion' }), 3);
  assert.equal(v(s1, 'qixd_errors_total', { code: '-32601' }) - v(s0, 'qixd_errors_total', { code: '-32601' }), 1);
  assert.equal(v(s1, 'qixd_errors_total', { code: '1003' }) - v(s0, 'qixd_errors_total', { code: '1003' }), 1);
  assert.equal(v(s1, 'qixd_errors_total', { code: '-32602' }) - v(s0, 'qixd_errors_total', { code: '-32602' }), 1);
  assert.equal(v(s1, 'qixd_sockets_live'), 2);
  assert.equal(v(s1, 'qixd_sessions_live'), 1);

  // Histogram: cumulative buckets ending in +Inf == _count, and it grew.
  const buckets = s1.filter((x) => x.name === 'qixd_request_duration_seconds_bucket');
  assert.ok(buckets.length >= 2);
  for (let i = 1; i < buckets.length; i += 1) {
    assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
  }
  const inf = buckets.find((x) => x.labels.le === '+Inf');
  assert.ok(inf, 'a +Inf bucket');
  const count1 = v(s1, 'qixd_request_duration_seconds_count');
  assert.equal(inf.value, count1);
  assert.ok(count1 - v(s0, 'qixd_request_duration_seconds_count') >= 4);
  assert.ok(v(s1, 'qixd_request_duration_seconds_sum') >= v(s0, 'qixd_request_duration_seconds_sum'));
  await a.close();
  await b.close();
});

test('/metrics counts expired sessions after their TTL', async () => {
  const s0 = await samples();
  const before = metricValue(s0, 'qixd_sessions_expired_total') ?? 0;
  const e = await openEnigma(server, { identity: 'metrics-expire', ttl: 1 });
  await e.global.createSessionApp();
  await e.close();
  assert.equal((await server.health()).json.liveSessions, 1, 'the TTL session is still alive right after its socket closed');
  await sleep(1800);
  const h = await waitForHealth(server, (x) => x.liveSessions === 0, 2000);
  assert.equal(h.liveSessions, 0);
  const s1 = await samples();
  assert.equal((metricValue(s1, 'qixd_sessions_expired_total') ?? 0) - before, 1);
});
