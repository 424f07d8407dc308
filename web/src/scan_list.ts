// "#/": the latest scans, refreshed every 10 s.
import { getJson } from './api';
import { h, replaceChildren } from './dom';
import { duration, localTime, relativeTime, worstStatus } from './format';
import { scanList } from './normalize';
import type { ScanList, ScanListItem } from './types';
import { badge, errorPanel, summaryBadges } from './widgets';

const REFRESH_MS = 10000;
const LIMIT = 100;

export function scanHref(id: string): string {
  return `#/scans/${encodeURIComponent(id)}`;
}

export function mountScanList(root: HTMLElement): () => void {
  let stopped = false;
  let inflight: AbortController | null = null;
  let lastJson = '';
  let table: HTMLElement | null = null;
  const status = h('p', { class: 'refresh-status muted', 'aria-live': 'polite' });

  const load = async (): Promise<void> => {
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    try {
      const raw = await getJson(`/api/v1/scans?limit=${LIMIT}`, ctrl.signal);
      if (stopped || ctrl.signal.aborted) return;
      const json = JSON.stringify(raw);
      status.textContent = '';
      status.classList.remove('warn-text');
      if (json === lastJson && table) {
        refreshRelativeTimes(table);
        return;
      }
      lastJson = json;
      const list = scanList(raw);
      table = list.scans.length ? scanTable(list) : emptyState();
      replaceChildren(root, header(list), status, table);
    } catch (err) {
      if (stopped || ctrl.signal.aborted) return;
      if (table) {
        // Keep showing what we had: a refresh that fails once should not wipe the page.
        status.textContent = `Refresh failed (${err instanceof Error ? err.message : String(err)}); retrying.`;
        status.classList.add('warn-text');
      } else {
        lastJson = '';
        replaceChildren(root, errorPanel(err, () => void load()));
      }
    }
  };

  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    inflight?.abort();
  };
}

function header(list: ScanList): HTMLElement {
  const shown = list.scans.length;
  const text =
    list.total > shown ? `Latest ${shown} of ${list.total} scans` : `${list.total} scan${list.total === 1 ? '' : 's'}`;
  return h('div', { class: 'page-head' }, h('h1', {}, 'Scans'), h('p', { class: 'muted' }, text));
}

function emptyState(): HTMLElement {
  return h(
    'section',
    { class: 'notice empty' },
    h('h2', {}, 'No scans yet.'),
    h(
      'p',
      {},
      'Run: ',
      h('code', {}, 'voipscope scan --template <template.yaml> --upload <this server URL> --token <token>'),
    ),
    h('p', { class: 'muted' }, 'Scans appear here as soon as they are uploaded; this page refreshes every 10 s.'),
  );
}

function scanTable(list: ScanList): HTMLElement {
  const tbody = h('tbody');
  for (const s of list.scans) tbody.appendChild(row(s));
  return h(
    'table',
    { class: 'scans' },
    h('caption', { class: 'visually-hidden' }, 'Scans, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Status', 'Site', 'Template', 'Host', 'Started', 'Duration', 'Results'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    tbody,
  );
}

function row(s: ScanListItem): HTMLElement {
  const href = scanHref(s.id);
  const tr = h(
    'tr',
    { 'data-scan-id': s.id },
    cell('Status', '', badge(worstStatus(s.summary))),
    cell('Site', 'site', h('a', { href }, s.site || '(no site)')),
    cell(
      'Template',
      '',
      s.template.name,
      s.template.version ? h('span', { class: 'muted' }, ` v${s.template.version}`) : null,
    ),
    cell('Host', '', s.hostname || '—'),
    cell(
      'Started',
      '',
      h('time', { datetime: s.startedAt }, localTime(s.startedAt)),
      h('span', { class: 'rel muted', 'data-time': s.startedAt }, relativeTime(s.startedAt)),
    ),
    cell('Duration', 'num', duration(s.durationMs)),
    cell('Results', '', summaryBadges(s.summary)),
  );
  // The whole row is a target for the mouse; the link stays the one target for keyboard and readers.
  tr.addEventListener('click', (ev) => {
    const target = ev.target as Element | null;
    if (target?.closest('a') || window.getSelection()?.toString()) return;
    location.hash = href;
  });
  return tr;
}

// The label is for the narrow layout, where each row is a card and the column headers are hidden; the
// wrapper keeps a cell's content one grid item there.
function cell(label: string, cls: string, ...children: Array<Node | string | null>): HTMLElement {
  return h('td', { 'data-label': label, class: cls || null }, h('div', { class: 'cell' }, ...children));
}

function refreshRelativeTimes(container: HTMLElement): void {
  for (const el of Array.from(container.querySelectorAll<HTMLElement>('.rel[data-time]'))) {
    el.textContent = relativeTime(el.dataset.time ?? '');
  }
}
