// Persistence of apps in --apps-dir across server restarts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, openEnigma, rejectsWith, rawConnect, withTimeout } from './helpers.js';

let appsDir;
before(() => { appsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qixd-persist-')); });
after(() => { fs.rmSync(appsDir, { recursive: true, force: true }); });

test('createApp + setScript + doSave survive a restart on the same --apps-dir', async () => {
  const first = await startServer({ appsDir });
  let appId;
  let removedId;
  try {
    const s = await openEnigma(first, { identity: 'persist-create' });
    ({ qAppId: appId } = await s.global.createApp('Persisted App'));
    ({ qAppId: removedId } = await s.global.createApp('Deleted Before Restart'));
    assert.equal(await s.global.deleteApp(removedId), true);
    await s.close();

    const o = await openEnigma(first, { appId });
    const doc = await o.global.openDoc(appId);
    await doc.setScript('LOAD 1 AS persisted AUTOGENERATE 1;');
    const props = await doc.getAppProperties();
    await doc.setAppProperties({ ...props, qTitle: 'Persisted App', note: 'kept' });
    await doc.createSessionObject({ qInfo: { qId: 'session-only', qType: 'temp' } });
    await doc.createSessionVariable({ qName: 'vSessionOnly', qDefinition: '1' });
    await doc.doSave();
    await o.close();
  } finally {
    await first.stop(); // SIGTERM
  }

  const second = await startServer({ appsDir });
  try {
    const s = await openEnigma(second, { identity: 'persist-check' });
    const list = await s.global.getDocList();
    const entry = list.find((d) => d.qDocId === appId);
    assert.ok(entry, `getDocList after restart lists ${appId}: ${JSON.stringify(list)}`);
    assert.equal(entry.qTitle, 'Persisted App');
    assert.equal(entry.qDocName, 'Persisted App');
    assert.equal(list.some((d) => d.qDocId === removedId), false, 'a deleted app stays deleted');
    await s.close();

    const o = await openEnigma(second, { appId });
    const doc = await o.global.openDoc(appId);
    assert.equal(await doc.getScript(), 'LOAD 1 AS persisted AUTOGENERATE 1;');
    const props = await doc.getAppProperties();
    assert.equal(props.qTitle, 'Persisted App');
    assert.equal(props.note, 'kept');
    const layout = await doc.getAppLayout();
    assert.equal(layout.qFileName, appId);
    assert.equal(layout.qHasScript, true);
    // Session objects and variables are never saved with the app.
    assert.equal((await rejectsWith(doc.getObject('session-only'))).message, 'Object not found');
    assert.equal((await rejectsWith(doc.getVariableByName('vSessionOnly'))).message, 'Object not found');
    await o.close();
  } finally {
    await second.stop();
  }
});

test('two apps saved by different sessions are both listed after a restart', async () => {
  const first = await startServer({ appsDir });
  const ids = [];
  try {
    for (const name of ['Alpha', 'Beta']) {
      const s = await openEnigma(first, { identity: `persist-${name}` });
      const { qAppId } = await s.global.createApp(name);
      await s.close();
      const o = await openEnigma(first, { appId: qAppId });
      const doc = await o.global.openDoc(qAppId);
      await doc.setScript(`// ${name}`);
      await doc.doSave();
      await o.close();
      ids.push(qAppId);
    }
  } finally {
    await first.stop();
  }
  const second = await startServer({ appsDir });
  try {
    const s = await openEnigma(second, { identity: 'persist-list' });
    const list = await s.global.getDocList();
    for (const [i, name] of ['Alpha', 'Beta'].entries()) {
      const entry = list.find((d) => d.qDocId === ids[i]);
      assert.ok(entry, `${name} is listed`);
      assert.equal(entry.qTitle, name);
    }
    await s.close();
    const o = await openEnigma(second, { appId: ids[1] });
    assert.equal(await (await o.global.openDoc(ids[1])).getScript(), '// Beta');
    await o.close();
  } finally {
    await second.stop();
  }
});

test('SIGTERM closes live sockets with 1001 and the process exits 0', async () => {
  const server = await startServer();
  const c = await rawConnect(server.wsUrl('/app/engineData/identity/shutdown/ttl/30'));
  await c.onConnected();
  const stopping = server.stop();
  const closed = await withTimeout(c.closed, 3000, 'close on shutdown');
  assert.equal(closed.code, 1001);
  await stopping;
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});
