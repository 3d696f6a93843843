// Shared helpers for the qixd conformance suite.
//
// Every test file starts its own qixd processes (startServer) on free ports of
// 127.0.0.1 with fresh temporary --apps-dir / --data-dir folders, and stops
// them at the end. Clients are either real enigma.js sessions (openEnigma) or
// raw `ws` sockets with a frame queue (rawConnect) for frame-level checks.
// Nothing here ever contacts an address other than 127.0.0.1.

import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);

export const enigma = require('enigma.js');
export const senseUtilities = require('enigma.js/sense-utilities');
// Newest 12.x schema shipped by enigma.js 2.15.0.
export const schema = require('enigma.js/schemas/12.2027.0.json');
export { WebSocket };

const HOST = '127.0.0.1';
const conformanceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const QIXD_BIN = process.env.QIXD_BIN
  ? path.resolve(process.env.QIXD_BIN)
  : path.resolve(conformanceDir, '../target/debug/qixd');

export const DESKTOP_USER = 'UserDirectory=Personal; UserId=Me';
export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A small sales table (Region, Product, Amount; Sum(Amount) = 25) several suites load. */
export const SALES_SCRIPT = `Sales:
LOAD * INLINE [
Region, Product, Amount
North, Apples, 10
North, Pears, 5
South, Apples, 7
East, Plums, 3
];`;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves `promise`, or rejects after `ms` with an error naming `what`. */
export function withTimeout(promise, ms, what = 'operation') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A free TCP port on 127.0.0.1: bind port 0, read the port, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * HTTP GET against host:port (127.0.0.1 unless given); resolves {status, headers, body}. With `tls`
 * ({ca, cert, key} PEM strings) it is an HTTPS GET that trusts `ca` and presents the client certificate.
 */
export function httpGet(port, urlPath, headers = {}, tls = undefined, host = HOST) {
  return new Promise((resolve, reject) => {
    const get = tls ? https.get : http.get;
    const req = get({ host, port, path: urlPath, headers, agent: false, ...(tls || {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

function cleanEnv() {
  // Do not let QIXD_* variables of the caller change the server under test.
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('QIXD_')) env[k] = v;
  }
  return env;
}

function mkTemp(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts qixd on a free port with fresh temp folders (unless appsDir/dataDir
 * are given) and waits until GET /healthcheck answers 200 (over HTTPS with
 * `tls` = {ca, cert, key} when the args make it serve wss://). `listen` = {host, port} replaces the
 * free port on 127.0.0.1 (for clients that only connect to a fixed port).
 */
export async function startServer({ args = [], appsDir, dataDir, startTimeoutMs = 15000, tls, listen } = {}) {
  if (!fs.existsSync(QIXD_BIN)) {
    throw new Error(`qixd binary not found at ${QIXD_BIN} (set QIXD_BIN or build it with cargo build)`);
  }
  const ownedDirs = [];
  if (!appsDir) { appsDir = mkTemp('qixd-apps-'); ownedDirs.push(appsDir); }
  if (!dataDir) { dataDir = mkTemp('qixd-data-'); ownedDirs.push(dataDir); }

  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const host = listen?.host ?? HOST;
    const port = listen?.port ?? await freePort();
    const fullArgs = ['--listen', `${host}:${port}`, '--apps-dir', appsDir, '--data-dir', dataDir, ...args];
    const proc = spawn(QIXD_BIN, fullArgs, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => { output = (output + chunk.toString()).slice(-20000); };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    let hasExited = false;
    exited.then(() => { hasExited = true; });

    const deadline = Date.now() + startTimeoutMs;
    let healthy = false;
    while (Date.now() < deadline && !hasExited) {
      try {
        const res = await httpGet(port, '/healthcheck', {}, tls, host);
        if (res.status === 200) { healthy = true; break; }
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    if (healthy) {
      return makeServerHandle({ host, port, proc, exited, appsDir, dataDir, ownedDirs, args: fullArgs, output: () => output, isExited: () => hasExited });
    }
    lastError = new Error(`qixd did not become healthy (args ${fullArgs.join(' ')}):\n${output}`);
    if (!hasExited) proc.kill('SIGKILL');
    await exited;
  }
  for (const d of ownedDirs) fs.rmSync(d, { recursive: true, force: true });
  throw lastError;
}

function makeServerHandle({ host, port, proc, exited, appsDir, dataDir, ownedDirs, args, output, isExited }) {
  return {
    host,
    port,
    pid: proc.pid,
    appsDir,
    dataDir,
    args,
    exited,
    output,
    /** ws://host:port + urlPath */
    wsUrl(urlPath) { return `ws://${host}:${port}${urlPath}`; },
    /** enigma.js sense-utilities URL for this server. */
    buildUrl({ appId, identity, ttl } = {}) {
      return senseUtilities.buildUrl({ host, port, secure: false, appId, identity, ttl });
    },
    async health() {
      const res = await httpGet(port, '/healthcheck', {}, undefined, host);
      return { status: res.status, json: JSON.parse(res.body) };
    },
    async metrics() {
      const res = await httpGet(port, '/metrics', {}, undefined, host);
      return { status: res.status, headers: res.headers, text: res.body };
    },
    /** Stops the process (SIGTERM, then SIGKILL after 5 s). keepDirs keeps the temp folders. */
    async stop({ keepDirs = false } = {}) {
      if (!isExited()) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => { if (!isExited()) proc.kill('SIGKILL'); }, 5000);
        await exited;
        clearTimeout(t);
      }
      if (!keepDirs) {
        for (const d of ownedDirs) fs.rmSync(d, { recursive: true, force: true });
      }
    },
    /** Removes the temp folders this handle created. */
    cleanup() {
      for (const d of ownedDirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Polls /healthcheck until pred(json) holds; returns the last json. */
export async function waitForHealth(server, pred, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = (await server.health()).json;
    if (pred(last)) return last;
    if (Date.now() > deadline) return last;
    await sleep(25);
  }
}

// ---------------------------------------------------------------- enigma.js

/**
 * Opens a real enigma.js session. The OnConnected listener is registered
 * before session.open(). Resolves
 * { session, global, state, notifications, close() }.
 */
export async function openEnigma(server, {
  appId, identity, ttl, headers = {}, url, suspendOnClose = false, timeoutMs = 5000,
} = {}) {
  const wsUrl = url ?? server.buildUrl({ appId, identity, ttl });
  const session = enigma.create({
    schema,
    url: wsUrl,
    suspendOnClose,
    createSocket: (u) => new WebSocket(u, { headers }),
  });
  const notifications = [];
  session.on('notification:*', (method, params) => notifications.push({ method, params }));
  const connected = new Promise((resolve) => {
    session.once('notification:OnConnected', (params) => resolve(params.qSessionState));
  });
  const global = await withTimeout(session.open(), timeoutMs, `enigma open ${wsUrl}`);
  const state = await withTimeout(connected, timeoutMs, `OnConnected on ${wsUrl}`);
  return {
    session,
    global,
    state,
    url: wsUrl,
    notifications,
    close: () => withTimeout(session.close().catch(() => {}), 5000, `close ${wsUrl}`),
  };
}

/** Asserts that promise rejects and returns the error. */
export async function rejectsWith(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Waits for `event` on an enigma API object (or any EventEmitter). */
export function once(emitter, event, timeoutMs = 2000) {
  return withTimeout(new Promise((resolve) => emitter.once(event, (...a) => resolve(a))), timeoutMs, `'${event}' event`);
}

/** Counts `event` emissions on an emitter; returns { count, events }. */
export function countEvents(emitter, event) {
  const counter = { count: 0 };
  emitter.on(event, () => { counter.count += 1; });
  return counter;
}

// -------------------------------------------------------------- raw ws

/**
 * A raw WebSocket client with a frame queue. Every text frame is parsed (when
 * it is JSON) and kept in `frames` until a waiter consumes it.
 */
export class RawClient {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];       // unconsumed frames: { raw, json }
    this.all = [];          // every frame ever received
    this.waiters = [];
    this.nextId = 1;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const w of this.waiters.splice(0)) w.reject(new Error(`socket closed (${code}) while waiting for a frame`));
      });
    });
    ws.on('error', (err) => { this.lastError = err; });
    ws.on('message', (data, isBinary) => {
      const raw = isBinary ? data : data.toString();
      let json;
      try { json = JSON.parse(raw); } catch { json = undefined; }
      const frame = { raw, json };
      this.all.push(frame);
      const idx = this.waiters.findIndex((w) => w.pred(frame.json, frame));
      if (idx >= 0) {
        const [w] = this.waiters.splice(idx, 1);
        w.resolve(frame.json);
      } else {
        this.frames.push(frame);
      }
    });
  }

  /** Next frame (JSON) matching pred, consuming it from the queue. */
  next(pred = () => true, timeoutMs = 3000) {
    const idx = this.frames.findIndex((f) => pred(f.json, f));
    if (idx >= 0) return Promise.resolve(this.frames.splice(idx, 1)[0].json);
    if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code})`));
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve, reject };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; unconsumed: ${JSON.stringify(this.frames.map((f) => f.raw))}`));
      }, timeoutMs);
      waiter.resolve = (v) => { clearTimeout(timer); resolve(v); };
      waiter.reject = (e) => { clearTimeout(timer); reject(e); };
      this.waiters.push(waiter);
    });
  }

  /** Resolves true if no frame matching pred arrives within ms (already queued ones count). */
  async noFrame(pred = () => true, ms = 300) {
    try {
      const f = await this.next(pred, ms);
      return { arrived: true, frame: f };
    } catch {
      return { arrived: false };
    }
  }

  sendRaw(text) { this.ws.send(text); }

  send(obj) { this.ws.send(JSON.stringify(obj)); }

  /** Sends a JSON-RPC request and resolves the response frame with the same id. */
  request(method, handle = -1, params = [], { id, extra = {}, timeoutMs = 3000 } = {}) {
    const reqId = id ?? this.nextId++;
    this.send({ jsonrpc: '2.0', id: reqId, method, handle, params, ...extra });
    return this.next((f) => f && Object.prototype.hasOwnProperty.call(f, 'id') && f.id === reqId && !f.method, timeoutMs);
  }

  /** The OnConnected notification (consumed from the queue). */
  onConnected(timeoutMs = 3000) {
    return this.next((f) => f && f.method === 'OnConnected', timeoutMs);
  }

  close(code = 1000) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code);
    }
    // The server may or may not answer the close frame; do not hang on it.
    return withTimeout(this.closed, 5000, 'socket close').catch(() => { this.ws.terminate(); });
  }

  terminate() { this.ws.terminate(); return this.closed; }
}

/**
 * Opens a raw socket. Resolves a RawClient once open; rejects with an error
 * carrying `statusCode` when the server refuses the upgrade over HTTP.
 */
export function rawConnect(url, { headers = {}, maxPayload, timeoutMs = 5000 } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(maxPayload ? { maxPayload } : {}) });
    const client = new RawClient(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (req, res) => {
      const err = new Error(`upgrade refused with HTTP ${res.statusCode}`);
      err.statusCode = res.statusCode;
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => { err.body = body; reject(err); });
      res.on('error', () => reject(err));
      req.destroy();
    });
    ws.once('error', (err) => reject(err));
  }), timeoutMs, `connect ${url}`);
}

/** HTTP status of a WebSocket upgrade attempt: 101 when it is accepted. */
export async function upgradeStatus(url, headers = {}) {
  try {
    const client = await rawConnect(url, { headers });
    await client.close();
    return 101;
  } catch (err) {
    if (err.statusCode) return err.statusCode;
    throw err;
  }
}

// -------------------------------------------------------------- JWT

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Builds a JWT with node's crypto. alg: HS256/HS384/HS512 (secret), RS256 (privateKey), none. */
export function makeJwt(payload, { secret, alg = 'HS256', privateKey, header = {} } = {}) {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT', ...header }));
  const body = b64url(JSON.stringify(payload));
  const input = `${head}.${body}`;
  let sig = '';
  if (alg.startsWith('HS')) {
    sig = crypto.createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url');
  } else if (alg === 'RS256') {
    sig = crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');
  } else if (alg !== 'none') {
    throw new Error(`unsupported alg ${alg}`);
  }
  return `${input}.${sig}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Parses Prometheus text into [{ name, labels, value }]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) {
      for (const lm of m[2].slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Value of one metric sample (first match of name + labels subset), or undefined. */
export function metricValue(samples, name, labels = {}) {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : undefined;
}

// ------------------------------------------------- self-check
// `node --test test/` also runs this file (every .js under test/ is a test
// file for node's runner). When it is the entry file, check the helpers
// themselves against known answers instead of reporting an empty pass.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { test } = await import('node:test');
  const assert = (await import('node:assert/strict')).default;

  test('helpers: makeJwt matches the jwt.io HS256 reference token', () => {
    const token = makeJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, { secret: 'your-256-bit-secret' });
    assert.equal(token, 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
      + '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ'
      + '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
    assert.equal(makeJwt({ a: 1 }, { alg: 'none' }).split('.')[2], '');
  });

  test('helpers: parseMetrics reads labels and values', () => {
    const s = parseMetrics('# HELP x y\n# TYPE a counter\na 3\nb{method="Get",code="-1"} 4.5\nc_bucket{le="+Inf"} 7\n');
    assert.equal(metricValue(s, 'a'), 3);
    assert.equal(metricValue(s, 'b', { method: 'Get' }), 4.5);
    assert.equal(metricValue(s, 'b', { code: '-1' }), 4.5);
    assert.equal(metricValue(s, 'b', { method: 'Other' }), undefined);
    assert.equal(metricValue(s, 'c_bucket', { le: '+Inf' }), 7);
  });

  test('helpers: freePort returns a bindable port and buildUrl builds Qlik URLs', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    await new Promise((resolve, reject) => {
      const srv = net.createServer().once('error', reject).listen(port, HOST, () => srv.close(resolve));
    });
    assert.equal(senseUtilities.buildUrl({ host: HOST, port, secure: false, appId: 'a b', identity: 'i', ttl: 5 }),
      `ws://${HOST}:${port}/app/a%20b/identity/i/ttl/5`);
    assert.equal(senseUtilities.buildUrl({ host: HOST, port, secure: false }), `ws://${HOST}:${port}/app/engineData`);
  });
}

/**
 * A throwaway PKI made with the openssl command: a CA, a server certificate for `ips` (127.0.0.1 by
 * default) and a client certificate, also as a PKCS#12 file holding the CA (passphrase `pfx-pass`),
 * as Qlik exports client.pfx. Returns { dir, file(name), clientTls: {ca, cert, key}, pfx, cleanup() }.
 */
export function makePki({ ips = ['127.0.0.1'] } = {}) {
  const dir = mkTemp('qixd-pki-');
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ext = (name, text) => { fs.writeFileSync(path.join(dir, name), text); return name; };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=qixd test CA');
  const san = ips.map((ip) => `IP:${ip}`).join(',');
  for (const [name, extText] of [
    ['server', `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`],
    ['client', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'],
  ]) {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', ext(`${name}.ext`, extText));
  }
  run('pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-certfile', 'ca.pem',
    '-out', 'client.pfx', '-passout', 'pass:pfx-pass');
  const read = (name) => fs.readFileSync(path.join(dir, name));
  return {
    dir,
    file: (name) => path.join(dir, name),
    clientTls: { ca: read('ca.pem'), cert: read('client.pem'), key: read('client.key') },
    pfx: read('client.pfx'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
