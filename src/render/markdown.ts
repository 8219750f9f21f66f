/**
 * The Markdown report: per session, the transcript as a fenced block, the session as a Mermaid sequenceDiagram
 * (GitHub and GitLab draw it; diagram/mermaid.ts writes it) and a table of violations, for bug reports.
 */
import type { SessionSummary, Violation } from '../analysis/types.js';

export interface SessionReport {
  readonly summary: SessionSummary;
  /** The plain transcript lines (no colour). */
  readonly lines: readonly string[];
  /** Every violation with the transaction it belongs to (null: the session). */
  readonly violations: readonly { readonly seq: number | null; readonly violation: Violation }[];
  /** The capture the session came from, when several were read. */
  readonly file?: string;
  /** The session's sequenceDiagram (diagram/mermaid.ts), without its fence: drawn after the transcript. */
  readonly mermaid?: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownReport(report: SessionReport): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(`### POP3 session ${s.session}${s.user ? ` (user ${cell(s.user)})` : ''}`);
  out.push('');
  out.push(
    `client ${s.client ?? '?'} → server ${s.upstream ?? '?'} · auth ${s.auth ?? '—'} · tls ${s.tls} · mode ${s.mode} · ${(s.durationMs / 1000).toFixed(3)} s${s.injected ? ` · injected ${s.injected}` : ''}${report.file === undefined ? '' : ` · file ${cell(report.file)}`}`,
  );
  out.push('');
  // A fence longer than any backtick run inside keeps the block intact.
  // Loops, not spreads: a session can have hundreds of thousands of lines, too many arguments for a call.
  let longest = 2;
  for (const l of report.lines)
    for (const run of l.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  out.push(`${fence}text`);
  for (const l of report.lines) out.push(l);
  out.push(fence, '');
  // Every line of it begins with a keyword or an indent (mermaid.ts), never with a backtick: ``` closes it.
  if (report.mermaid !== undefined) out.push('```mermaid', report.mermaid, '```', '');
  if (report.violations.length === 0) {
    out.push('No violations.');
  } else {
    out.push('| # | code | severity | RFC | message |', '|---|---|---|---|---|');
    for (const { seq, violation: v } of report.violations) {
      out.push(`| ${seq ?? '—'} | ${v.code} | ${v.severity} | ${v.rfc} | ${cell(v.message)} |`);
    }
  }
  out.push('');
  return out.join('\n');
}
