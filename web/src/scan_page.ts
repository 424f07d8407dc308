// "#/scans/<id>": one scan's results, grouped by category, filterable by status.
import { getJson } from './api';
import { h, replaceChildren } from './dom';
import { duration, localTime, number, relativeTime, worstStatus } from './format';
import { scan as normalizeScan } from './normalize';
import { STATUSES } from './types';
import type { CheckResult, Scan, Status } from './types';
import { badge, errorPanel, summaryBadges } from './widgets';

// The order and headings the report uses too (vs::displayName in src/core/status.cpp).
const CATEGORIES: ReadonlyArray<[string, string]> = [
  ['dns', 'DNS'],
  ['connectivity', 'Connectivity'],
  ['voip_sip', 'VoIP / SIP'],
  ['performance', 'Performance'],
  ['discovery', 'Discovery'],
];

const REMEDIATION_FOR: ReadonlySet<Status> = new Set<Status>(['WARN', 'FAIL', 'ERROR']);

export function mountScanPage(root: HTMLElement, id: string): () => void {
  const ctrl = new AbortController();
  const load = async (): Promise<void> => {
    replaceChildren(root, h('p', { class: 'notice' }, 'Loading scan…'));
    try {
      const raw = await getJson(`/api/v1/scans/${encodeURIComponent(id)}`, ctrl.signal);
      if (ctrl.signal.aborted) return;
      const s = normalizeScan(raw);
      document.title = `${s.site || s.id} — voipscope`;
      replaceChildren(root, scanView(s, id));
    } catch (err) {
      if (ctrl.signal.aborted) return;
      replaceChildren(root, errorPanel(err, () => void load(), 'Scan not found'));
    }
  };
  void load();
  return () => ctrl.abort();
}

function scanView(s: Scan, requestedId: string): HTMLElement {
  const page = h('article', { class: 'scan', 'data-scan-id': s.id || requestedId });
  const overall = worstStatus(s.summary);
  page.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All scans')),
    h('header', { class: 'page-head' }, h('h1', {}, badge(overall), ' ', s.site || '(no site)'), facts(s)),
  );
  const list = h('div', { class: 'groups' });
  page.append(filterBar(s, list), list);
  for (const [key, title] of groupOrder(s.results)) {
    const results = s.results.filter((r) => r.category === key);
    if (!results.length) continue;
    const headingId = `cat-${key.replace(/[^a-z0-9_-]/gi, '_')}`;
    list.appendChild(
      h(
        'section',
        { class: 'group', 'data-category': key, 'aria-labelledby': headingId },
        h('h2', { id: headingId }, title, ' ', h('span', { class: 'muted count' }, `(${results.length})`)),
        h('ul', { class: 'results' }, ...results.map(resultRow)),
      ),
    );
  }
  if (!s.results.length) list.appendChild(h('p', { class: 'notice empty' }, 'This scan has no results.'));
  return page;
}

// Known categories first in their fixed order; anything newer than this dashboard goes last.
function groupOrder(results: CheckResult[]): Array<[string, string]> {
  const order = [...CATEGORIES];
  for (const r of results) {
    if (!order.some(([k]) => k === r.category)) order.push([r.category, r.category || 'Other']);
  }
  return order;
}

function facts(s: Scan): HTMLElement {
  const dl = h('dl', { class: 'facts' });
  const add = (term: string, ...value: Array<Node | string>): void => {
    dl.append(h('div', {}, h('dt', {}, term), h('dd', {}, ...value)));
  };
  add('Template', s.template.name + (s.template.version ? ` v${s.template.version}` : ''));
  const host = [s.host.hostname, s.host.os].filter(Boolean).join(' · ');
  add('Host', host || '—');
  add(
    'Started',
    h('time', { datetime: s.startedAt }, localTime(s.startedAt)),
    ' ',
    h('span', { class: 'muted' }, relativeTime(s.startedAt)),
  );
  add('Duration', duration(s.durationMs));
  add('Results', summaryBadges(s.summary));
  if (s.host.voipscopeVersion) add('voipscope', s.host.voipscopeVersion);
  add('Scan id', h('code', {}, s.id));
  return dl;
}

function filterBar(s: Scan, list: HTMLElement): HTMLElement {
  const bar = h('div', { class: 'filters', role: 'group', 'aria-label': 'Show results by status' });
  const buttons: HTMLButtonElement[] = [];
  const apply = (want: Status | null, pressed: HTMLButtonElement): void => {
    for (const b of buttons) b.setAttribute('aria-pressed', String(b === pressed));
    for (const row of Array.from(list.querySelectorAll<HTMLElement>('.result'))) {
      row.hidden = want !== null && row.dataset.status !== want;
    }
    for (const group of Array.from(list.querySelectorAll<HTMLElement>('.group'))) {
      group.hidden = !group.querySelector('.result:not([hidden])');
    }
  };
  const make = (label: string, want: Status | null, n: number): HTMLButtonElement => {
    const b = h(
      'button',
      { type: 'button', class: `filter${want ? ` filter-${want.toLowerCase()}` : ''}`, 'aria-pressed': 'false' },
      label,
      ' ',
      h('span', { class: 'count' }, String(n)),
    );
    b.addEventListener('click', () => apply(want, b));
    buttons.push(b);
    return b;
  };
  bar.appendChild(make('All', null, s.results.length));
  for (const st of STATUSES) {
    const n = s.results.filter((r) => r.status === st).length;
    const b = make(st, st, n);
    if (n === 0) b.disabled = true;
    bar.appendChild(b);
  }
  buttons[0]!.setAttribute('aria-pressed', 'true');
  return bar;
}

function resultRow(r: CheckResult): HTMLElement {
  const li = h('li', {
    class: `result result-${r.status.toLowerCase()}`,
    'data-status': r.status,
    'data-check-id': r.checkId,
  });
  li.append(
    h(
      'div',
      { class: 'result-head' },
      badge(r.status),
      h('span', { class: 'target' }, r.target || '—'),
      h('code', { class: 'check-id' }, r.checkId),
      h('span', { class: 'muted duration' }, duration(r.durationMs)),
    ),
  );
  if (r.message) li.append(h('p', { class: 'message' }, r.message));
  if (r.measurements.length) {
    li.append(
      h(
        'ul',
        { class: 'measurements', 'aria-label': 'Measurements' },
        ...r.measurements.map((m) =>
          h(
            'li',
            {},
            h('span', { class: 'm-name' }, m.name),
            ' ',
            h('span', { class: 'm-value' }, number(m.value)),
            m.unit ? ` ${m.unit}` : '',
          ),
        ),
      ),
    );
  }
  if (r.remediation && REMEDIATION_FOR.has(r.status)) {
    li.append(h('p', { class: 'remediation' }, h('strong', {}, 'What to do: '), r.remediation));
  }
  if (r.evidence.length) {
    const details = h(
      'details',
      { class: 'evidence' },
      h('summary', {}, `Evidence (${r.evidence.length})`),
    );
    for (const [key, text] of r.evidence) details.append(h('h3', {}, key), h('pre', {}, text));
    li.append(details);
  }
  return li;
}
