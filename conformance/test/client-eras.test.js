// Client eras through real enigma.js: Qlik Cloud's session apps on connect (a socket on
// /app/SessionApp_<id> finds its app with getActiveDoc, as enigma.js's Qlik Cloud examples do) and Qlik
// Core's apps created and opened by name (as corectl and Qlik Core scripts do).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, openEnigma, rejectsWith } from './helpers.js';

let server;
const open = [];

before(async () => { server = await startServer(); });
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

async function connect(options) {
  const s = await openEnigma(server, options);
  open.push(s);
  return s;
}

test('Qlik Cloud: a session app on connect, laid out and selected in', async () => {
  const appId = `SessionApp_${crypto.randomUUID()}`;
  const s = await connect({ appId });
  assert.equal(s.state, 'SESSION_CREATED');
  const doc = await s.global.getActiveDoc();
  assert.equal(doc.id, appId);
  await doc.setScript("T: LOAD RecNo() AS n, If(Even(RecNo()), 'even', 'odd') AS kind AUTOGENERATE 6;");
  assert.equal(await doc.doReload(), true);
  const cube = await doc.createSessionObject({
    qInfo: { qType: 'table' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['kind'] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(n)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 10 }],
    },
  });
  const sums = () => cube.getLayout().then((l) => Object.fromEntries(l.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qNum])));
  assert.deepEqual(await sums(), { even: 12, odd: 9 });
  await (await doc.getField('kind')).selectValues([{ qText: 'odd' }]);
  assert.deepEqual(await sums(), { odd: 9 });
  // OpenDoc of the same id is the same app; saving it is refused as for any session app.
  const again = await s.global.openDoc(appId);
  assert.equal(again.id, appId);
  assert.equal((await rejectsWith(doc.doSave())).code, 9009);
});

test('Qlik Core: apps created and opened by name', async () => {
  const name = `movies-${crypto.randomUUID().slice(0, 8)}.qvf`;
  const s = await connect({});
  const created = await s.global.createApp(name);
  assert.equal(created.qAppId, name);
  assert.equal((await rejectsWith(s.global.createApp(name))).code, 1000);
  const other = await connect({ appId: name });
  const doc = await other.global.openDoc(name);
  await doc.setScript('LOAD * INLINE [Movie, Year\nAlien, 1979\nHeat, 1995];');
  assert.equal(await doc.doReload(), true);
  await doc.doSave();
  const third = await connect({ appId: name.replace(/\.qvf$/, '') });
  const byStem = await third.global.openDoc(name.replace(/\.qvf$/, ''));
  assert.equal(await byStem.evaluate('Count(Movie)'), '2');
  assert.equal(await s.global.deleteApp(name), true);
  const fourth = await connect({ appId: 'elsewhere' });
  assert.equal((await rejectsWith(fourth.global.openDoc(name))).code, 1003);
});
