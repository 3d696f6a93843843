// The live session inspector: the list from GET /api/v1/sessions/events (server-sent events), redrawn at
// every event. Each row carries data-session-id and data-sockets for tests.
const body = document.getElementById('sessions');
const statusLine = document.getElementById('status');

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

function time(ms) {
  return new Date(ms).toLocaleTimeString();
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function selectionsText(byState) {
  const parts = [];
  for (const [state, fields] of Object.entries(byState || {})) {
    for (const f of fields) {
      const shown = f.values.join(', ') + (f.selectedCount > f.values.length ? ` … (${f.selectedCount})` : '');
      parts.push(`${state === '$' ? '' : `[${state}] `}${f.field}: ${shown}`);
    }
  }
  return parts.join('\n') || '—';
}

function socketsCell(sockets) {
  const td = document.createElement('td');
  td.className = 'sockets';
  if (sockets.length === 0) td.append(text('span', 'detached', 'detached'));
  for (const s of sockets) {
    td.append(text('div', `${s.remoteAddress || '?'} since ${time(s.connectedAt)}, ${s.requests} requests`));
  }
  return td;
}

async function endSession(id) {
  const res = await fetch(`/api/v1/sessions/${id}`, { method: 'DELETE' });
  if (!res.ok) document.getElementById('error').textContent = `Could not end session ${id}: ${(await res.json()).error}`;
}

function row(s) {
  const tr = document.createElement('tr');
  tr.dataset.sessionId = s.id;
  tr.dataset.sockets = s.sockets.length;
  tr.dataset.identity = s.identity || '';
  const left = s.expiresInSeconds == null ? '' : ` / ${Math.ceil(s.expiresInSeconds)} s left`;
  const app = s.openApp ? `${s.openApp.title || s.openApp.id}${s.openApp.sessionApp ? ' (session app)' : ''}` : '—';
  const end = document.createElement('button');
  end.textContent = 'End';
  end.onclick = () => endSession(s.id);
  const endCell = document.createElement('td');
  endCell.append(end);
  tr.append(
    text('td', String(s.id)),
    text('td', s.user),
    text('td', s.app || '(none)'),
    text('td', s.identityHidden ? '(hidden)' : (s.identity || '(none)')),
    text('td', time(s.createdAt)),
    socketsCell(s.sockets),
    text('td', `${s.ttlSeconds} s${left}`, s.expiresInSeconds == null ? 'ttl' : 'ttl detached'),
    text('td', app),
    text('td', selectionsText(s.selections), 'selections'),
    text('td', `${s.sessionObjects} / ${s.sessionVariables}`),
    text('td', bytes(s.memoryBytes)),
    endCell,
  );
  return tr;
}

function draw(data) {
  const t = data.server;
  const totals = document.getElementById('totals');
  totals.replaceChildren(
    ...[['sessions', t.sessions], ['detached', t.detachedSessions], ['sockets', t.sockets],
      ['memory (est.)', bytes(t.memoryBytes)], ['mode', t.mode], ['version', t.version]]
      .map(([k, v]) => {
        const span = document.createElement('span');
        span.append(text('b', String(v)), ` ${k}`);
        return span;
      }),
  );
  body.replaceChildren(...data.sessions.map(row));
  statusLine.textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
  window.qixdSessions = data;
}

const events = new EventSource('/api/v1/sessions/events');
events.addEventListener('sessions', (e) => draw(JSON.parse(e.data)));
events.onerror = async () => {
  // EventSource hides the status: ask once plainly to show why (403 outside loopback or for non-admins).
  const res = await fetch('/api/v1/sessions').catch(() => null);
  if (res && !res.ok) {
    events.close();
    document.getElementById('error').textContent = `${res.status}: ${(await res.json().catch(() => ({}))).error || res.statusText}`;
    statusLine.textContent = 'Not live.';
  } else {
    statusLine.textContent = 'Reconnecting…';
  }
};
