// Renders nebula.js charts from the app named in the URL, connected to qixd through enigma.js — exactly as a
// web page would against a Qlik engine: sn-bar-chart, sn-table and sn-kpi, or with `?set=pivot` an
// sn-pivot-table. `window.qixd` reports progress, errors and the rendered objects' ids to the test driving
// the browser.
/* global enigma, stardust */
window.qixd = { errors: [], rendered: [] };
window.addEventListener('error', (e) => window.qixd.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.qixd.errors.push(String(e.reason && (e.reason.message || e.reason))));

(async () => {
  const params = new URLSearchParams(window.location.search);
  const schema = await (await fetch('/nm/enigma.js/schemas/12.2027.0.json')).json();
  const session = enigma.create({ schema, url: params.get('engine') });
  const global = await session.open();
  const app = await global.openDoc(params.get('app'));
  window.qixd.app = app;
  const n = stardust.embed(app, {
    context: { theme: 'light', language: 'en-US' },
    types: [
      { name: 'barchart', load: () => Promise.resolve(window['sn-bar-chart']) },
      { name: 'table', load: () => Promise.resolve(window['sn-table']) },
      { name: 'kpi', load: () => Promise.resolve(window['sn-kpi']) },
      { name: 'pivot-table', load: () => Promise.resolve(window['sn-pivot-table']) },
    ],
  });
  const charts = params.get('set') === 'pivot'
    ? [['pivot', 'pivot-table', ['Region', 'Product', '=Sum(Amount)']]]
    : [
      ['bar', 'barchart', ['Region', '=Sum(Amount)']],
      ['table', 'table', ['Region', 'Product', '=Sum(Amount)']],
      ['kpi', 'kpi', ['=Sum(Amount)']],
    ];
  window.qixd.ids = {};
  for (const [id, type, fields] of charts) {
    try {
      const viz = await n.render({ element: document.getElementById(id), type, fields });
      window.qixd.ids[id] = viz.id;
      window.qixd.rendered.push(id);
    } catch (err) {
      window.qixd.errors.push(`${type}: ${err && (err.message || err)}`);
    }
  }
  window.qixd.done = true;
})().catch((err) => { window.qixd.errors.push(String(err && (err.stack || err))); window.qixd.done = true; });
