// The hub qixd serves itself, in headless Chromium: an app page per tab (enigma.js + nebula.js from
// /hub/vendor/), two tabs of one session and one of another identity; a click on a bar in the first tab
// selects in its session, so the second tab's KPI follows and the third's does not. The inspector page
// (/sessions, fed by the server-sent event stream) shows the two sessions with 2 and 1 sockets, then the
// shared session detached with its TTL counting down, then gone. In server mode a non-admin gets 403.
// Screenshots go to conformance/artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, openEnigma, httpGet, SALES_SCRIPT } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const TTL = 4;

let server;
let browser;

// Objects as a script or the demo app makes them: with no chart defaults (the bar chart and the table
// name their `visualization` as a Qlik client writes it, the KPI does not).
const OBJECTS = [
  { qInfo: { qId: 'bar', qType: 'barchart' }, visualization: 'barchart', title: 'Amount by region',
    qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ['Region'] } }], qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 50 }] } },
  { qInfo: { qId: 'kpi', qType: 'kpi' }, title: 'Amount',
    qHyperCubeDef: { qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 1 }] } },
  { qInfo: { qId: 'table', qType: 'table' }, visualization: 'table', title: 'Sales',
    qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ['Region'] } }, { qDef: { qFieldDefs: ['Product'] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 3, qHeight: 50 }] } },
  { qInfo: { qId: 'scatter', qType: 'scatterplot' }, title: 'Amount and lines by product',
    qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ['Product'] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }, { qDef: { qDef: 'Count(Amount)' } }],
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 3, qHeight: 50 }] } },
  { qInfo: { qId: 'regions', qType: 'listbox' }, title: 'Region',
    qListObjectDef: { qDef: { qFieldDefs: ['Region'] }, qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 50 }] } },
];

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Makes the sales app with a bar chart, a KPI, a table and a list box; returns its id. */
async function makeApp() {
  const setup = await openEnigma(server, { identity: 'hub-setup' });
  const { qAppId } = await setup.global.createApp('Hub sales');
  const doc = await setup.global.openDoc(qAppId);
  await doc.setScript(SALES_SCRIPT);
  assert.equal(await doc.doReload(), true);
  for (const props of OBJECTS) await doc.createObject(props);
  await doc.doSave();
  await setup.close();
  return qAppId;
}

async function openAppTab(appId, identity) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1100 } });
  await page.goto(`http://127.0.0.1:${server.port}/hub/app.html?app=${encodeURIComponent(appId)}&identity=${identity}&ttl=${TTL}`);
  await page.waitForFunction(() => window.qixdHub && window.qixdHub.done, null, { timeout: 60000 });
  const report = await page.evaluate(() => ({ errors: window.qixdHub.errors, rendered: [...window.qixdHub.rendered].sort() }));
  assert.deepEqual(report, { errors: [], rendered: ['bar', 'kpi', 'regions', 'scatter', 'table'] });
  return page;
}

const kpiShows = (page, value) => page.waitForFunction(
  (v) => document.querySelector('[data-object-id="kpi"]').innerText.includes(v), value, { timeout: 20000 });

/** Waits until the inspector's rows are exactly `want` ({identity: sockets}). */
const inspectorShows = (page, want) => page.waitForFunction((w) => {
  const rows = [...document.querySelectorAll('#sessions tr')];
  const got = Object.fromEntries(rows.map((r) => [r.dataset.identity, Number(r.dataset.sockets)]));
  return JSON.stringify(got) === JSON.stringify(w);
}, want, { timeout: 20000 });

test('the app list, two tabs of one session move together, another identity does not, the inspector follows', async () => {
  const appId = await makeApp();
  const home = await browser.newPage();
  await home.goto(`http://127.0.0.1:${server.port}/`);
  await home.waitForSelector(`a[data-app-id="${appId}"]`, { timeout: 20000 });
  assert.equal(await home.locator(`a[data-app-id="${appId}"]`).innerText(), 'Hub sales');
  await home.close();

  const a = await openAppTab(appId, 'shared');
  const b = await openAppTab(appId, 'shared');
  const c = await openAppTab(appId, 'other');
  for (const page of [a, b, c]) await kpiShows(page, '25');
  // The scatter plot names its two measures on its axes.
  const scatter = await a.locator('[data-object-id="scatter"]').innerText();
  assert.ok(scatter.includes('Sum(Amount)') && scatter.includes('Count(Amount)'), scatter);
  assert.equal(await b.locator('#same-session').getAttribute('href'), b.url());
  assert.ok(!(await b.locator('#new-session').getAttribute('href')).includes('identity='));

  // Click the North bar in the first tab: just above its axis label.
  const label = await a.locator('[data-object-id="bar"]').getByText('North', { exact: true }).boundingBox();
  await a.mouse.click(label.x + label.width / 2, label.y - 40);
  await kpiShows(a, '15');
  await kpiShows(b, '15');
  await b.waitForFunction(() => !document.querySelector('[data-object-id="table"]').innerText.includes('South'), null, { timeout: 20000 });
  assert.ok((await c.locator('[data-object-id="kpi"]').innerText()).includes('25'), 'the other identity keeps its own selections');
  assert.ok((await c.locator('[data-object-id="table"]').innerText()).includes('South'));
  await a.screenshot({ path: path.join(ARTIFACTS, 'hub-app.png') });

  const inspector = await browser.newPage({ viewport: { width: 1400, height: 500 } });
  await inspector.goto(`http://127.0.0.1:${server.port}/sessions`);
  await inspectorShows(inspector, { shared: 2, other: 1 });
  const shared = await inspector.locator('tr[data-identity="shared"] td.selections').innerText();
  assert.ok(shared.includes('Region: North'), shared);
  await inspector.screenshot({ path: path.join(ARTIFACTS, 'sessions.png') });

  // Both tabs of the shared session close: it is detached, its TTL counts down, then it is gone.
  await a.close();
  await b.close();
  await inspectorShows(inspector, { shared: 0, other: 1 });
  const ttl = inspector.locator('tr[data-identity="shared"] td.ttl');
  const first = Number((await ttl.innerText()).match(/(\d+) s left/)?.[1]);
  assert.ok(first >= 1 && first <= TTL, `time left ${first}`);
  await inspector.waitForFunction((f) => {
    const cellText = document.querySelector('tr[data-identity="shared"] td.ttl')?.innerText ?? '';
    const m = cellText.match(/(\d+) s left/);
    return m && Number(m[1]) < f;
  }, first, { timeout: 5000 });
  await inspector.screenshot({ path: path.join(ARTIFACTS, 'sessions-detached.png') });
  await inspectorShows(inspector, { other: 1 });

  // "End" ends the other session: its tab is told, the inspector empties.
  await inspector.locator('tr[data-identity="other"] button').click();
  await inspectorShows(inspector, {});
  await c.waitForFunction(() => window.qixdHub.closed, null, { timeout: 10000 });
  const notice = await c.locator('#error').innerText();
  assert.match(notice, /The session was closed: Session ended by Personal\\Me/);
  await c.close();
  await inspector.close();
});

test('in server mode the inspector answers admins only', async () => {
  const guarded = await startServer({ args: ['--mode', 'server', '--trust-user-header', '--admin-users', 'CORP\\root'] });
  try {
    const api = (user) => httpGet(guarded.port, '/api/v1/sessions', user ? { 'X-Qlik-User': `UserDirectory=CORP; UserId=${user}` } : {});
    assert.equal((await api()).status, 401);
    assert.equal((await api('bob')).status, 403);
    assert.equal((await api('root')).status, 200);
    for (const [user, shows] of [['bob', '403'], ['root', 'Live']]) {
      const context = await browser.newContext({ extraHTTPHeaders: { 'X-Qlik-User': `UserDirectory=CORP; UserId=${user}` } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${guarded.port}/sessions`);
      await page.waitForFunction((s) => document.body.innerText.includes(s), shows, { timeout: 20000 });
      if (user === 'bob') {
        assert.ok((await page.locator('#error').innerText()).includes('admins'));
        await page.screenshot({ path: path.join(ARTIFACTS, 'sessions-403.png') });
      }
      await context.close();
    }
  } finally {
    await guarded.stop();
  }
});
