// sn-pivot-table renders from qixd: the real @nebula.js/sn-pivot-table (2.6.1) in headless Chromium over
// enigma.js, with its own default properties (qMode P, two left dimensions, collapsed, totals above, indent
// mode). Its rows come from the layout's qPivotDataPages; expanding every node (ExpandLeft from a second
// client of the same session) and a selection re-render it. The wire shapes are checked with enigma.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEnigma, SALES_SCRIPT } from './helpers.js';
import { browserHarness, loadedApp, openPage } from '../browser/harness.js';

const h = browserHarness();

const lines = async (page) => (await page.locator('#pivot').innerText()).split('\n').map((l) => l.trim()).filter(Boolean);

test('sn-pivot-table renders a pivot, expands it and follows a selection', async () => {
  const { qAppId } = await loadedApp(h, 'pivot-setup', 'pivot', SALES_SCRIPT);

  const page = await openPage(h, qAppId, { set: 'pivot', height: 900 });
  const report = await page.evaluate(() => ({ errors: window.qixd.errors, rendered: window.qixd.rendered }));
  assert.deepEqual(report, { errors: [], rendered: ['pivot'] });

  // Collapsed: one row per region with its sum; no product shows yet.
  await page.waitForFunction(() => /North/.test(document.querySelector('#pivot').innerText), null, { timeout: 20000 });
  let shown = (await lines(page)).join('|');
  for (const t of ['Region', 'East', 'North', 'South', '15', '7', '3']) assert.ok(shown.includes(t), `shows ${t}: ${shown}`);
  assert.ok(!shown.includes('Pears'), `collapsed: ${shown}`);

  // The same session's second client sees the object and its pivot layout.
  const other = await openEnigma(h.server, { appId: qAppId });
  h.clients.push(other);
  const shared = await other.global.getActiveDoc();
  const id = await page.evaluate(() => window.qixd.ids.pivot);
  const obj = await shared.getObject(id);
  const layout = await obj.getLayout();
  assert.equal(layout.qHyperCube.qMode, 'P');
  assert.deepEqual(layout.qHyperCube.qSize, { qcx: 1, qcy: 3 });
  assert.equal(layout.qHyperCube.qPivotDataPages[0].qLeft[0].qCanExpand, true);

  // Expanding every node re-renders the pivot with the products.
  await obj.expandLeft('/qHyperCubeDef', 0, 0, true);
  await page.waitForFunction(() => /Pears/.test(document.querySelector('#pivot').innerText), null, { timeout: 20000 });
  shown = (await lines(page)).join('|');
  for (const t of ['Apples', 'Pears', 'Plums', '10', '5']) assert.ok(shown.includes(t), `expanded shows ${t}: ${shown}`);
  const pages = await obj.getHyperCubePivotData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 10 }]);
  assert.equal(pages[0].qArea.qHeight, 4, 'four region/product rows');

  // A selection made elsewhere in the session: the pivot keeps only North.
  const region = await shared.getField('Region');
  await region.selectValues([{ qText: 'North' }]);
  await page.waitForFunction(() => !/South/.test(document.querySelector('#pivot').innerText), null, { timeout: 20000 });
  shown = (await lines(page)).join('|');
  assert.ok(shown.includes('North') && shown.includes('Pears') && !shown.includes('Plums'), shown);
  await page.close();
});
