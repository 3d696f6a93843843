// nebula.js renders from qixd: the real @nebula.js/stardust with sn-bar-chart, sn-table and sn-kpi in
// headless Chromium (Debian's `chromium`, driven by playwright-core), connected through enigma.js to an
// app loaded by a script. A click on a bar selects in the App session; a second client of that session
// (attached, not created) sees the selection, and the table and KPI on the page update.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEnigma, withTimeout, SALES_SCRIPT } from './helpers.js';
import { browserHarness, loadedApp, openPage } from '../browser/harness.js';

const SCRIPT = SALES_SCRIPT;

const h = browserHarness();

const text = (page, selector) => page.locator(selector).innerText();

test('a bar chart, a table and a KPI render, and a click on a bar selects', async () => {
  const { qAppId } = await loadedApp(h, 'nebula-setup', 'nebula', SCRIPT);

  const page = await openPage(h, qAppId, { height: 1400 });
  const report = await page.evaluate(() => ({ errors: window.qixd.errors, rendered: window.qixd.rendered }));
  assert.deepEqual(report, { errors: [], rendered: ['bar', 'table', 'kpi'] });

  // What is on screen comes from the engine's layouts.
  await page.waitForFunction(() => document.querySelector('#kpi').innerText.includes('25')
    && document.querySelector('#bar').innerText.includes('East')
    && document.querySelector('#table').innerText.includes('Plums'), null, { timeout: 20000 });
  const bar = await text(page, '#bar');
  for (const label of ['North', 'South', 'East', 'Region']) assert.ok(bar.includes(label), `bar chart shows ${label}: ${bar}`);
  const table = (await text(page, '#table')).split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(table.join('|').includes('Totals|25|East|Plums|3|North|Apples|10|North|Pears|5|South|Apples|7'), table.join('|'));

  // Click the North bar: just above its axis label.
  const label = await page.locator('#bar').getByText('North', { exact: true }).boundingBox();
  await page.mouse.click(label.x + label.width / 2, label.y - 40);
  // Each chart re-renders on its own once its layout changes: wait for the KPI and the table.
  await page.waitForFunction(() => document.querySelector('#kpi').innerText.includes('15')
    && !document.querySelector('#table').innerText.includes('South'), null, { timeout: 20000 });

  // Another client of the same App session sees the selection the page made.
  const other = await openEnigma(h.server, { appId: qAppId });
  h.clients.push(other);
  assert.equal(other.state, 'SESSION_ATTACHED');
  const shared = await other.global.getActiveDoc();
  assert.equal(await withTimeout(shared.evaluate('Sum(Amount)'), 5000, 'evaluate'), '15');
  const afterClick = (await text(page, '#table')).split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(afterClick.join('|').includes('Totals|15|North|Apples|10|North|Pears|5'), afterClick.join('|'));
  assert.ok(!afterClick.includes('South'), 'the table lost the unselected rows');
  await page.close();
});
