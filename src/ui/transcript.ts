/**
 * The transcript of the selected session (client and server lines in their colours, bodies folded to one
 * line until expanded, violations inline) and the detail of the entry under the cursor. Pure.
 */

import { printable } from '../render/text.js';
import { counted } from '../words.js';
import { visibleEntries } from './filter.js';
import {
  clipRow,
  fmtDuration,
  fmtOffset,
  keepVisible,
  type PaneView,
  plainRow,
  type Row,
  row,
  span,
  type Tone,
  wrap,
} from './format.js';
import { currentEntry, currentSession, expandKey } from './reducer.js';
import type { DashboardState, Entry, SessionView, TxView } from './state.js';

const severityTone = (severity: string): Tone =>
  severity === 'error' ? 'error' : severity === 'warning' ? 'warn' : 'dim';

function statusRow(tx: TxView): Row {
  if (tx.status === null && !tx.text) return plainRow('S: (no response yet)', 'dim');
  const code = tx.code !== null ? ` [${tx.code}]` : '';
  return plainRow(
    `S: ${tx.status ?? ''}${code}${tx.text ? ` ${tx.text}` : ''}`.replace('S:  ', 'S: '),
    tx.status === '-ERR' ? 'error' : 'server',
  );
}

function bodyRows(tx: TxView, expanded: boolean): Row[] {
  if (!tx.multiline || tx.status !== '+OK') return [];
  const cut = tx.complete ? '' : ', cut short';
  if (tx.listing) {
    const total = tx.listingTotal ?? tx.listing.length;
    if (!expanded) {
      const first = tx.listing.slice(0, 3).join(' · ');
      return [
        row(
          span('S| ', 'server'),
          span(
            `▸ ${counted(total, 'line')}${cut}${first ? `: ${first}${total > 3 ? ' …' : ''}` : ''}`,
            'dim',
          ),
        ),
      ];
    }
    const out = tx.listing.map((l) => plainRow(`S| ${l}`, 'server'));
    if (total > tx.listing.length)
      out.push(plainRow(`S| … ${counted(total - tx.listing.length, 'more line')} not kept`, 'dim'));
    if (tx.complete) out.push(plainRow('S| .', 'server'));
    return out;
  }
  const fold = `${counted(tx.bodyOctets, 'octet')}, ${counted(tx.bodyLines, 'line')}${cut}`;
  if (!expanded) return [row(span('S| ', 'server'), span(`▸ body: ${fold} (Enter shows the start)`, 'dim'))];
  const out = [plainRow(`S| ▾ body: ${fold}; the first lines:`, 'dim')];
  for (const l of tx.preview ?? []) out.push(plainRow(`S| ${l}`, 'server'));
  if (tx.bodyLines > (tx.preview?.length ?? 0)) out.push(plainRow('S| …', 'dim'));
  if (tx.complete) out.push(plainRow('S| .', 'server'));
  return out;
}

/** The explanation under a transaction (key e), wrapped to the pane. */
const inlineRows = (tx: TxView, width: number): Row[] =>
  wrap(`↳ ${tx.explain}`, Math.max(1, width - 3)).map((l) => plainRow(`   ${l}`));

function txRows(tx: TxView, expanded: boolean): Row[] {
  const out: Row[] = [];
  if (tx.command) {
    out.push(
      row(
        span(`C: ${tx.command.line}`, 'client'),
        ...(tx.command.pipelined ? [span('  (pipelined)', 'dim')] : []),
      ),
    );
  }
  const steps = tx.sasl?.steps ?? [];
  const shownSteps = expanded ? steps : steps.slice(0, 4);
  for (const st of shownSteps)
    out.push(
      plainRow(
        st.from === 'server' ? `S: + ${st.text}` : `C: ${st.text}`,
        st.from === 'server' ? 'server' : 'client',
      ),
    );
  const more = (tx.sasl?.stepsTotal ?? 0) - shownSteps.length;
  if (more > 0) out.push(plainRow(`   … ${counted(more, 'more SASL step')}`, 'dim'));
  out.push(statusRow(tx));
  out.push(...bodyRows(tx, expanded));
  for (const v of tx.violations)
    out.push(
      row(
        span('   '),
        span(`! ${v.code} (${v.severity}): ${printable(v.message)}`, severityTone(v.severity)),
      ),
    );
  if (tx.violationsTotal > tx.violations.length)
    out.push(plainRow(`   ! … ${tx.violationsTotal - tx.violations.length} more`, 'dim'));
  return out;
}

function entryRows(e: Entry, x: SessionView, expanded: boolean, inline: number | null): Row[] {
  switch (e.kind) {
    case 'tx':
      return inline === null || !e.tx.explain
        ? txRows(e.tx, expanded)
        : [...txRows(e.tx, expanded), ...inlineRows(e.tx, inline)];
    case 'phase':
      return [plainRow(`── ${e.to} ── ${fmtOffset(e.at - x.startedAt)}`, 'bold')];
    case 'violation':
      return [
        plainRow(
          `! ${e.violation.code} (${e.violation.severity}): ${printable(e.violation.message)}`,
          severityTone(e.violation.severity),
        ),
      ];
    case 'tls':
      return [plainRow(`── TLS (${e.how}, ${e.visibility}) ──`, 'bold')];
    case 'own':
      return e.lines.map((l) => plainRow(l, 'warn'));
    case 'end':
      return [plainRow(`── ended ${fmtOffset(e.t - x.startedAt)}: ${printable(e.reason)}`, 'dim')];
  }
}

export function transcriptPane(s: DashboardState, width: number, height: number, prevTop: number): PaneView {
  const x = currentSession(s);
  if (!x)
    return {
      label: 'Transcript',
      rows: [plainRow('Sessions appear here as clients connect.', 'dim')],
      top: 0,
    };
  const entries = visibleEntries(x, s.filter);
  const cursor = currentEntry(s, x);
  const lines: Row[] = [];
  let from = 0;
  let to = 0;
  if (x.droppedEntries > 0 && entries === x.entries)
    lines.push(plainRow(`… ${x.droppedEntries} earlier entries not kept (the capture has them)`, 'dim'));
  if (entries !== x.entries)
    lines.push(plainRow(`filter "${s.filter}": ${entries.length} of ${x.entries.length} entries`, 'accent'));
  for (const e of entries) {
    const rows = entryRows(e, x, s.expanded.includes(expandKey(x.id, e.id)), s.inline ? width : null);
    const selected = cursor?.id === e.id;
    if (selected) {
      from = lines.length;
      to = lines.length + rows.length - 1;
    }
    for (const r of rows) lines.push(selected ? { ...r, selected: true } : r);
  }
  // Step by step the class is asked to guess the answer first; the detail says what the command asks.
  const waiting = s.replay?.step
    ? '  … what will the server answer? (space)'
    : '  … waiting for the response';
  for (const p of x.pending) lines.push(row(span(`C: ${p.line}`, 'client'), span(waiting, 'dim')));
  if (s.next) lines.push(row(span(`next ▸ C: ${s.next.line}`, 'dim'), span('  (space sends it)', 'accent')));
  // Tracking the newest entry: keep the bottom (pending commands included) in view.
  if (s.cursor === null) to = lines.length - 1;
  const top = keepVisible(prevTop, from, to, height, lines.length);
  const where = x.client ? ` · ${x.client}` : '';
  const label = `Transcript ${x.id}${where}${x.live ? ' · live' : ' · ended'}`;
  return { label, rows: lines.slice(top, top + height).map((r) => clipRow(r, width)), top };
}

function wrapped(text: string, width: number, tone?: Tone, indent = ''): Row[] {
  return wrap(text, width - indent.length).map((l) => plainRow(indent + l, tone));
}

function txDetail(tx: TxView, width: number): Row[] {
  const out: Row[] = [];
  const what = tx.command ? tx.command.line : 'greeting';
  out.push(row(span(`#${tx.seq} ${what}`, 'bold'), span(` · ${tx.phase} · ${tx.rfc}`, 'dim')));
  const facts = [tx.latencyMs === null ? 'no command (the greeting)' : `latency ${tx.latencyMs} ms`];
  if (tx.command) facts.push(`command ${counted(tx.command.octets, 'octet')}`);
  if (tx.multiline && tx.status === '+OK')
    facts.push(
      `body ${counted(tx.bodyOctets, 'octet')}, ${counted(tx.bodyLines, 'line')}${tx.complete ? '' : ' (cut short)'}`,
    );
  out.push(...wrapped(facts.join(' · '), width, 'dim'));
  out.push(...wrapped(`↳ ${tx.explain}`, width));
  if (tx.sasl) {
    const who = tx.sasl.user ? ` as "${tx.sasl.user}"` : '';
    out.push(
      plainRow(
        `SASL ${tx.sasl.mechanism}${who}: ${counted(tx.sasl.stepsTotal, 'step')}, ${tx.sasl.outcome ?? 'unfinished'} (secrets redacted)`,
        'accent',
      ),
    );
    for (const st of tx.sasl.steps)
      out.push(
        ...wrapped(
          `${st.from === 'server' ? 'S: +' : 'C:'} ${st.text}`,
          width,
          st.from === 'server' ? 'server' : 'client',
          '  ',
        ),
      );
  }
  if (tx.violations.length === 0) out.push(plainRow('no violations', 'ok'));
  for (const v of tx.violations) {
    out.push(plainRow(`! ${v.code} (${v.severity}, ${v.rfc})`, severityTone(v.severity)));
    out.push(...wrapped(printable(v.message), width, undefined, '  '));
  }
  return out;
}

function sessionDetail(x: SessionView, width: number): Row[] {
  const list = (ns: number[]) => (ns.length ? ns.join(', ') : '—');
  const out = [
    row(
      span(`Session ${x.id}`, 'bold'),
      span(` · ${x.live ? 'live' : `ended: ${x.closeReason ?? '?'}`}`, 'dim'),
    ),
    plainRow(`client ${x.client ?? '?'} → server ${x.upstream ?? '?'}`),
    plainRow(
      `user ${x.user ?? '—'} · auth ${x.auth ?? '—'} · tls ${x.tls}${x.mode ? ` · mode ${x.mode}` : ''}`,
    ),
    plainRow(
      `retrieved ${list(x.mailbox.filter((m) => m.retrieved).map((m) => m.n))} · marked ${list(x.mailbox.filter((m) => m.marked).map((m) => m.n))} · removed ${list(x.mailbox.filter((m) => m.removed).map((m) => m.n))}`,
    ),
    plainRow(
      `${counted(x.commands, 'command')} · ${fmtDuration((x.endedAt ?? x.startedAt) - x.startedAt)}${x.live ? ' so far' : ''}`,
    ),
  ];
  const codes = Object.entries(x.codes);
  out.push(
    plainRow(
      `violations ${codes.length ? codes.map(([c, n]) => `${c}×${n}`).join(', ') : 'none'}${x.injected > 0 ? ` · injected ${x.injected}` : ''}`,
      codes.length || x.injected > 0 ? 'warn' : 'ok',
    ),
  );
  return out.flatMap((r) =>
    r.spans.length === 1 ? wrapped(r.spans[0]!.text, width, r.spans[0]!.tone) : [r],
  );
}

/**
 * Step by step, while the cursor tracks the newest entry: what the waiting command asks, before its answer — a
 * demo client's next command (not sent yet), or a replay's commands sent and not yet answered. Null otherwise.
 */
function askDetail(s: DashboardState, x: SessionView | null, width: number): Row[] | null {
  if (s.cursor !== null) return null;
  if (s.next) {
    return [
      row(span(`next: ${s.next.line}`, 'bold'), span(' · not sent yet', 'dim')),
      ...wrapped(`↳ ${s.next.ask}`, width),
      plainRow('space: send it (the answer is the server’s own)', 'accent'),
    ];
  }
  if (!s.replay?.step || !x || x.pending.length === 0) return null;
  const out = x.pending.flatMap((p) => [
    row(span(`#${p.seq} ${p.line}`, 'bold'), span(' · not answered yet', 'dim')),
    ...wrapped(`↳ ${p.ask}`, width),
  ]);
  if (x.pending.length > 1)
    out.push(...wrapped('These commands came together (pipelined): one step plays them.', width, 'dim'));
  out.push(plainRow(`space: reveal the ${x.pending.length > 1 ? 'answers' : 'answer'}`, 'accent'));
  return out;
}

export function detailPane(s: DashboardState, width: number, height: number): PaneView {
  const x = currentSession(s);
  const e = currentEntry(s, x);
  const asked = askDetail(s, x, width);
  let lines: Row[];
  if (asked) lines = asked;
  else if (!x) lines = [plainRow('The selected transaction is explained here.', 'dim')];
  else if (!e || e.kind === 'end') lines = sessionDetail(x, width);
  else if (e.kind === 'tx') lines = txDetail(e.tx, width);
  else if (e.kind === 'phase')
    lines = [plainRow(`${e.to} began ${fmtOffset(e.at - x.startedAt)}`, 'bold'), ...wrapped(e.reason, width)];
  else if (e.kind === 'violation') {
    lines = [
      plainRow(
        `! ${e.violation.code} (${e.violation.severity}, ${e.violation.rfc})`,
        severityTone(e.violation.severity),
      ),
      ...wrapped(printable(e.violation.message), width),
    ];
  } else if (e.kind === 'own') {
    lines = [
      plainRow(
        e.injected
          ? 'pop3scope injected this fault on purpose (a --fault rule; not the server)'
          : 'pop3scope itself did this on the wire (not the client, not the server)',
        'bold',
      ),
      ...e.lines.flatMap((l) => wrapped(l, width)),
    ];
  } else lines = [plainRow(`TLS began (${e.how}); pop3scope sees the stream ${e.visibility}`, 'bold')];
  const top = Math.max(0, Math.min(s.scroll.detail, lines.length - height));
  const label = asked
    ? 'Detail · what will the server answer?'
    : e?.kind === 'tx'
      ? `Detail #${e.tx.seq}${top > 0 ? ` (line ${top + 1})` : ''}`
      : 'Detail';
  return { label, rows: lines.slice(top, top + height).map((r) => clipRow(r, width)), top };
}
