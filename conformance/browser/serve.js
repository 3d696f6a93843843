// A static file server for the browser test: the page, its script, and the few node_modules files it
// loads. Only 127.0.0.1; nothing outside these folders is served.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.resolve(here, '..', 'node_modules');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.map': 'application/json' };

/** Starts the server on a free port; resolves { port, close() }. */
export function serveBrowserFiles() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let file;
    if (url.pathname === '/') file = path.join(here, 'index.html');
    else if (url.pathname === '/page.js') file = path.join(here, 'page.js');
    else if (url.pathname.startsWith('/nm/')) file = path.resolve(modules, `.${decodeURIComponent(url.pathname.slice(3))}`);
    if (!file || !(file.startsWith(modules) || file.startsWith(here)) || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) }));
  });
}
