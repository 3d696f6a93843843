// The app list: asks the engine itself (GetDocList on a connection without an app), so it shows exactly
// the apps this user may open.
/* global enigma */
(async () => {
  const list = document.getElementById('apps');
  try {
    const schema = await (await fetch('/hub/vendor/enigma-schema.json')).json();
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const session = enigma.create({ schema, url: `${scheme}://${window.location.host}/app/engineData` });
    const global = await session.open();
    const docs = await global.getDocList();
    await session.close();
    if (docs.length === 0) {
      list.innerHTML = '<li class="muted">No apps yet. Start qixd with --demo for a sample app.</li>';
    }
    for (const doc of docs) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/hub/app.html?app=${encodeURIComponent(doc.qDocId)}`;
      a.textContent = doc.qTitle || doc.qDocName;
      a.dataset.appId = doc.qDocId;
      const meta = document.createElement('span');
      meta.className = 'muted';
      meta.textContent = `  ${doc.qDocId}${doc.qLastReloadTime ? `, reloaded ${doc.qLastReloadTime}` : ''}`;
      li.append(a, meta);
      list.append(li);
    }
  } catch (err) {
    document.getElementById('error').textContent = `Cannot list the apps: ${err && (err.message || err)}`;
  }
})();
