/**
 * The selected session's summary and mailbox tables (diagram/mailbox.ts rows: each step shown with the
 * transaction it happened in). Browser code; every value written as text.
 */
import type { MailboxRow, SessionRecords } from '../../../diagram/types.js';
import { el } from './dom.js';

const list = (ns: readonly number[]) => (ns.length > 0 ? ns.join(', ') : '—');

export function summaryTable(s: SessionRecords): HTMLElement {
  const m = s.summary;
  if (!m) return el('p', { class: 'summary-live' }, `session ${s.session}: in progress`);
  const violations = Object.entries(m.violations).map(([code, n]) => `${code} ×${n}`);
  const rows: [string, string][] = [
    ['session', s.file ? `${s.session} (${s.file})` : s.session],
    ['client → server', `${m.client ?? '?'} → ${m.upstream ?? '?'}`],
    ['user', m.user ?? '—'],
    ['login', m.auth ?? '—'],
    ['TLS', m.tls],
    ['mode', m.mode],
    ['commands', String(m.commands)],
    ['retrieved', list(m.retrieved)],
    ['marked', list(m.marked)],
    ['removed', list(m.removed)],
    ['octets', `client → server ${m.bytes.c2s}, server → client ${m.bytes.s2c}`],
    ['duration', `${m.durationMs} ms`],
    ['closed by', [m.closedBy, m.closeReason].filter(Boolean).join(': ') || '—'],
    ['violations', violations.length > 0 ? violations.join(', ') : 'none'],
  ];
  return el(
    'table',
    { class: 'summary', id: 'session-summary' },
    el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v)))),
  );
}

const STEPS = ['seen', 'retrieved', 'marked', 'removed'] as const;

export function mailboxTable(s: SessionRecords, rows: readonly MailboxRow[]): HTMLElement {
  const bySeq = new Map(s.transactions.map((t) => [t.seq, t]));
  const step = (seq: number | null) => {
    if (seq === null) return '';
    const line = bySeq.get(seq)?.command?.line;
    return line ? `#${seq} ${line}` : `#${seq}`;
  };
  if (rows.length === 0) return el('p', { class: 'mailbox-empty' }, 'no message of the mailbox was seen');
  return el(
    'table',
    { class: 'mailbox', id: 'mailbox' },
    el(
      'thead',
      {},
      el('tr', {}, ...['message', 'size', 'uid', ...STEPS].map((h) => el('th', { scope: 'col' }, h))),
    ),
    el(
      'tbody',
      {},
      ...rows.map((r) =>
        el(
          'tr',
          { 'data-message': String(r.n) },
          el('td', { 'data-col': 'message' }, String(r.n)),
          el('td', { 'data-col': 'size' }, r.size === null ? '' : String(r.size)),
          el('td', { 'data-col': 'uid' }, r.uid ?? ''),
          ...STEPS.map((k) => el('td', { 'data-col': k, class: r[k] === null ? 'no' : 'yes' }, step(r[k]))),
        ),
      ),
    ),
  );
}
