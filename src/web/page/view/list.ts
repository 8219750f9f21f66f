/**
 * The session list: filters (text on user/session/client/file, only with violations, mode) over a windowed
 * list — only the rows in view exist in the document, so 10,000 sessions cost as much as the 30 shown.
 * Browser code.
 */
import { filterEntries, type ListFilter, modesOf, type SessionEntry } from '../entries.js';
import { LARGE_SCALE, LIST_OVERSCAN_ROWS, ROW_HEIGHT_PX } from '../limits.js';
import { el, fill } from './dom.js';

export interface ListView {
  readonly element: HTMLElement;
  /** The entries changed (live: sessions came or grew); redraws what is in view. */
  setEntries(entries: readonly SessionEntry[]): void;
  setSelected(key: string | null): void;
  setLarge(large: boolean): void;
}

const flow = (e: SessionEntry) => `${e.client ?? '?'} → ${e.upstream ?? '?'}`;

export function listView(onSelect: (key: string) => void): ListView {
  let all: readonly SessionEntry[] = [];
  let shown: SessionEntry[] = [];
  let selected: string | null = null;
  let rowHeight = ROW_HEIGHT_PX;
  let modes: string[] = [];

  const text = el('input', { type: 'search', id: 'filter-text', placeholder: 'user, session, client…' });
  const only = el('input', { type: 'checkbox', id: 'filter-violations' });
  const mode = el('select', { id: 'filter-mode' }, el('option', { value: '' }, 'every mode'));
  const count = el('p', { class: 'list-count', id: 'list-count' });
  const spacer = el('div', { class: 'list-spacer' });
  const rows = el('div', { class: 'list-rows', id: 'session-list', role: 'listbox' }, spacer);
  const head = el(
    'div',
    { class: 'list-row list-head', 'aria-hidden': 'true' },
    ...['session', 'user', 'client → server', 'mode', 'viol.', 'file'].map((t) => el('span', {}, t)),
  );
  const element = el(
    'aside',
    { class: 'p3s-list' },
    el(
      'div',
      { class: 'filters' },
      el('label', {}, 'filter ', text),
      el('label', {}, only, ' only with violations'),
      el('label', {}, 'mode ', mode),
    ),
    count,
    head,
    rows,
  );

  const filter = (): ListFilter => ({ text: text.value, onlyViolations: only.checked, mode: mode.value });

  const row = (e: SessionEntry, i: number) => {
    const r = el(
      'div',
      {
        class: `list-row${e.key === selected ? ' selected' : ''}${e.violations > 0 ? ' has-violations' : ''}`,
        role: 'option',
        'data-key': e.key,
        'data-session': e.session,
        'aria-selected': e.key === selected ? 'true' : 'false',
      },
      // Each cell's whole text as its hover title: the narrow columns cut it with an ellipsis.
      el('span', { class: 'c-session', title: e.session }, e.session),
      el('span', { class: 'c-user', title: e.user ?? undefined }, e.user ?? '—'),
      el('span', { class: 'c-flow', title: flow(e) }, flow(e)),
      el('span', { class: 'c-mode', title: e.mode ?? undefined }, e.mode ?? (e.ended ? '—' : 'live…')),
      el('span', { class: 'c-violations' }, String(e.violations)),
      el('span', { class: 'c-file', title: e.file }, e.file ?? ''),
    );
    r.style.top = `${i * rowHeight}px`;
    r.style.height = `${rowHeight}px`;
    return r;
  };

  const draw = () => {
    spacer.style.height = `${shown.length * rowHeight}px`;
    const first = Math.max(0, Math.floor(rows.scrollTop / rowHeight) - LIST_OVERSCAN_ROWS);
    const visible = Math.ceil((rows.clientHeight || 600) / rowHeight) + 2 * LIST_OVERSCAN_ROWS;
    const last = Math.min(shown.length, first + visible);
    const drawn: Node[] = [spacer];
    for (let i = first; i < last; i++) drawn.push(row(shown[i]!, i));
    rows.replaceChildren(...drawn);
  };

  const refilter = () => {
    shown = filterEntries(all, filter());
    count.textContent =
      shown.length === all.length ? `${all.length} sessions` : `${shown.length} of ${all.length} sessions`;
    draw();
  };

  const updateModes = () => {
    const now = modesOf(all);
    if (now.join('\n') === modes.join('\n')) return;
    modes = now;
    const keep = mode.value;
    fill(mode, el('option', { value: '' }, 'every mode'), ...modes.map((m) => el('option', { value: m }, m)));
    mode.value = modes.includes(keep) ? keep : '';
  };

  text.addEventListener('input', refilter);
  only.addEventListener('change', refilter);
  mode.addEventListener('change', refilter);
  rows.addEventListener('scroll', () => requestAnimationFrame(draw), { passive: true });
  rows.addEventListener('click', (ev) => {
    const target = (ev.target as Element).closest('[data-key]');
    const key = target?.getAttribute('data-key');
    if (key) onSelect(key);
  });

  return {
    element,
    setEntries(entries) {
      all = entries;
      updateModes();
      refilter();
    },
    setSelected(key) {
      selected = key;
      draw();
    },
    setLarge(large) {
      rowHeight = Math.round(ROW_HEIGHT_PX * (large ? LARGE_SCALE : 1));
      draw();
    },
  };
}
