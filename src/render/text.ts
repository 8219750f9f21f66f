/**
 * The annotated text transcript: C:/S: lines, phase banners, explanations, violations, bodies folded to a
 * preview with their octets and lines, and the session summary. Every function returns lines; callers print
 * them (show groups them per session, the live proxy prefixes the session id).
 */

import type { EngineEvent, SessionSummary, Transaction, Violation } from '../analysis/types.js';
import type { TlsInfo } from '../protocol/types.js';
import { counted } from '../words.js';
import { PLAIN, type Style } from './style.js';

export interface TextOptions {
  readonly style?: Style;
  /** Listing lines shown before folding the rest. */
  readonly listingLines?: number;
  /** Body preview lines shown for RETR/TOP. */
  readonly previewLines?: number;
  /** Show the plain-language explanations (on by default). */
  readonly explain?: boolean;
}

const INDENT = '   ';

/** Makes a line printable: control characters as escapes, nothing that could drive the terminal. */
export function printable(s: string): string {
  return s.replace(
    /[\x00-\x08\x0b-\x1f\x7f\x9b]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function violationLine(v: Violation, style: Style = PLAIN): string {
  const paint = v.severity === 'error' ? style.error : v.severity === 'warning' ? style.warn : style.dim;
  return paint(`! ${v.code} (${v.severity}, ${v.rfc}): ${printable(v.message)}`);
}

function statusLine(tx: Transaction, style: Style): string {
  const r = tx.response;
  if (r.status === null && !r.text) return style.dim('S: (no response)');
  const code = r.code !== null ? ` [${r.code}]` : '';
  const line = `S: ${r.status ?? ''}${code}${r.text ? ` ${printable(r.text)}` : ''}`.replace('S:  ', 'S: ');
  return r.status === '-ERR' ? style.error(line) : style.server(line);
}

function bodyLines(tx: Transaction, style: Style, o: TextOptions): string[] {
  const r = tx.response;
  if (!r.multiline) return [];
  const out: string[] = [];
  if (r.listing) {
    const max = o.listingLines ?? 20;
    for (const l of r.listing.slice(0, max)) out.push(style.server(`S| ${printable(l)}`));
    if (r.listing.length > max) out.push(style.dim(`S| … ${counted(r.listing.length - max, 'more line')}`));
  } else {
    const lines = (r.preview ?? '').split(/\r?\n/).slice(0, o.previewLines ?? 3);
    out.push(
      style.dim(`S| [body: ${r.bodyOctets} octets, ${r.bodyLines} lines${r.complete ? '' : ', cut short'}]`),
    );
    for (const l of lines) if (l !== '' && l !== '.') out.push(style.dim(`S| ${printable(l).slice(0, 100)}`));
    if (r.bodyLines > lines.length) out.push(style.dim('S| …'));
  }
  if (r.complete) out.push(style.server('S| .'));
  return out;
}

/** The lines of one transaction. */
export function transactionLines(tx: Transaction, o: TextOptions = {}): string[] {
  const style = o.style ?? PLAIN;
  const out: string[] = [];
  if (tx.command) {
    const mark = tx.command.pipelined ? style.dim('   (pipelined)') : '';
    out.push(style.client(`C: ${printable(tx.command.line)}`) + mark);
  }
  for (const step of tx.sasl?.steps ?? []) {
    if (step.from === 'server') out.push(style.server(`S: + ${printable(step.text)}`));
    else if (tx.command && step === tx.sasl!.steps[0] && tx.command.args.length > 1)
      out.push(style.dim(`${INDENT}(initial response: ${printable(step.text)})`));
    else out.push(style.client(`C: ${printable(step.text)}`));
  }
  out.push(statusLine(tx, style));
  out.push(...bodyLines(tx, style, o));
  if (o.explain !== false) out.push(style.dim(`${INDENT}↳ ${tx.explain} (${tx.rfc})`));
  for (const v of tx.violations) out.push(INDENT + violationLine(v, style));
  return out;
}

export function phaseLine(
  e: Extract<EngineEvent, { type: 'phase' }>,
  startedAt: number,
  o: TextOptions = {},
): string {
  const style = o.style ?? PLAIN;
  const at = ((e.at - startedAt) / 1000).toFixed(3);
  return style.bold(`── ${e.to} ── ${e.reason} (+${at}s)`);
}

/** The receiving side of a direction: s2c bytes go to the client. */
const receiver = (dir: 'c2s' | 's2c') => (dir === 's2c' ? 'client' : 'server');

/** The line of a fault pop3scope injected: which rule, on which response, what the client was given. */
export function injectedLine(e: Extract<EngineEvent, { type: 'injected' }>, style: Style = PLAIN): string {
  return style.warn(`⚡ injected (${printable(e.rule)}) on ${printable(e.on)}: ${printable(e.what)}`);
}

/**
 * The lines of something pop3scope itself did: bytes it sent on its own, bytes it did not pass on, a fault it
 * injected.
 */
export function actionLines(
  e: Extract<EngineEvent, { type: 'proxy' | 'alter' | 'injected' }>,
  style: Style = PLAIN,
): string[] {
  if (e.type === 'injected') return [injectedLine(e, style)];
  const lines = (text: string) => text.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1);
  if (e.type === 'proxy')
    return lines(e.text).map((l) => style.warn(`pop3scope → ${receiver(e.dir)}: ${printable(l)}`));
  const removed = lines(e.removed).map(printable).join(' ⏎ ');
  return [style.warn(`pop3scope kept from the ${receiver(e.dir)}: ${removed} (${printable(e.what)})`)];
}

const list = (ns: readonly number[]) => (ns.length ? ns.join(', ') : '—');

export function summaryLines(s: SessionSummary, o: TextOptions = {}): string[] {
  const style = o.style ?? PLAIN;
  const codes = Object.entries(s.violations);
  return [
    style.bold(`── summary of session ${s.session} ──`),
    `user ${s.user ? printable(s.user) : '—'} · auth ${s.auth ?? '—'} · tls ${s.tls} · mode ${s.mode} · phases ${s.phases.map((p) => p.phase).join(' → ') || '—'}`,
    `retrieved ${list(s.retrieved)} · marked ${list(s.marked)} · removed ${list(s.removed)} · discarded ${list(s.discarded)}`,
    `violations ${codes.length ? codes.map(([c, n]) => `${c}×${n}`).join(', ') : 'none'}${s.injected ? ` · injected ${s.injected}` : ''}`,
    `${counted(s.commands, 'command')} · bytes c2s ${s.bytes.c2s} · s2c ${s.bytes.s2c} · duration ${(s.durationMs / 1000).toFixed(3)}s${s.closeReason ? ` · ended: ${printable(s.closeReason)}` : ''}`,
  ];
}

/**
 * Turns one session's events into transcript lines, in order. Used by `show` (one session at a time) and,
 * event by event, by the live printer.
 */
/** What the handshake showed (a trace's opaque TLS has only this): " TLSv1.3 · TLS_AES_… · SNI host". */
function tlsFacts(info: TlsInfo): string {
  const c = info.client;
  const facts = [c?.version, c?.cipher, c?.sni ? `SNI ${printable(c.sni)}` : null].filter(Boolean);
  return facts.length > 0 ? ` ${facts.join(' · ')}` : '';
}

export class TranscriptPrinter {
  private startedAt: number | null = null;

  constructor(private readonly o: TextOptions = {}) {}

  /** The session's first line; `file` names the capture it came from when `show` reads several. */
  header(
    session: string,
    client: string | null,
    upstream: string | null,
    t: number,
    file?: string,
  ): string[] {
    this.startedAt = t;
    const style = this.o.style ?? PLAIN;
    const where = client || upstream ? ` · client ${client ?? '?'} → server ${upstream ?? '?'}` : '';
    const from = file === undefined ? '' : ` · file ${printable(file)}`;
    return [style.bold(`━━ session ${session}${where} · ${new Date(t).toISOString()}${from}`)];
  }

  event(e: EngineEvent): string[] {
    const o = this.o;
    if (this.startedAt === null && 't' in e) this.startedAt = e.t;
    switch (e.type) {
      case 'transaction':
        this.startedAt ??= e.tx.startedAt;
        return transactionLines(e.tx, o);
      case 'phase':
        return [phaseLine(e, this.startedAt ?? e.at, o)];
      case 'violation':
        return [violationLine(e.violation, o.style)];
      case 'tls':
        return [
          (o.style ?? PLAIN).bold(`── TLS (${e.info.how}, ${e.info.visibility}) ──`) + tlsFacts(e.info),
        ];
      case 'proxy':
      case 'alter':
      case 'injected':
        return actionLines(e, o.style);
      case 'summary':
        return summaryLines(e.summary, o);
      default:
        return [];
    }
  }
}
