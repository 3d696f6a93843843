// JSON-RPC error handling at frame level (raw ws) and through enigma.js.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { startServer, openEnigma, rawConnect, rejectsWith } from './helpers.js';

let server;
let raw;

before(async () => {
  server = await startServer();
  raw = await rawConnect(server.wsUrl('/app/engineData/identity/errors'));
  await raw.onConnected();
});
after(async () => {
  await raw?.close();
  await server?.stop();
});

let goodId = 1000;
/** After a bad frame, the same socket still answers a good request. */
async function assertStillAnswers() {
  goodId += 1;
  const res = await raw.request('EngineVersion', -1, [], { id: goodId });
  assert.deepEqual(res, { jsonrpc: '2.0', id: goodId, result: { qVersion: { qComponentVersion: '12.2528.0' } } });
}

function assertErrorFrame(frame, { id, code }) {
  assert.equal(frame.jsonrpc, '2.0');
  assert.equal(frame.id, id);
  assert.equal(frame.result, undefined);
  assert.equal(typeof frame.error, 'object', `expected an error frame: ${JSON.stringify(frame)}`);
  assert.equal(frame.error.code, code, `error code in ${JSON.stringify(frame)}`);
  assert.equal(typeof frame.error.message, 'string');
  assert.ok(frame.error.message.length > 0);
  assert.ok(Object.prototype.hasOwnProperty.call(frame.error, 'parameter'), 'error has a parameter');
}

test('malformed JSON gives -32700 with id null', async () => {
  raw.sendRaw('{"jsonrpc":"2.0","id":5,"method":');
  assertErrorFrame(await raw.next((f) => f && f.error), { id: null, code: -32700 });
  await assertStillAnswers();
  raw.sendRaw('{bad');
  assertErrorFrame(await raw.next((f) => f && f.error), { id: null, code: -32700 });
  await assertStillAnswers();
});

test('a JSON value that is not an object gives -32600', async () => {
  for (const text of ['[1]', '42', '"str"', 'null']) {
    raw.sendRaw(text);
    const frame = await raw.next((f) => f && f.error);
    assertErrorFrame(frame, { id: null, code: -32600 });
    await assertStillAnswers();
  }
});

test('a request without a method gives -32600', async () => {
  raw.send({ jsonrpc: '2.0', id: 11, handle: -1, params: [] });
  assertErrorFrame(await raw.next((f) => f && f.id === 11), { id: 11, code: -32600 });
  await assertStillAnswers();
});

test('an unknown method on a valid handle gives -32601', async () => {
  const res = await raw.request('NoSuchMethod', -1, [], { id: 12 });
  assertErrorFrame(res, { id: 12, code: -32601 });
  await assertStillAnswers();
});

test('an unknown handle gives -32602 "Invalid handle"', async () => {
  const res = await raw.request('GetLayout', 4242, [], { id: 13 });
  assert.deepEqual(res, {
    jsonrpc: '2.0', id: 13, error: { code: -32602, parameter: 'Invalid handle', message: 'Invalid Params' },
  });
  await assertStillAnswers();
});

test('a wrong parameter type gives -32602', async () => {
  const res = await raw.request('OpenDoc', -1, [5], { id: 14 });
  assertErrorFrame(res, { id: 14, code: -32602 });
  await assertStillAnswers();
});

test('wrong parameter types on other methods give -32602, never a result', async () => {
  const side = await rawConnect(server.wsUrl('/app/engineData/identity/errors-types'));
  await side.onConnected();
  const app = await side.request('CreateSessionApp');
  assert.equal(app.error, undefined, JSON.stringify(app));
  const doc = app.result.qReturn.qHandle;
  const cases = [
    [-1, 'CreateApp', [1]],
    [-1, 'DeleteApp', [true]],
    [-1, 'GetActiveDoc', [1, 2, 3]],
    [doc, 'SetScript', [123]],
    [doc, 'GetObject', [{}]],
    [doc, 'CreateSessionObject', ['not an object']],
    [doc, 'CreateSessionVariable', [5]],
    [doc, 'GetVariableByName', [[1]]],
    [doc, 'SetAppProperties', ['x']],
  ];
  for (const [handle, method, params] of cases) {
    const res = await side.request(method, handle, params);
    assert.equal(res.result, undefined, `${method}(${JSON.stringify(params)}) must fail: ${JSON.stringify(res)}`);
    assert.equal(res.error.code, -32602, `${method}(${JSON.stringify(params)}): ${JSON.stringify(res)}`);
  }
  const ok = await side.request('GetScript', doc, []);
  assert.equal(typeof ok.result.qScript, 'string', 'the socket still answers');
  await side.close();
});

test('id 0 is a valid request id', async () => {
  const res = await raw.request('GetAuthenticatedUser', -1, [], { id: 0 });
  assert.equal(res.id, 0);
  assert.equal(res.error, undefined);
  assert.equal(res.result.qReturn, 'UserDirectory=Personal; UserId=Me');
});

test('named params work', async () => {
  const setup = await openEnigma(server, { identity: 'errors-named' });
  const { qAppId } = await setup.global.createApp('Named Params');
  await setup.close();

  const missing = await raw.request('OpenDoc', -1, { qDocName: 'no-such-app' }, { id: 15 });
  assertErrorFrame(missing, { id: 15, code: 1003 });

  const sock = await rawConnect(server.wsUrl(`/app/${qAppId}/identity/named`));
  await sock.onConnected();
  const opened = await sock.request('OpenDoc', -1, { qDocName: qAppId });
  assert.equal(opened.error, undefined, JSON.stringify(opened));
  assert.equal(opened.result.qReturn.qType, 'Doc');
  const doc = opened.result.qReturn.qHandle;
  const set = await sock.request('SetScript', doc, { qScript: 'LOAD 1 AS named AUTOGENERATE 1;' });
  assert.equal(set.error, undefined, JSON.stringify(set));
  const got = await sock.request('GetScript', doc, {});
  assert.equal(got.result.qScript, 'LOAD 1 AS named AUTOGENERATE 1;');
  await sock.close();
  await assertStillAnswers();
});

test('error responses carry the request id and no result', async () => {
  const res = await raw.request('OpenDoc', -1, ['missing-app'], { id: 'string-id' });
  assertErrorFrame(res, { id: 'string-id', code: 1003 });
});

test('pipelined requests are all answered, each with its own id', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => 5000 + i);
  for (const id of ids) raw.send({ jsonrpc: '2.0', id, method: 'GetUniqueID', handle: -1, params: [] });
  const frames = await Promise.all(ids.map((id) => raw.next((f) => f && f.id === id)));
  const uniq = new Set(frames.map((f) => f.result.qUniqueID));
  assert.equal(uniq.size, ids.length, 'every response carries its own result');
});

test('enigma.js surfaces engine errors with code, parameter and message', async () => {
  const s = await openEnigma(server, { identity: 'errors-enigma' });
  try {
    const err = await rejectsWith(s.global.openDoc('no-such-app'));
    assert.equal(err.code, 1003);
    assert.equal(typeof err.parameter, 'string');
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    // The session keeps working.
    assert.deepEqual(await s.global.engineVersion(), { qComponentVersion: '12.2528.0' });
  } finally {
    await s.close();
  }
});

test('a client close frame is answered with a close frame (clean close, code 1000)', async () => {
  const sock = await rawConnect(server.wsUrl('/app/engineData/identity/close-handshake'));
  await sock.onConnected();
  sock.ws.close(1000, 'bye');
  const info = await sock.closed;
  assert.equal(info.code, 1000, `close code seen by the client: ${info.code}`);
});

test('on the wire, the server echoes a Close frame before ending TCP', async () => {
  const bytes = await new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    s.on('connect', () => {
      const key = crypto.randomBytes(16).toString('base64');
      s.write(`GET /app/engineData/identity/tcp-close HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`
        + `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (!upgraded && end >= 0) {
        upgraded = true;
        buf = buf.subarray(end + 4);
        // Masked Close frame with status 1000.
        const mask = crypto.randomBytes(4);
        const payload = Buffer.from([0x03, 0xe8]).map((b, i) => b ^ mask[i % 4]);
        setTimeout(() => s.write(Buffer.concat([Buffer.from([0x88, 0x82]), mask, payload])), 100);
      }
    });
    s.on('close', () => resolve(buf));
    s.on('error', reject);
    setTimeout(() => { s.destroy(); reject(new Error('no TCP close within 3 s')); }, 3000);
  });
  // Frames after the 101: the OnConnected text frame, then a Close frame (opcode 0x8).
  let i = 0;
  const opcodes = [];
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let len = bytes[i + 1] & 0x7f;
    let off = 2;
    if (len === 126) { len = bytes.readUInt16BE(i + 2); off = 4; }
    else if (len === 127) { len = Number(bytes.readBigUInt64BE(i + 2)); off = 10; }
    opcodes.push(opcode);
    i += off + len;
  }
  assert.ok(opcodes.includes(0x8), `server frames after upgrade had opcodes ${JSON.stringify(opcodes)}`);
});
