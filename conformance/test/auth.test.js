// Server mode: JWT authentication on the WebSocket upgrade and the refusal of
// random app-less sessions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, openEnigma, rawConnect, upgradeStatus, makeJwt, nowSeconds,
} from './helpers.js';

const SECRET = 's3cret';
let server;

before(async () => { server = await startServer({ args: ['--mode', 'server', '--jwt-secret', SECRET] }); });
after(async () => { await server?.stop(); });

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const validToken = (claims = {}) => makeJwt({ sub: 'alice', exp: nowSeconds() + 300, ...claims }, { secret: SECRET });

test('server mode reports itself in /healthcheck and isDesktopMode', async () => {
  const { json } = await server.health();
  assert.equal(json.mode, 'server');
  const c = await rawConnect(server.wsUrl('/app/'), { headers: bearer(validToken({ sub: 'mode-check' })) });
  await c.onConnected();
  const res = await c.request('IsDesktopMode');
  assert.equal(res.result.qReturn, false);
  await c.close();
});

test('no token: the upgrade is refused with HTTP 401', async () => {
  assert.equal(await upgradeStatus(server.wsUrl('/app/')), 401);
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), { Authorization: 'Bearer' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), { Authorization: 'Bearer not.a.jwt' }), 401);
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 401);
});

test('expired token: 401', async () => {
  const token = makeJwt({ sub: 'alice', exp: nowSeconds() - 600 }, { secret: SECRET });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(token)), 401);
});

test('wrong signature: 401', async () => {
  const token = makeJwt({ sub: 'alice', exp: nowSeconds() + 300 }, { secret: 'not-the-secret' });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(token)), 401);
  // A valid token whose payload was altered after signing.
  const [h, , sig] = validToken().split('.');
  const forgedBody = Buffer.from(JSON.stringify({ sub: 'admin', exp: nowSeconds() + 300 })).toString('base64url');
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(`${h}.${forgedBody}.${sig}`)), 401);
});

test('alg none: 401', async () => {
  const token = makeJwt({ sub: 'alice', exp: nowSeconds() + 300 }, { alg: 'none' });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(token)), 401);
  // alg none with the HMAC signature of the same input left in place.
  const signed = makeJwt({ sub: 'alice', exp: nowSeconds() + 300 }, { secret: SECRET, header: { alg: 'none' } });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(signed)), 401);
});

test('an algorithm family that does not match the HS secret (RS256): 401', async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const token = makeJwt({ sub: 'alice', exp: nowSeconds() + 300 }, { alg: 'RS256', privateKey });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(token)), 401);
});

test('valid HS256 token connects; the user is JWT\\<sub> by default', async () => {
  const s = await openEnigma(server, { headers: bearer(validToken({ sub: 'carol' })) });
  try {
    assert.equal(s.state, 'SESSION_CREATED');
    assert.equal(await s.global.getAuthenticatedUser(), 'UserDirectory=JWT; UserId=carol');
  } finally {
    await s.close();
  }
});

test('the userDirectory claim sets the user directory', async () => {
  const s = await openEnigma(server, { headers: bearer(validToken({ sub: 'bob', userDirectory: 'CORP' })) });
  try {
    assert.equal(await s.global.getAuthenticatedUser(), 'UserDirectory=CORP; UserId=bob');
  } finally {
    await s.close();
  }
});

test('each JWT user gets their own default session', async () => {
  const a = await openEnigma(server, { headers: bearer(validToken({ sub: 'dave' })) });
  const a2 = await openEnigma(server, { headers: bearer(validToken({ sub: 'dave' })) });
  const b = await openEnigma(server, { headers: bearer(validToken({ sub: 'erin' })) });
  try {
    assert.equal(a.state, 'SESSION_CREATED');
    assert.equal(a2.state, 'SESSION_ATTACHED');
    assert.equal(b.state, 'SESSION_CREATED');
    assert.equal(await b.global.getAuthenticatedUser(), 'UserDirectory=JWT; UserId=erin');
  } finally {
    await a.close(); await a2.close(); await b.close();
  }
});

test('server mode refuses random sessions without an app with HTTP 403', async () => {
  const auth = bearer(validToken({ sub: 'frank' }));
  assert.equal(await upgradeStatus(server.wsUrl(`/app/identity/${crypto.randomUUID()}`), auth), 403);
  assert.equal(await upgradeStatus(server.wsUrl(`/app/engineData/identity/${crypto.randomUUID()}`), auth), 403);
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), { ...auth, 'X-Qlik-Session': crypto.randomUUID() }), 403);
  // Authentication comes first: without a token it is 401.
  assert.equal(await upgradeStatus(server.wsUrl(`/app/identity/${crypto.randomUUID()}`)), 401);
});

test('server mode allows /app/<id>/identity/<uuid> and the plain default /app/', async () => {
  const auth = bearer(validToken({ sub: 'grace' }));
  const plain = await openEnigma(server, { url: server.wsUrl('/app/'), headers: auth });
  try {
    assert.equal(plain.state, 'SESSION_CREATED');
    const { qAppId } = await plain.global.createApp('Server Mode App');
    const withIdentity = await openEnigma(server, { appId: qAppId, identity: crypto.randomUUID(), headers: auth });
    try {
      assert.equal(withIdentity.state, 'SESSION_CREATED');
      const doc = await withIdentity.global.openDoc(qAppId);
      assert.equal(doc.id, qAppId);
    } finally {
      await withIdentity.close();
    }
    const engineData = await openEnigma(server, { headers: auth }); // buildUrl: /app/engineData
    try {
      assert.equal(engineData.state, 'SESSION_ATTACHED', '/app/engineData is the same default session as /app/');
    } finally {
      await engineData.close();
    }
  } finally {
    await plain.close();
  }
});

test('HS384 and HS512 tokens signed with the secret are accepted (--jwt-secret covers HS256/HS384/HS512)', async () => {
  for (const alg of ['HS384', 'HS512']) {
    const token = makeJwt({ sub: `heidi-${alg}`, exp: nowSeconds() + 300 }, { secret: SECRET, alg });
    const c = await rawConnect(server.wsUrl('/app/'), { headers: bearer(token) });
    await c.onConnected();
    const res = await c.request('GetAuthenticatedUser');
    assert.equal(res.result.qReturn, `UserDirectory=JWT; UserId=heidi-${alg}`);
    await c.close();
  }
});

test('a token without sub or exp is refused: 401', async () => {
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(makeJwt({ sub: 'alice' }, { secret: SECRET }))), 401);
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(makeJwt({ exp: nowSeconds() + 300 }, { secret: SECRET }))), 401);
});

test('a token that is not valid yet (nbf in the future) is refused: 401', async () => {
  const token = makeJwt({ sub: 'early', exp: nowSeconds() + 600, nbf: nowSeconds() + 300 }, { secret: SECRET });
  assert.equal(await upgradeStatus(server.wsUrl('/app/'), bearer(token)), 401);
});

test('server mode with --trust-user-header: X-Qlik-User is the user, and required', async () => {
  const trusted = await startServer({ args: ['--mode', 'server', '--trust-user-header'] });
  try {
    assert.equal(await upgradeStatus(trusted.wsUrl('/app/')), 401);
    assert.equal(await upgradeStatus(trusted.wsUrl('/app/'), { 'X-Qlik-User': 'not a user' }), 401);
    const s = await openEnigma(trusted, { headers: { 'X-Qlik-User': 'UserDirectory=CORP; UserId=bob' } });
    try {
      assert.equal(await s.global.getAuthenticatedUser(), 'UserDirectory=CORP; UserId=bob');
    } finally {
      await s.close();
    }
  } finally {
    await trusted.stop();
  }
});

test('--jwt-public-key (RS256): valid RS256 connects; HS256 keyed with the PEM, alg none and another key are refused', async () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qixd-key-'));
  fs.writeFileSync(path.join(dir, 'public.pem'), pem);
  const rs = await startServer({ args: ['--mode', 'server', '--jwt-public-key', path.join(dir, 'public.pem')] });
  try {
    const claims = { sub: 'ivan', userDirectory: 'KEYS', exp: nowSeconds() + 300 };
    const s = await openEnigma(rs, { headers: bearer(makeJwt(claims, { alg: 'RS256', privateKey })) });
    try {
      assert.equal(await s.global.getAuthenticatedUser(), 'UserDirectory=KEYS; UserId=ivan');
    } finally {
      await s.close();
    }
    // Key confusion: an HMAC token whose secret is the public key text.
    assert.equal(await upgradeStatus(rs.wsUrl('/app/'), bearer(makeJwt(claims, { secret: pem }))), 401);
    assert.equal(await upgradeStatus(rs.wsUrl('/app/'), bearer(makeJwt(claims, { alg: 'none' }))), 401);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(await upgradeStatus(rs.wsUrl('/app/'), bearer(makeJwt(claims, { alg: 'RS256', privateKey: other.privateKey }))), 401);
    const expired = { ...claims, exp: nowSeconds() - 600 };
    assert.equal(await upgradeStatus(rs.wsUrl('/app/'), bearer(makeJwt(expired, { alg: 'RS256', privateKey }))), 401);
  } finally {
    await rs.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
