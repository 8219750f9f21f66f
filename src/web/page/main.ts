/**
 * The page (issue #16): one bundle for the report file and the live view, configured by its config element
 * (config.ts). The list comes from the report's index or, live, from the records as they arrive; a session's
 * records are parsed (report) or grouped (live) only for the selected one; redraws are batched per animation
 * frame. Browser code: no Node import (test/architecture); bundled by scripts/build-page.mjs.
 */
import { SessionGrouper, sessionKey } from '../../diagram/sessions.js';
import type { SessionRecords } from '../../diagram/types.js';
import type { JsonRecord } from '../../render/json.js';
import { counted } from '../../words.js';
import type { PageConfig, SourceStatus } from './config.js';
import { CONFIG_ID } from './embedded.js';
import { embeddedSource } from './embeddedSource.js';
import { EntryBuilder, type IndexEntry, type SessionEntry } from './entries.js';
import { liveSource } from './liveSource.js';
import { el } from './view/dom.js';
import { listView } from './view/list.js';
import { sessionView } from './view/sessionView.js';
import { stepControls } from './view/steps.js';

const config = JSON.parse(document.getElementById(CONFIG_ID)?.textContent ?? '{}') as PageConfig;
const query = new URLSearchParams(location.search);
const root = document.getElementById('pop3scope-page') ?? document.body;

let selectedKey: string | null = null;
/** Live: the newest session is selected until the user picks one. */
let followNewest = true;
let large = config.large === true || query.get('large') === '1';

const view = sessionView((id) => view.select(id));
const list = listView((key) => {
  followNewest = false;
  select(key);
});
const steps = config.steps || query.get('steps') === '1' ? stepControls(view) : null;

const status = el('span', { class: 'status', id: 'source-status' });
const dropped = el('span', { class: 'dropped', id: 'dropped' });
const largeToggle = el(
  'button',
  { type: 'button', id: 'toggle-large', 'aria-pressed': 'false' },
  'large font',
);
const timeToggle = el('input', { type: 'checkbox', id: 'toggle-proportional' });
root.append(
  el(
    'header',
    { class: 'p3s-header' },
    el('h1', {}, config.title ?? 'pop3scope'),
    config.mode === 'live' && status,
    dropped,
    el(
      'div',
      { class: 'controls' },
      el('label', {}, timeToggle, ' proportional time'),
      largeToggle,
      steps?.element,
    ),
  ),
  el('div', { class: 'p3s-body' }, list.element, view.element),
);

const applyLarge = () => {
  document.documentElement.classList.toggle('large', large);
  largeToggle.setAttribute('aria-pressed', String(large));
  list.setLarge(large);
};
largeToggle.addEventListener('click', () => {
  large = !large;
  applyLarge();
});
timeToggle.addEventListener('change', () => view.setTime(timeToggle.checked ? 'proportional' : 'compact'));

/** The selected session's records: the report parses them on demand; live, the grouper holds them. */
let recordsOf: (key: string) => SessionRecords | null = () => null;

function select(key: string): void {
  selectedKey = key;
  list.setSelected(key);
  view.show(recordsOf(key));
  steps?.reset();
}

function startReport(): void {
  const source = embeddedSource(document);
  const index = source.index();
  const byKey = new Map<string, IndexEntry>(index.map((e) => [e.key, e]));
  let cache: { key: string; s: SessionRecords | null } | null = null;
  recordsOf = (key) => {
    if (cache?.key === key) return cache.s;
    const entry = byKey.get(key);
    const grouper = new SessionGrouper();
    let s: SessionRecords | null = null;
    if (entry) for (const r of source.records(entry)) s = grouper.add(r);
    cache = { key, s };
    return s;
  };
  list.setEntries(index);
  applyLarge();
  const first = index[0];
  if (first) select(first.key);
}

function startLive(): void {
  const grouper = new SessionGrouper();
  const builders = new Map<string, EntryBuilder>();
  const entries: SessionEntry[] = [];
  const slot = new Map<string, number>();
  const changed = new Set<string>();
  let pending = false;
  recordsOf = (key) => grouper.get(key) ?? null;

  const redraw = () => {
    pending = false;
    for (const key of changed) entries[slot.get(key)!] = builders.get(key)!.entry();
    const newest = entries[entries.length - 1];
    if (followNewest && newest && newest.key !== selectedKey) select(newest.key);
    else if (selectedKey !== null && changed.has(selectedKey)) view.show(recordsOf(selectedKey));
    changed.clear();
    list.setEntries(entries);
  };
  const onRecords = (records: readonly JsonRecord[]) => {
    for (const r of records) {
      grouper.add(r);
      const key = sessionKey(r.file, r.session);
      let b = builders.get(key);
      if (!b) {
        b = new EntryBuilder(key, r.session, r.file);
        builders.set(key, b);
        slot.set(key, entries.length);
        entries.push(b.entry());
      }
      b.add(r);
      changed.add(key);
    }
    if (!pending) {
      pending = true;
      requestAnimationFrame(redraw);
    }
  };
  const onStatus = (s: SourceStatus) => {
    status.textContent = s;
    status.dataset.status = s;
  };
  const source = liveSource(config.eventsUrl ?? 'events', {
    onDropped: (d) => {
      dropped.textContent = `not shown, dropped before this page connected: ${counted(d.sessions, 'older session')} (${counted(d.records, 'record')})`;
    },
  });
  list.setEntries(entries);
  applyLarge();
  view.show(null);
  source.start(onRecords, onStatus);
  addEventListener('pagehide', () => source.stop());
}

if (config.mode === 'live') startLive();
else startReport();
