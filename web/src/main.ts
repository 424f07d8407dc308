// Hash routing: "#/" lists scans, "#/scans/<id>" shows one. The hash keeps every view a plain link that
// the server never has to know about.
import { h, replaceChildren } from './dom';
import { mountScanList } from './scan_list';
import { mountScanPage } from './scan_page';

let unmount: (() => void) | null = null;

function route(): void {
  const root = document.getElementById('app');
  if (!root) return;
  unmount?.();
  unmount = null;
  document.title = 'voipscope';
  const hash = location.hash.replace(/^#/, '') || '/';
  const scan = /^\/scans\/([^/?#]+)\/?$/.exec(hash);
  if (hash === '/' || hash === '') {
    unmount = mountScanList(root);
  } else if (scan) {
    let id: string;
    try {
      id = decodeURIComponent(scan[1]!);
    } catch {
      id = scan[1]!;
    }
    unmount = mountScanPage(root, id);
  } else {
    replaceChildren(
      root,
      h(
        'section',
        { class: 'notice error', role: 'alert' },
        h('h1', {}, 'Page not found'),
        h('p', {}, h('a', { href: '#/' }, '← All scans')),
      ),
    );
  }
}

window.addEventListener('hashchange', () => {
  route();
  // Move focus to the new view so keyboard and screen reader users land on it, not on the old link.
  document.getElementById('app')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});

try {
  route();
} catch (err) {
  // Last resort: a bug must still leave words on the screen.
  const root = document.getElementById('app');
  if (root) {
    replaceChildren(
      root,
      h('p', { class: 'notice error', role: 'alert' }, `The dashboard failed to start: ${String(err)}`),
    );
  }
}
