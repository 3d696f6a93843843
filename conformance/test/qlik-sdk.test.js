// The qlik-sdk Python package (PyPI, Qlik's SDK for Qlik Cloud), unmodified, against qixd.
//
// What it does (read from qlik-sdk 0.17.0, qlik_sdk/rpc.py): an app's `open()` connects to
// "wss://" + <hostname of Config.host> + "/app/" + <app id> — always wss, always port 443 (the port in
// the host is dropped) — with `Authorization: Bearer <api_key>`, then calls OpenDoc(<app id>). So qixd
// listens with --tls-cert on port 443 of a loopback address of its own (127.x.y.z, so parallel runs do
// not meet), checks the key as a JWT (--jwt-secret), and the client trusts the test CA through
// websocket-client's WEBSOCKET_CLIENT_CA_BUNDLE. The Python side is conformance/clients/
// qlik_sdk_session_app.py, run in the venv the test command creates (conformance/.venv).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, makeJwt, makePki, nowSeconds, withTimeout, SALES_SCRIPT } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.ORACLE_PYTHON ?? path.resolve(here, '../.venv/bin/python');
const CLIENT = path.resolve(here, '../clients/qlik_sdk_session_app.py');
const SECRET = 'qlik-sdk-test-secret';
const octet = () => 1 + crypto.randomInt(254);
const SDK_HOST = `127.${octet()}.${octet()}.${octet()}`;

/** Whether this process may listen on SDK_HOST:443 (root, or a low ip_unprivileged_port_start). */
function canListen443() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(443, SDK_HOST, () => srv.close(() => resolve(true)));
  });
}
const port443 = await canListen443();

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Runs the Python client; resolves its JSON line. */
async function runClient(env, ...args) {
  const child = spawn(PYTHON, [CLIENT, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { err += c; });
  const code = await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 30000, 'the qlik-sdk client');
  return { code, err, result: code === 0 ? JSON.parse(out.trim().split('\n').pop()) : undefined };
}

test('qlik-sdk: apps.create_session_app(SessionApp_<id>).open() over wss:// port 443 with an API key (JWT)', {
  skip: port443 ? false : `this process may not listen on port 443 (qlik-sdk always connects to it)`,
}, async () => {
  assert.ok(fs.existsSync(PYTHON), `the conformance venv is missing at ${PYTHON} (scripts/test-all.sh creates it)`);
  const pki = makePki({ ips: [SDK_HOST] });
  cleanups.push(() => pki.cleanup());
  const server = await startServer({
    args: ['--mode', 'server', '--jwt-secret', SECRET, '--tls-cert', pki.file('server.pem'), '--tls-key', pki.file('server.key')],
    listen: { host: SDK_HOST, port: 443 },
    tls: { ca: pki.clientTls.ca },
  });
  cleanups.push(() => server.stop());
  const env = { WEBSOCKET_CLIENT_CA_BUNDLE: pki.file('ca.pem') };
  const appId = `SessionApp_${crypto.randomUUID()}`;
  const apiKey = makeJwt({ sub: 'erin', exp: nowSeconds() + 600 }, { secret: SECRET });

  const { code, err, result } = await runClient(env, `https://${SDK_HOST}`, apiKey, appId, SALES_SCRIPT);
  assert.equal(code, 0, err);
  assert.deepEqual(result, {
    user: 'UserDirectory=JWT; UserId=erin',
    reloaded: true,
    before: [['East', '3'], ['North', '15'], ['South', '7']],
    selected: true,
    after: [['East', '3'], ['South', '7']],
    title: appId,
  });

  // A key signed with another secret is refused at the upgrade: the client fails to connect.
  const forged = makeJwt({ sub: 'mallory', exp: nowSeconds() + 600 }, { secret: 'not-the-secret' });
  const refused = await runClient(env, `https://${SDK_HOST}`, forged, `SessionApp_${crypto.randomUUID()}`, SALES_SCRIPT);
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /FailedToConnect|401/);
});
