// A stand-in for `voipscope serve` for the dashboard_mock test: the built dist files plus fixture JSON,
// so the UI is tested without the C++ server. Only the routes the dashboard uses.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// state: { scans: Map<id, scanJson>, listItems: () => [...] } is mutable so a test can add a scan.
export function startMockServer(distDir, state) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, type, body) => {
      // The same policy as the real server (src/server/api.cpp), so a violation shows up here too.
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
      });
      res.end(body);
    };
    const json = (status, value) => send(status, 'application/json', JSON.stringify(value));
    state.requests.push(url.pathname + url.search);

    if (url.pathname === '/api/v1/scans') {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const all = [...state.scans.values()].sort((a, b) => b.started_at.localeCompare(a.started_at));
      return json(200, { scans: all.slice(0, limit).map(listItem), total: all.length });
    }
    const m = /^\/api\/v1\/scans\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (id === 'network-error') return req.socket.destroy();
      const scan = state.scans.get(id);
      return scan ? json(200, scan) : json(404, { error: 'scan not found' });
    }
    if (url.pathname.startsWith('/api/')) return json(404, { error: 'no such endpoint' });
    const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (!/^[A-Za-z0-9._-]+$/.test(file)) return send(404, 'text/plain', 'not found');
    try {
      const body = readFileSync(path.join(distDir, file));
      return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', body);
    } catch {
      return send(200, TYPES['.html'], readFileSync(path.join(distDir, 'index.html')));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

function listItem(scan) {
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const r of scan.results) summary[r.status.toLowerCase()] += 1;
  return {
    id: scan.id,
    site: scan.site,
    template: scan.template,
    hostname: scan.host.hostname,
    started_at: scan.started_at,
    received_at: scan.started_at,
    duration_ms: scan.duration_ms,
    summary,
  };
}
