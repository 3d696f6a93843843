// An app's page: opens the app named in the URL with enigma.js in the session the URL names
// (`identity`, made up and put in the URL when absent, so the page's URL is the link to the same session),
// and lays out its objects with nebula.js: bar charts, scatter plots, tables and KPIs through their
// chart packages (each
// a session copy of the object, so nebula.js fills in the chart's defaults),
// list boxes through stardust's own field list box, and stardust's selections toolbar (current
// selections, clear, back, forward). `window.qixdHub` reports progress to tests.
/* global enigma, stardust */
window.qixdHub = { errors: [], rendered: [], done: false };

const CHARTS = {
  barchart: () => window['sn-bar-chart'],
  table: () => window['sn-table'],
  kpi: () => window['sn-kpi'],
  scatterplot: () => window['sn-scatter-plot'],
};

function newIdentity() {
  const bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The page's parameters; an identity is added to the URL when it has none. */
function sessionParams() {
  const url = new URL(window.location.href);
  const app = url.searchParams.get('app');
  if (!app) throw new Error('no app in the URL: open an app from the list at /');
  if (!url.searchParams.get('identity')) {
    url.searchParams.set('identity', newIdentity());
    window.history.replaceState(null, '', url);
  }
  const ttl = url.searchParams.get('ttl');
  return { url, app, identity: url.searchParams.get('identity'), ttl: /^\d+$/.test(ttl || '') ? ttl : null };
}

function engineUrl({ app, identity, ttl }) {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const path = `/app/${encodeURIComponent(app)}/identity/${encodeURIComponent(identity)}${ttl ? `/ttl/${ttl}` : ''}`;
  return `${scheme}://${window.location.host}${path}`;
}

function showLinks(params) {
  document.getElementById('same-session').href = params.url.toString();
  const fresh = new URL(params.url);
  fresh.searchParams.delete('identity');
  document.getElementById('new-session').href = fresh.toString();
  document.getElementById('session-info').textContent = `session identity ${params.identity}`;
}

function cell(id, title, small) {
  const box = document.createElement('div');
  box.className = 'cell';
  const h = document.createElement('h3');
  h.textContent = title;
  const viz = document.createElement('div');
  viz.className = small ? 'viz small' : 'viz';
  viz.dataset.objectId = id;
  box.append(h, viz);
  document.getElementById('grid').append(box);
  return viz;
}

/** The app's objects worth a cell: charts this page has a package for, and list boxes. */
async function objectsOf(app) {
  const infos = await app.getAllInfos();
  const shown = [];
  const skipped = [];
  for (const info of infos) {
    if (CHARTS[info.qType] || info.qType === 'listbox') shown.push(info);
    else if (!['dimension', 'measure', 'sheet', 'variable', 'bookmark', 'masterobject', 'appprops', 'LoadModel'].includes(info.qType)) skipped.push(`${info.qId} (${info.qType})`);
  }
  return { shown, skipped };
}

async function renderObject(n, app, info) {
  const props = await (await app.getObject(info.qId)).getProperties();
  // A copy another tab of this session made (below) is that tab's, not one of the app's objects.
  if (props.qixdHubCopyOf) return;
  const title = props.title || info.qId;
  if (info.qType === 'listbox') {
    const field = props.qListObjectDef && props.qListObjectDef.qDef && props.qListObjectDef.qDef.qFieldDefs[0];
    if (!field) throw new Error(`list box ${info.qId} names no field`);
    const fieldInstance = await n.field(field);
    fieldInstance.mount(cell(info.qId, title, false), { title });
  } else {
    // A session copy of the object's properties, of its type: nebula.js fills in the chart's default
    // properties, which objects made without a Qlik client (the demo app's) lack and the charts need.
    const { qInfo, ...properties } = props;
    await n.render({
      element: cell(info.qId, title, info.qType === 'kpi'),
      type: info.qType,
      properties: { ...properties, qInfo: { qType: qInfo.qType }, qixdHubCopyOf: info.qId },
    });
  }
  window.qixdHub.rendered.push(info.qId);
}

(async () => {
  const params = sessionParams();
  showLinks(params);
  const schema = await (await fetch('/hub/vendor/enigma-schema.json')).json();
  const session = enigma.create({ schema, url: engineUrl(params) });
  // Ended from the inspector (or the server stopped): say so instead of leaving stale charts.
  session.on('notification:OnSessionClosed', (note) => {
    document.getElementById('error').textContent = `The session was closed: ${note.message}`;
  });
  session.on('closed', () => {
    const error = document.getElementById('error');
    if (!error.textContent) error.textContent = 'The connection to the engine closed.';
    window.qixdHub.closed = true;
  });
  const global = await session.open();
  let app;
  try {
    app = await global.openDoc(params.app);
  } catch (err) {
    // Another tab of this session opened the app already: use it (error 1002, app already open).
    if (err && err.code === 1002) app = await global.getActiveDoc();
    else throw err;
  }
  window.qixdHub.app = app;
  const layout = await app.getAppLayout();
  document.getElementById('title').textContent = layout.qTitle || params.app;
  document.title = `${layout.qTitle || params.app} · qixd`;
  const n = stardust.embed(app, {
    context: { theme: 'light', language: 'en-US' },
    types: Object.entries(CHARTS).map(([name, load]) => ({ name, load: () => Promise.resolve(load()) })),
  });
  (await n.selections()).mount(document.getElementById('selections'));
  const { shown, skipped } = await objectsOf(app);
  if (skipped.length) document.getElementById('skipped').textContent = `Not shown (no chart package in this hub): ${skipped.join(', ')}`;
  for (const info of shown) {
    try {
      await renderObject(n, app, info);
    } catch (err) {
      window.qixdHub.errors.push(`${info.qId}: ${err && (err.message || err)}`);
    }
  }
  window.qixdHub.done = true;
})().catch((err) => {
  document.getElementById('error').textContent = String(err && (err.message || err));
  window.qixdHub.errors.push(String(err && (err.stack || err)));
  window.qixdHub.done = true;
});
