import { ApiError, saveToken, savedToken } from './api';
import { h } from './dom';
import { countOf } from './format';
import { STATUSES } from './types';
import type { Status, Summary } from './types';

export function badge(status: Status, text: string = status): HTMLElement {
  return h('span', { class: `badge badge-${status.toLowerCase()}` }, text);
}

// Non-zero counts only: a row of five zeros hides the one number that matters.
export function summaryBadges(summary: Summary): HTMLElement {
  const wrap = h('span', { class: 'badges' });
  let any = false;
  for (const s of STATUSES) {
    const n = countOf(summary, s);
    if (n <= 0) continue;
    any = true;
    wrap.appendChild(
      h('span', { class: `badge badge-${s.toLowerCase()} badge-count`, title: `${n} ${s}` }, `${s} ${n}`),
    );
  }
  if (!any) wrap.appendChild(h('span', { class: 'muted' }, 'no checks'));
  return wrap;
}

// What to show instead of a view when its request failed: a message, and a way forward.
export function errorPanel(err: unknown, retry: () => void, notFound?: string): HTMLElement {
  if (err instanceof ApiError && err.status === 404 && notFound) {
    return h(
      'section',
      { class: 'notice error', role: 'alert' },
      h('h1', {}, notFound),
      h('p', {}, 'It may have been deleted, or the link is wrong.'),
      h('p', {}, h('a', { href: '#/' }, '← All scans')),
    );
  }
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    return tokenForm(err, retry);
  }
  const message = err instanceof Error ? err.message : String(err);
  return h(
    'section',
    { class: 'notice error', role: 'alert' },
    h('h1', {}, 'Could not load data'),
    h('p', {}, message),
    h('p', {}, h('button', { type: 'button', onclick: () => retry() }, 'Retry')),
  );
}

function tokenForm(err: ApiError, retry: () => void): HTMLElement {
  const input = h('input', {
    id: 'token',
    type: 'password',
    autocomplete: 'off',
    value: savedToken(),
    'aria-describedby': 'token-help',
  });
  return h(
    'form',
    {
      class: 'notice error',
      role: 'alert',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        saveToken(input.value.trim());
        retry();
      },
    },
    h('h1', {}, 'This server needs an API token'),
    h('p', { id: 'token-help' }, `${err.message}. The token is kept in this browser only.`),
    h('label', { for: 'token' }, 'Token '),
    input,
    ' ',
    h('button', { type: 'submit' }, 'Use token'),
  );
}
