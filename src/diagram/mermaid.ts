/**
 * One session as the text of a Mermaid sequenceDiagram (issue #16, part 3): what `show --format markdown`
 * puts in a ```mermaid block, which GitHub and GitLab draw natively in a bug report. The same story as the SVG
 * (diagram/layout.ts), in the same order (diagram/order.ts): Client and Server (and pop3scope between them
 * when it answered, injected a fault or kept bytes back), one arrow per command, SASL step and response,
 * notes for the phases, TLS, bodies and violations. Every label went through mermaidText.ts; the arrows are
 * capped (limits.ts) and a last note says how many were left out. Pure; runs in the browser too.
 */
import { VIOLATIONS } from '../protocol/violations.js';
import type { JsonRecord, JsonTransactionRecord, JsonViolation } from '../render/json.js';
import { counted } from '../words.js';
import {
  MERMAID_MAX_ARROWS,
  MERMAID_MAX_LABEL,
  MERMAID_MAX_NOTES,
  MERMAID_MAX_SASL_STEPS,
  MERMAID_MAX_TEXT,
} from './limits.js';
import { mermaidLabel } from './mermaidText.js';
import { drawingOrder, type Element, hasResponse } from './order.js';
import { SessionGrouper } from './sessions.js';
import type { SessionRecords } from './types.js';

export interface MermaidOptions {
  /** Arrows drawn at most (MERMAID_MAX_ARROWS by default); the rest are counted in a last note. */
  readonly maxArrows?: number;
  /** Arrows the caller already left out (`show` keeps a bounded number of records): added to that count. */
  readonly omitted?: number;
  /** Notes the caller already left out, likewise. */
  readonly omittedNotes?: number;
}

type Who = 'Client' | 'pop3scope' | 'Server';

/** What one drawing-order element becomes: its lines, and how many of them are arrows (the rest are notes). */
interface Piece {
  readonly lines: string[];
  readonly arrows: number;
}

const INDENT = '    ';
const ALL = 'Client,Server';

const arrow = (from: Who, how: string, to: Who, text: string, max = MERMAID_MAX_LABEL) =>
  `${INDENT}${from}${how}${to}: ${mermaidLabel(text, max)}`;
const note = (where: string, text: string, max = MERMAID_MAX_LABEL) =>
  `${INDENT}Note ${where}: ${mermaidLabel(text, max)}`;

/** A response's arrow: dotted, crossed when it is no +OK (a -ERR, no status at all). */
const answer = (ok: boolean) => (ok ? '-->>' : '--x');

/** "+OK 2 messages", "-ERR [IN-USE] locked", "(no status) garbage": what the status line said. */
function statusLine(tx: JsonTransactionRecord): string {
  const r = tx.response;
  const parts = [r.status ?? (r.text === '' ? '(no response)' : '(no status)')];
  if (r.code !== null) parts.push(`[${r.code}]`);
  if (r.text !== '') parts.push(r.text);
  return parts.join(' ');
}

/** Lines pop3scope sent or kept back, on one label: "-ERR x ⏎ +OK y". */
const oneLine = (text: string) =>
  text
    .replace(/(\r?\n)+$/, '')
    .split(/\r?\n/)
    .join(' ⏎ ');

/** Over whom a violation is noted: the peer at fault, both when either (or the capture) is. */
function culprit(code: string, withProxy: boolean): string {
  const spec = (VIOLATIONS as Record<string, { culprit: string } | undefined>)[code];
  if (spec?.culprit === 'server') return 'over Server';
  if (spec?.culprit === 'client') return 'over Client';
  if (spec?.culprit === 'proxy' && withProxy) return 'over pop3scope';
  return `over ${ALL}`;
}

function violationNote(v: JsonViolation, withProxy: boolean): string {
  const sign = v.severity === 'info' ? 'ℹ' : '⚠';
  return note(culprit(v.code, withProxy), `${sign} ${v.code} (${v.rfc}): ${v.message}`);
}

function commandPiece(tx: JsonTransactionRecord, withProxy: boolean): Piece {
  const lines = [arrow('Client', tx.command?.pipelined ? '-)' : '->>', 'Server', tx.command?.line ?? '')];
  const steps = tx.sasl?.steps ?? [];
  for (const step of steps.slice(0, MERMAID_MAX_SASL_STEPS)) {
    lines.push(
      step.from === 'server'
        ? arrow('Server', '-->>', 'Client', `+ ${step.text}`)
        : arrow('Client', '->>', 'Server', step.text),
    );
  }
  const arrows = lines.length;
  if (steps.length > MERMAID_MAX_SASL_STEPS)
    lines.push(note(`over ${ALL}`, `… ${counted(steps.length - MERMAID_MAX_SASL_STEPS, 'more SASL step')}`));
  // Nothing answered it: its violations (POP3_NO_RESPONSE) go with the command, as the SVG puts them.
  if (!hasResponse(tx)) for (const v of tx.violations) lines.push(violationNote(v, withProxy));
  return { lines, arrows };
}

function responsePiece(tx: JsonTransactionRecord, withProxy: boolean): Piece {
  const r = tx.response;
  const lines = [arrow('Server', answer(r.status === '+OK'), 'Client', statusLine(tx))];
  if (r.multiline) {
    const size = `${counted(r.bodyOctets, 'octet')}, ${counted(r.bodyLines, 'line')}`;
    lines.push(note('right of Server', r.complete ? size : `${size}, cut before the final "."`));
  }
  for (const v of tx.violations) lines.push(violationNote(v, withProxy));
  return { lines, arrows: 1 };
}

const receiver = (dir: 'c2s' | 's2c') => (dir === 'c2s' ? 'server' : 'client');

function piece(e: Element, withProxy: boolean): Piece {
  switch (e.kind) {
    case 'command':
      return commandPiece(e.tx, withProxy);
    case 'response':
      return responsePiece(e.tx, withProxy);
    case 'proxy': {
      const to = e.record.dir === 'c2s' ? 'Server' : 'Client';
      const text = oneLine(e.record.text);
      return { lines: [arrow('pop3scope', answer(!text.startsWith('-ERR')), to, text)], arrows: 1 };
    }
    case 'injected': {
      const r = e.record;
      return {
        lines: [arrow('pop3scope', '--x', 'Client', `⚡ injected (${r.rule}) on ${r.on}: ${r.what}`)],
        arrows: 1,
      };
    }
    case 'alter': {
      const r = e.record;
      const from = r.dir === 'c2s' ? 'Client' : 'Server';
      const text = `✂ kept from the ${receiver(r.dir)}: ${oneLine(r.removed)} (${r.what})`;
      return { lines: [arrow(from, '-x', 'pop3scope', text)], arrows: 1 };
    }
    case 'phase':
      return { lines: [note(`over ${ALL}`, e.record.to)], arrows: 0 };
    case 'tls': {
      const r = e.record;
      const seen = r.visibility === 'decrypted' ? 'decrypted by pop3scope' : 'opaque to pop3scope';
      const when = r.how === 'implicit' ? 'TLS (implicit) from the start' : 'TLS (STLS) from here';
      return { lines: [note(`over ${ALL}`, `🔒 ${when}, ${seen}`)], arrows: 0 };
    }
    case 'violation':
      return { lines: [violationNote(e.record, withProxy)], arrows: 0 };
  }
}

const list = (ns: readonly number[]) => (ns.length ? ns.join(', ') : '—');

/** The text of the sequenceDiagram, without the ``` fence. */
export function mermaidSequence(s: SessionRecords, o: MermaidOptions = {}): string {
  const max =
    o.maxArrows !== undefined && Number.isInteger(o.maxArrows) && o.maxArrows >= 0
      ? o.maxArrows
      : MERMAID_MAX_ARROWS;
  const withProxy = s.proxy.length + s.alter.length + s.injected.length > 0;
  const out = ['sequenceDiagram', `${INDENT}participant Client`];
  if (withProxy) out.push(`${INDENT}participant pop3scope`);
  out.push(`${INDENT}participant Server`);

  let size = out.reduce((n, l) => n + l.length + 1, 0);
  let arrows = 0;
  let leftArrows = o.omitted !== undefined && o.omitted > 0 ? o.omitted : 0;
  let leftNotes = o.omittedNotes !== undefined && o.omittedNotes > 0 ? o.omittedNotes : 0;
  let cut = false;
  for (const e of drawingOrder(s)) {
    const p = piece(e, withProxy);
    const length = p.lines.reduce((n, l) => n + l.length + 1, 0);
    // Once cut, always cut: a diagram with a hole in the middle would tell a story that did not happen.
    if (!cut && (arrows + p.arrows > max || size + length > MERMAID_MAX_TEXT)) cut = true;
    if (cut) {
      leftArrows += p.arrows;
      leftNotes += p.lines.length - p.arrows;
      continue;
    }
    out.push(...p.lines);
    arrows += p.arrows;
    size += length;
  }
  if (leftArrows + leftNotes > 0) {
    const what = [
      leftArrows ? counted(leftArrows, 'more arrow') : '',
      leftNotes ? counted(leftNotes, 'note') : '',
    ]
      .filter(Boolean)
      .join(' and ');
    out.push(
      note(`over ${ALL}`, `… ${what} left out (this diagram stops after ${counted(arrows, 'arrow')})`),
    );
  }
  const sum = s.summary;
  if (sum) {
    const ended = sum.closeReason ? ` · ended: ${sum.closeReason}` : '';
    const text = `retrieved ${list(sum.retrieved)} · marked ${list(sum.marked)} · removed ${list(sum.removed)}${ended}`;
    out.push(note(`over ${ALL}`, text, 2 * MERMAID_MAX_LABEL));
  }
  return out.join('\n');
}

/** How many arrows and notes a record draws (what `show` counts when it leaves records out). */
export function mermaidWeight(record: JsonRecord): { arrows: number; notes: number } {
  switch (record.type) {
    case 'transaction': {
      const steps = record.sasl?.steps.length ?? 0;
      const answered = hasResponse(record);
      return {
        arrows: (record.command ? 1 : 0) + Math.min(steps, MERMAID_MAX_SASL_STEPS) + (answered ? 1 : 0),
        notes:
          (answered && record.response.multiline ? 1 : 0) +
          record.violations.length +
          (steps > MERMAID_MAX_SASL_STEPS ? 1 : 0),
      };
    }
    case 'proxy':
    case 'alter':
    case 'injected':
      return { arrows: 1, notes: 0 };
    case 'summary':
      return { arrows: 0, notes: 0 };
    default:
      return { arrows: 0, notes: 1 };
  }
}

/**
 * One session's records kept for its Mermaid block, bounded: past the arrow cap (or MERMAID_MAX_NOTES notes)
 * a record is only counted, and so is every later one (the summary excepted), so memory stays flat however
 * long the session and the block says how much it left out.
 */
export class MermaidRecords {
  private readonly grouper = new SessionGrouper();
  private session: SessionRecords | undefined;
  private arrows = 0;
  private notes = 0;
  private omitted = 0;
  private omittedNotes = 0;
  private cut = false;

  constructor(private readonly maxArrows = MERMAID_MAX_ARROWS) {}

  add(record: JsonRecord): void {
    const w = mermaidWeight(record);
    // Kept until the cap is reached (a record may go past it: mermaidSequence cuts at the very arrow).
    if (!this.cut && record.type !== 'summary')
      this.cut = this.arrows >= this.maxArrows || this.notes >= MERMAID_MAX_NOTES;
    if (this.cut && record.type !== 'summary') {
      this.omitted += w.arrows;
      this.omittedNotes += w.notes;
      return;
    }
    this.session = this.grouper.add(record);
    this.arrows += w.arrows;
    this.notes += w.notes;
  }

  /** The sequenceDiagram of what was kept, or null when no record came. */
  sequence(): string | null {
    if (this.session === undefined) return null;
    return mermaidSequence(this.session, {
      maxArrows: this.maxArrows,
      omitted: this.omitted,
      omittedNotes: this.omittedNotes,
    });
  }
}
