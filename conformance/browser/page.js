// Renders nebula.js charts from the app named in the URL, connected to qixd through enigma.js — exactly as a
// web page would against a Qlik engine: sn-bar-chart, sn-table and sn-kpi, with `?set=pivot` an
// sn-pivot-table, with `?set=charts` an sn-scatter-plot, an sn-line-chart, a stacked sn-bar-chart and an
// sn-filter-pane. `window.qixd` reports progress, errors, the rendered objects' ids and the QIX methods
// the page called to the test driving the browser.
/* global enigma, stardust */
window.qixd = { errors: [], rendered: [], methods: [] };
window.addEventListener('error', (e) => window.qixd.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.qixd.errors.push(String(e.reason && (e.reason.message || e.reason))));

(async () => {
  const params = new URLSearchParams(window.location.search);
  const schema = await (await fetch('/nm/enigma.js/schemas/12.2027.0.json')).json();
  const requestInterceptors = [{
    onFulfilled: (_session, request) => {
      window.qixd.methods.push(request.method);
      return request;
    },
  }];
  const session = enigma.create({ schema, url: params.get('engine'), requestInterceptors });
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
      { name: 'scatterplot', load: () => Promise.resolve(window['sn-scatter-plot']) },
      { name: 'linechart', load: () => Promise.resolve(window['sn-line-chart']) },
      { name: 'filterpane', load: () => Promise.resolve(window['sn-filter-pane']) },
    ],
  });
  const sets = {
    pivot: [['pivot', 'pivot-table', ['Region', 'Product', '=Sum(Amount)']]],
    charts: [
      ['scatter', 'scatterplot', ['Id', '=Sum(X)', '=Sum(Y)']],
      ['line', 'linechart', ['Month', '=Sum(Amount)']],
      ['stacked', 'barchart', ['Region', 'Product', '=Sum(Amount)'], { barGrouping: { grouping: 'stacked' } }],
      ['filter', 'filterpane', ['Region']],
    ],
    default: [
      ['bar', 'barchart', ['Region', '=Sum(Amount)']],
      ['table', 'table', ['Region', 'Product', '=Sum(Amount)']],
      ['kpi', 'kpi', ['=Sum(Amount)']],
    ],
  };
  const charts = sets[params.get('set')] ?? sets.default;
  window.qixd.ids = {};
  for (const [id, type, fields, properties] of charts) {
    try {
      const viz = await n.render({ element: document.getElementById(id), type, fields, properties });
      window.qixd.ids[id] = viz.id;
      window.qixd.rendered.push(id);
    } catch (err) {
      window.qixd.errors.push(`${type}: ${err && (err.message || err)}`);
    }
  }
  window.qixd.done = true;
})().catch((err) => { window.qixd.errors.push(String(err && (err.stack || err))); window.qixd.done = true; });
