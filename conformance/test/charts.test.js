// More charts render from qixd in headless Chromium: the real sn-scatter-plot (3,000 points, more than it
// draws one by one: it asks GetHyperCubeBinnedData for a grid of cells), sn-line-chart, a stacked
// sn-bar-chart (two dimensions) and an sn-filter-pane whose search box narrows the list (SearchListObjectFor)
// and selects on Enter (AcceptListObjectSearch); the other charts follow the selection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEnigma, withTimeout } from './helpers.js';
import { browserHarness, loadedApp, openPage } from '../browser/harness.js';

const SCRIPT = `Sales:
LOAD * INLINE [
Region, Product, Month, Amount
North, Apples, 1, 10
North, Pears, 2, 5
South, Apples, 2, 7
East, Plums, 3, 3
South, Pears, 4, 9
];
Points:
LOAD RecNo() as Id, Mod(RecNo(), 60) as X, Div(RecNo(), 60) as Y AutoGenerate 3000;`;

const h = browserHarness();

const text = (page, selector) => page.locator(selector).innerText();

test('a binned scatter plot, a line chart, a stacked bar chart and a filter pane with search', async () => {
  const { qAppId } = await loadedApp(h, 'charts-setup', 'charts', SCRIPT);

  const page = await openPage(h, qAppId, { set: 'charts', height: 1800 });
  let report = await page.evaluate(() => ({ errors: window.qixd.errors, rendered: window.qixd.rendered }));
  assert.deepEqual(report, { errors: [], rendered: ['scatter', 'line', 'stacked', 'filter'] });

  // The scatter plot has more points than it draws: it asks for binned data, and draws the cells.
  await page.waitForFunction(() => window.qixd.methods.includes('GetHyperCubeBinnedData'), null, { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('#scatter canvas, #scatter svg'), null, { timeout: 20000 });

  // The line chart shows its months, the stacked bar chart its regions, the filter pane its values.
  await page.waitForFunction(() => document.querySelector('#line').innerText.includes('Month')
    && document.querySelector('#stacked').innerText.includes('South')
    && document.querySelector('#filter').innerText.includes('East'), null, { timeout: 20000 });
  const stacked = await text(page, '#stacked');
  for (const label of ['North', 'South', 'East', 'Region']) assert.ok(stacked.includes(label), `stacked bar shows ${label}: ${stacked}`);
  const filter = await text(page, '#filter');
  for (const label of ['North', 'South', 'East']) assert.ok(filter.includes(label), `filter pane shows ${label}: ${filter}`);

  // Search in the filter pane: open its search box, type, and the list narrows.
  await page.locator('#filter [data-testid="search-toggle-btn"]').first().click();
  const search = page.locator('#filter input').first();
  await search.waitFor({ timeout: 10000 });
  await search.fill('Sou');
  await page.waitForFunction(() => !document.querySelector('#filter').innerText.includes('East'), null, { timeout: 20000 });
  const narrowed = await text(page, '#filter');
  assert.ok(narrowed.includes('South'), narrowed);
  report = await page.evaluate(() => window.qixd.methods);
  assert.ok(report.includes('SearchListObjectFor'), report.join(','));
  await search.press('Enter');
  await page.waitForFunction(() => window.qixd.methods.includes('AcceptListObjectSearch'), null, { timeout: 20000 });
  // Confirm the selection (the listbox is in selection mode): the toolbar's confirm, or a click outside.
  const confirm = page.locator('[data-testid="actions-toolbar-confirm"], button[title="Confirm selection"]').first();
  if (await confirm.count()) await confirm.click();
  else await page.mouse.click(1200, 1750);

  // Another client of the session sees what the search selected; the stacked bars follow.
  const other = await openEnigma(h.server, { appId: qAppId });
  h.clients.push(other);
  const shared = await other.global.getActiveDoc();
  const deadline = Date.now() + 20000;
  let sum;
  while (Date.now() < deadline) {
    sum = await withTimeout(shared.evaluate('Sum(Amount)'), 5000, 'evaluate');
    if (sum === '16') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(sum, '16', 'South (7 + 9) selected by the search');
  await page.waitForFunction(() => !document.querySelector('#stacked').innerText.includes('East'), null, { timeout: 20000 });
  report = await page.evaluate(() => window.qixd.errors);
  assert.deepEqual(report, []);
  await page.close();
});
