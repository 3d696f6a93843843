// What the tests that render in headless Chromium (Debian's `chromium`, driven by playwright-core) share:
// a qixd, the server of the browser page's files and Chromium, started before the file's tests and stopped
// after them; an app loaded by a script; the page of a set of charts connected to it.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer, openEnigma } from '../test/helpers.js';
import { serveBrowserFiles } from './serve.js';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Registers the file's before / after hooks; its fields are set once they ran. Enigma clients pushed on
 * `clients` are closed after the tests. */
export function browserHarness() {
  const h = { server: undefined, files: undefined, browser: undefined, clients: [] };
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`);
    h.server = await startServer();
    h.files = await serveBrowserFiles();
    h.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    for (const c of h.clients) await c.close();
    await h.browser?.close();
    await h.files?.close();
    await h.server?.stop();
  });
  return h;
}

/** A new app `title` loaded by `script` and saved, through a client of identity `identity`: its id. */
export async function loadedApp(h, identity, title, script) {
  const setup = await openEnigma(h.server, { identity });
  h.clients.push(setup);
  const { qAppId } = await setup.global.createApp(title);
  const doc = await setup.global.openDoc(qAppId);
  await doc.setScript(script);
  assert.equal(await doc.doReload(), true);
  await doc.doSave();
  return { qAppId };
}

/** The browser page of chart set `set` (the default set when undefined) connected to app `qAppId`, once it
 * says it is done. */
export async function openPage(h, qAppId, { set, height }) {
  const page = await h.browser.newPage({ viewport: { width: 1280, height } });
  const engine = h.server.buildUrl({ appId: qAppId });
  const which = set === undefined ? '' : `set=${set}&`;
  await page.goto(`http://127.0.0.1:${h.files.port}/?${which}engine=${encodeURIComponent(engine)}&app=${encodeURIComponent(qAppId)}`);
  await page.waitForFunction(() => window.qixd && window.qixd.done, null, { timeout: 30000 });
  return page;
}
