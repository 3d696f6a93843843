// The cluster test (scripts/cluster-test.sh runs it): three qixd nodes on one shared apps folder behind
// HAProxy with deploy/haproxy/haproxy.cfg, all on 127.0.0.1.
//
//  1. 200 sessions x 2 sockets through the proxy: both sockets of a session land on one node (the
//     X-Qixd-Node header of the upgrade), the second is SESSION_ATTACHED, and the sessions spread over
//     the nodes within +-30% of even. The user is part of the key: 40 users of one app and identity, by a
//     JWT's sub or the X-Qlik-User header, each always reach one node (the same either way) and spread.
//  2. A save (with reloaded data) on one node is what a session on another node opens; saves of one app
//     racing from two nodes leave a whole app, the last one's.
//  3. kill -9 of one node: its sessions re-attach on other nodes from their snapshots (SESSION_ATTACHED,
//     objects by id, selections), the other sessions' sockets stay open and untouched, saved apps intact.
//  4. Rolling restart (SIGTERM, start again) of every node: saved apps intact, every session restored,
//     and an enigma.js session suspended before resumes after it.
//
// Env: QIXD_BIN (default ../target/debug/qixd), HAPROXY_BIN (default haproxy).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');
const enigma = require('enigma.js');
const schema = require('enigma.js/schemas/12.2027.0.json');

const HOST = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const QIXD_BIN = path.resolve(process.env.QIXD_BIN || path.join(repo, 'target/debug/qixd'));
const HAPROXY_BIN = process.env.HAPROXY_BIN || 'haproxy';
const SESSIONS = 200;
const VALUES = ['A', 'B', 'C', 'D', 'E'];
const APP_SCRIPT = `LOAD * INLINE [\nDim,Amount\n${VALUES.map((v, i) => `${v},${i + 1}`).join('\n')}\n];`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpGet(port, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: urlPath, headers, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function until(what, ms, check) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// ---- processes -------------------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qixd-cluster-'));
const shared = path.join(tmp, 'shared');
const children = new Set();

/** A qixd node: its id, port, and the running process (restartable on the same port). */
class Node {
  constructor(id, port) {
    this.id = id;
    this.port = port;
    this.proc = null;
    this.logFile = path.join(tmp, `${id}.log`);
  }

  async start() {
    const out = fs.openSync(this.logFile, 'a');
    this.proc = spawn(QIXD_BIN, [
      '--node-id', this.id, '--listen', `${HOST}:${this.port}`,
      '--apps-dir', path.join(shared, 'apps'), '--data-dir', path.join(shared, 'data'),
      '--max-session-ttl', '600',
    ], { stdio: ['ignore', out, out], env: { ...process.env, RUST_LOG: 'info' } });
    fs.closeSync(out);
    const proc = this.proc;
    children.add(proc);
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    }));
    await until(`${this.id} healthy`, 20000, async () => {
      const r = await httpGet(this.port, '/healthcheck');
      return r.status === 200 && JSON.parse(r.body).nodeId === this.id;
    });
  }

  async stop() {
    this.proc.kill('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(15000).then(() => null)]);
    assert.ok(exit, `${this.id} exits within 15 s of SIGTERM`);
    assert.deepEqual(exit, { code: 0, signal: null }, `${this.id} exits cleanly`);
  }

  async kill() {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

async function startProxy(port, nodes) {
  const cfg = path.join(repo, 'deploy/haproxy/haproxy.cfg');
  const env = { ...process.env, QIXD_PROXY_BIND: `${HOST}:${port}` };
  nodes.forEach((n, i) => { env[`QIXD_NODE${i + 1}`] = `${HOST}:${n.port}`; });
  const out = fs.openSync(path.join(tmp, 'haproxy.log'), 'a');
  const proc = spawn(HAPROXY_BIN, ['-db', '-f', cfg], { stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  await until('the proxy', 10000, async () => (await httpGet(port, '/healthcheck')).status === 200);
  return proc;
}

function cleanup() {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', cleanup);

// ---- a raw JSON-RPC client -------------------------------------------------------------------------

let proxyPort;

/** A socket through the proxy: resolves once OnConnected came, with the node that answered. */
function connect(urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${HOST}:${proxyPort}${urlPath}`, { headers });
    const sock = { ws, node: null, state: null, closed: null, pending: new Map(), nextId: 1 };
    sock.closedP = new Promise((r) => ws.on('close', (code) => { sock.closed = code; r(code); }));
    ws.on('upgrade', (res) => { sock.node = res.headers['x-qixd-node']; });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} for ${urlPath}`)));
    ws.on('error', (e) => reject(e));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.method === 'OnConnected') {
        sock.state = msg.params.qSessionState;
        resolve(sock);
      } else if (msg.id !== undefined && sock.pending.has(msg.id)) {
        const { ok, fail } = sock.pending.get(msg.id);
        sock.pending.delete(msg.id);
        if (msg.error) fail(new Error(`${JSON.stringify(msg.error)}`)); else ok(msg.result);
      }
    });
    ws.on('close', () => {
      for (const { fail } of sock.pending.values()) fail(new Error('socket closed'));
      sock.pending.clear();
      reject(new Error(`closed before OnConnected: ${urlPath}`));
    });
  });
}

/** Connects, retrying while the proxy has no node for the key yet (a node just went down). */
async function reconnect(urlPath) {
  return until(`a socket on ${urlPath}`, 15000, () => connect(urlPath).catch(() => null));
}

function call(sock, handle, method, params = []) {
  return new Promise((ok, fail) => {
    const id = sock.nextId++;
    sock.pending.set(id, { ok, fail });
    sock.ws.send(JSON.stringify({ jsonrpc: '2.0', id, handle, method, params }));
  });
}

const h = (r) => r.qReturn.qHandle;

function close(sock) {
  return new Promise((resolve) => {
    if (sock.ws.readyState === WebSocket.CLOSED) return resolve();
    sock.ws.once('close', resolve);
    sock.ws.close();
  });
}

/** In batches of `n`, as many clients would. */
async function inBatches(items, n, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += n) {
    out.push(...await Promise.all(items.slice(i, i + n).map(fn)));
  }
  return out;
}

async function selected(sock, doc) {
  const sel = await call(sock, doc, 'CreateSessionObject', [{ qInfo: { qType: 'sel' }, qSelectionObjectDef: {} }]);
  const layout = await call(sock, h(sel), 'GetLayout');
  await call(sock, doc, 'DestroySessionObject', [sel.qReturn.qGenericId]);
  return layout.qLayout.qSelectionObject.qSelections.map((s) => `${s.qField}=${s.qSelected}`).join(';');
}

async function cubeRows(sock, doc, dim) {
  const obj = await call(sock, doc, 'CreateSessionObject', [{
    qInfo: { qType: 'table' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: [dim] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 50 }],
    },
  }]);
  const layout = await call(sock, h(obj), 'GetLayout');
  await call(sock, doc, 'DestroySessionObject', [obj.qReturn.qGenericId]);
  return layout.qLayout.qHyperCube.qDataPages[0].qMatrix.map((r) => r.map((c) => c.qText).join(':'));
}

// ---- the test --------------------------------------------------------------------------------------

const url = (i) => `/app/cluster-app/identity/s${i}/ttl/300`;
const value = (i) => VALUES[i % VALUES.length];

/** Whether the snapshot files on disk hold every session with what checkSession asks for: its object
 *  and its selection. */
function snapshotsHold(sessions) {
  const dir = path.join(shared, 'apps', '.sessions');
  const byIdentity = new Map();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const f = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      byIdentity.set(f.identity, f);
    } catch {
      // Replaced between the listing and the read: read again at the next poll.
    }
  }
  return sessions.every((s) => {
    const doc = byIdentity.get(`s${s.i}`)?.doc;
    const selected = (doc?.selections?.$ ?? []).some((f) => f.name === 'Dim'
      && JSON.stringify(f.values).includes(JSON.stringify(value(s.i))));
    return Boolean(doc?.part?.objects?.[`obj-${s.i}`]) && selected;
  });
}

/** Whether the proxy sends sessions to node `n` (it marks a node up after its checks pass): some of a
 *  few session keys hash onto it, and a request with one of them is answered by it. */
async function proxyReaches(n) {
  for (let k = 0; k < 30; k += 1) {
    const r = await httpGet(proxyPort, `/app/probe/identity/p${k}`);
    if (r.headers['x-qixd-node'] === n.id) return true;
  }
  return false;
}

/** What session i must show: its object and its selection. */
async function checkSession(sock, i) {
  const doc = h(await call(sock, -1, 'GetActiveDoc'));
  const obj = await call(sock, doc, 'GetObject', [`obj-${i}`]);
  const props = await call(sock, h(obj), 'GetProperties');
  assert.equal(props.qProp.text, `session ${i}`);
  assert.equal(await selected(sock, doc), `Dim=${value(i)}`, `session ${i}'s selection`);
}

async function openSessions() {
  log(`opening ${SESSIONS} sessions x 2 sockets through the proxy`);
  const ids = [...Array(SESSIONS).keys()];
  const sessions = await inBatches(ids, 25, async (i) => {
    const a = await connect(url(i));
    const b = await connect(url(i));
    assert.equal(a.state, 'SESSION_CREATED', `session ${i} first socket`);
    assert.equal(b.state, 'SESSION_ATTACHED', `session ${i} second socket`);
    assert.ok(a.node, 'the upgrade names its node');
    assert.equal(b.node, a.node, `both sockets of session ${i} on one node`);
    const doc = h(await call(a, -1, 'OpenDoc', ['cluster-app']));
    const field = h(await call(a, doc, 'GetField', ['Dim']));
    await call(a, field, 'Select', [value(i)]);
    await call(a, doc, 'CreateSessionObject', [{ qInfo: { qId: `obj-${i}`, qType: 'note' }, text: `session ${i}` }]);
    await checkSession(b, i);
    return { i, a, b, node: a.node };
  });
  // The proxy keys a session as qixd does: X-Qlik-Session names the identity, the TTL is not part of
  // the key (each connection still sets the session's TTL: the latest wins, so these keep one).
  for (const s of sessions.slice(0, 20)) {
    const viaHeader = await connect('/app/cluster-app/ttl/300', { 'X-Qlik-Session': `s${s.i}` });
    assert.equal(viaHeader.state, 'SESSION_ATTACHED', `session ${s.i} through X-Qlik-Session`);
    assert.equal(viaHeader.node, s.node, `session ${s.i} through X-Qlik-Session on its node`);
    const otherTtl = await connect(`/app/cluster-app/identity/s${s.i}/ttl/299`);
    assert.equal(otherTtl.state, 'SESSION_ATTACHED', `session ${s.i} with another /ttl`);
    assert.equal(otherTtl.node, s.node, `session ${s.i} with another /ttl on its node`);
    await Promise.all([close(viaHeader), close(otherTtl)]);
  }
  const counts = {};
  for (const s of sessions) counts[s.node] = (counts[s.node] || 0) + 1;
  log('sessions per node:', JSON.stringify(counts));
  assert.equal(Object.keys(counts).length, 3, 'every node has sessions');
  const even = SESSIONS / 3;
  for (const [node, n] of Object.entries(counts)) {
    assert.ok(n >= even * 0.7 && n <= even * 1.3, `${node} has ${n} sessions, within +-30% of ${even.toFixed(1)}`);
  }
  return sessions;
}

/** A JWT with `sub` (HAProxy reads its payload to route; it does not check the signature, the node does). */
function jwtWith(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub })}.c2lnbmF0dXJl`;
}

/** The user is part of the routing key, from a JWT's sub or the trusted user header: one user's session
 *  always reaches one node, the same user named either way reaches the same node, and users of the same
 *  app and identity spread over the nodes. (Plain requests: every answer names its node.) */
async function routesByUser() {
  log('routing by user: JWT sub and X-Qlik-User');
  const path = '/app/cluster-app/identity/same';
  const nodes = new Set();
  for (let u = 0; u < 40; u += 1) {
    const byJwt = await httpGet(proxyPort, path, { Authorization: `Bearer ${jwtWith(`user${u}`)}` });
    const again = await httpGet(proxyPort, `${path}/ttl/5`, { Authorization: `Bearer ${jwtWith(`user${u}`)}` });
    const byHeader = await httpGet(proxyPort, path, { 'X-Qlik-User': `user${u}` });
    const node = byJwt.headers['x-qixd-node'];
    assert.ok(node, 'every answer names its node');
    assert.equal(again.headers['x-qixd-node'], node, `user${u}'s session on one node`);
    assert.equal(byHeader.headers['x-qixd-node'], node, `user${u} by JWT and by header on one node`);
    nodes.add(node);
  }
  assert.equal(nodes.size, 3, `40 users of one app and identity spread over the nodes (${[...nodes]})`);
}

/** Two sessions on two different nodes (identities tried until the hash puts them apart). */
async function onTwoNodes(prefix) {
  const first = await connect(`/app/saved-app/identity/${prefix}0`);
  for (let k = 1; k < 50; k += 1) {
    const other = await connect(`/app/saved-app/identity/${prefix}${k}`);
    if (other.node !== first.node) return [first, other];
    await close(other);
  }
  throw new Error('no two identities on two nodes');
}

async function saveSeenElsewhere() {
  log('a save on one node, opened from another');
  const [writer, reader] = await onTwoNodes('rw');
  await call(writer, -1, 'CreateApp', ['saved-app']);
  const wdoc = h(await call(writer, -1, 'OpenDoc', ['saved-app']));
  await call(writer, wdoc, 'SetScript', [APP_SCRIPT]);
  await call(writer, wdoc, 'DoReload');
  await call(writer, wdoc, 'CreateObject', [{ qInfo: { qId: 'saved-obj', qType: 'note' }, text: 'saved' }]);
  await call(writer, wdoc, 'DoSave');
  const rdoc = h(await call(reader, -1, 'OpenDoc', ['saved-app']));
  const props = await call(reader, h(await call(reader, rdoc, 'GetObject', ['saved-obj'])), 'GetProperties');
  assert.equal(props.qProp.text, 'saved', `${reader.node} sees the object ${writer.node} saved`);
  assert.deepEqual(await cubeRows(reader, rdoc, 'Dim'), ['A:1', 'B:2', 'C:3', 'D:4', 'E:5'],
    'the data the writer reloaded, without a reload on the reader');
  log(`saved on ${writer.node}, seen on ${reader.node}; racing saves from both`);
  const race = async (sock, doc, tag) => {
    for (let k = 0; k < 5; k += 1) {
      await call(sock, doc, 'SetScript', [`${APP_SCRIPT}\n// ${tag} ${k}`]);
      await call(sock, doc, 'DoReload');
      await call(sock, doc, 'DoSave');
    }
  };
  await Promise.all([race(writer, wdoc, 'writer'), race(reader, rdoc, 'reader')]);
  await Promise.all([close(writer), close(reader)]);
  await checkSavedApp(/\/\/ (writer|reader) 4$/);
}

/** The saved app opens whole on some node: its object, its data, a script one of the racers saved. */
async function checkSavedApp(scriptEnd = /\/\/ (writer|reader) 4$/) {
  const c = await reconnect('/app/saved-app/identity/checker');
  const doc = h(await call(c, -1, 'OpenDoc', ['saved-app']));
  const script = (await call(c, doc, 'GetScript')).qScript;
  assert.match(script, scriptEnd, 'the last save wins whole');
  const props = await call(c, h(await call(c, doc, 'GetObject', ['saved-obj'])), 'GetProperties');
  assert.equal(props.qProp.text, 'saved');
  assert.deepEqual(await cubeRows(c, doc, 'Dim'), ['A:1', 'B:2', 'C:3', 'D:4', 'E:5']);
  await close(c);
}

async function killOne(nodes, sessions) {
  const victim = nodes[1];
  const mine = sessions.filter((s) => s.node === victim.id);
  const others = sessions.filter((s) => s.node !== victim.id);
  await until('every session in its snapshot', 15000, () => snapshotsHold(sessions));
  log(`kill -9 ${victim.id} (${mine.length} sessions)`);
  await victim.kill();
  await until(`the sockets of ${victim.id} to close`, 10000, () => mine.every((s) => s.a.closed !== null));
  await inBatches(mine, 20, async (s) => {
    const c = await reconnect(url(s.i));
    assert.equal(c.state, 'SESSION_ATTACHED', `session ${s.i} restored from its snapshot`);
    assert.notEqual(c.node, victim.id);
    await checkSession(c, s.i);
    s.a = c;
    s.node = c.node;
    s.b = null;
  });
  log(`${mine.length} sessions re-attached on other nodes`);
  for (const s of others) {
    assert.equal(s.a.closed, null, `session ${s.i} on ${s.node} keeps its sockets`);
    assert.equal(s.b.closed, null, `session ${s.i} on ${s.node} keeps its sockets`);
  }
  await inBatches(others, 25, (s) => checkSession(s.b, s.i));
  log(`${others.length} other sessions untouched`);
  await checkSavedApp();
  return victim;
}

async function rollingRestart(nodes, victim, sessions) {
  log(`starting ${victim.id} again`);
  await victim.start();
  // An enigma.js session, suspended across the restart of its node.
  const e = enigma.create({ schema, url: `ws://${HOST}:${proxyPort}/app/cluster-app/identity/enigma/ttl/300`,
    createSocket: (u) => new WebSocket(u) });
  const global = await e.open();
  const app = await global.openDoc('cluster-app');
  const note = await app.createSessionObject({ qInfo: { qId: 'enigma-obj', qType: 'note' }, text: 'resumed' });
  await e.suspend();
  for (const n of nodes) {
    log(`rolling restart: ${n.id}`);
    await n.stop();
    await n.start();
    await until(`the proxy to send sessions to ${n.id} again`, 15000, () => proxyReaches(n));
  }
  for (const s of sessions) {
    assert.notEqual(s.a.closed, null, 'every node restarted: its sockets were closed');
  }
  await e.resume(true);
  assert.equal((await note.getProperties()).text, 'resumed', 'enigma.js resumed with its object');
  await e.close();
  await inBatches(sessions, 20, async (s) => {
    const c = await reconnect(url(s.i));
    assert.equal(c.state, 'SESSION_ATTACHED', `session ${s.i} restored after the rolling restart`);
    await checkSession(c, s.i);
    await close(c);
  });
  log(`${sessions.length} sessions restored after the rolling restart`);
  await checkSavedApp();
}

async function main() {
  assert.ok(fs.existsSync(QIXD_BIN), `no qixd binary at ${QIXD_BIN}`);
  fs.mkdirSync(path.join(shared, 'apps'), { recursive: true });
  fs.mkdirSync(path.join(shared, 'data'), { recursive: true });
  const nodes = [];
  for (const id of ['n1', 'n2', 'n3']) nodes.push(new Node(id, await freePort()));
  proxyPort = await freePort();
  await Promise.all(nodes.map((n) => n.start()));
  await startProxy(proxyPort, nodes);
  log(`3 nodes and HAProxy on ${HOST}:${proxyPort}; shared folder ${shared}`);
  const setup = await connect('/app/');
  const doc = h(await call(setup, -1, 'OpenDoc', [(await call(setup, -1, 'CreateApp', ['cluster-app'])).qAppId]));
  await call(setup, doc, 'SetScript', [APP_SCRIPT]);
  await call(setup, doc, 'DoReload');
  await call(setup, doc, 'DoSave');
  await close(setup);

  const sessions = await openSessions();
  await routesByUser();
  await saveSeenElsewhere();
  const victim = await killOne(nodes, sessions);
  await rollingRestart(nodes, victim, sessions);
  log('cluster test passed');
}

main().then(() => {
  cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}, (e) => {
  console.error(e);
  console.error(`logs kept in ${tmp}`);
  for (const f of fs.readdirSync(tmp).filter((f) => f.endsWith('.log'))) {
    const text = fs.readFileSync(path.join(tmp, f), 'utf8').split('\n').slice(-15).join('\n');
    console.error(`--- ${f} (last lines)\n${text}`);
  }
  cleanup();
  process.exit(1);
});
