// QVD files other tools can read and write: a QVD that qixd STOREs is read back by pyqvd (a Python
// reader that shares nothing with qixd), and one that pyqvd writes is loaded by qixd. pyqvd runs in the
// local venv the test command creates (conformance/.venv).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, openEnigma } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.ORACLE_PYTHON ?? path.resolve(here, '../.venv/bin/python');
const INTEROP = path.resolve(here, '../oracle/qvd_interop.py');

let server;
const sessions = [];

before(async () => {
  assert.ok(fs.existsSync(PYTHON), `the venv is missing at ${PYTHON} (scripts/test-all.sh creates it)`);
  server = await startServer();
});
after(async () => {
  for (const s of sessions) await s.close();
  await server?.stop();
});

async function sessionApp(identity) {
  const s = await openEnigma(server, { identity });
  sessions.push(s);
  return s.global.createSessionApp();
}

test('pyqvd reads the QVD qixd stores', async () => {
  fs.mkdirSync(path.join(server.dataDir, 'interop'), { recursive: true });
  const doc = await sessionApp('qvd-out');
  await doc.setScript(`T:
LOAD * INLINE [
Name, Amount, Day
Anna, 1.5, 7
Bo, 2, 8
Åsa, 3, 7
];
STORE T INTO [lib://data/interop/out.qvd] (qvd);`);
  assert.equal(await doc.doReload(), true);
  const out = JSON.parse(execFileSync(PYTHON, [INTEROP, 'read', path.join(server.dataDir, 'interop', 'out.qvd')]));
  assert.deepEqual(out.columns, ['Name', 'Amount', 'Day']);
  assert.deepEqual(out.data, [['Anna', '1.5', '7'], ['Bo', '2', '8'], ['Åsa', '3', '7']]);
});

test('qixd loads the QVD pyqvd writes', async () => {
  fs.mkdirSync(path.join(server.dataDir, 'interop'), { recursive: true });
  execFileSync(PYTHON, [INTEROP, 'write', path.join(server.dataDir, 'interop', 'in.qvd')]);
  const doc = await sessionApp('qvd-in');
  await doc.setScript('P: LOAD * FROM [lib://data/interop/in.qvd] (qvd);');
  assert.equal(await doc.doReload(), true);
  assert.equal(await doc.evaluate('Sum(Amount)'), '3.5');
  assert.equal(await doc.evaluate("Concat(Name, ',', RecNo())"), 'Anna,Bo,Åsa');
  assert.equal(await doc.evaluate('NullCount(Amount)'), '1');
});
