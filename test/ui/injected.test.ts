/**
 * The dashboard and injected faults (headless): the transcript pane shows the fault as the live transcript
 * does, as pop3scope's doing (never the server's); the detail says a rule injected it; the session list marks
 * the session (⚡N); a session without faults looks exactly as before.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import type { Row } from '../../src/ui/format.js';
import { cells } from '../../src/ui/format.js';
import { sessionsPane } from '../../src/ui/panes.js';
import { detailPane, transcriptPane } from '../../src/ui/transcript.js';
import { apply, ev, live, open, summary, txEvent } from './helpers.js';

const text = (r: Row) => r.spans.map((s) => s.text).join('');
const lines = (rows: readonly Row[]) => rows.map(text);
const LINE = "⚡ injected (RETR #1 cut 400) on RETR 1: cut after 400 of the response's octets";
const injected = (t: number): EngineEvent => ({
  type: 'injected',
  session: 's1',
  t,
  rule: 'RETR #1 cut 400',
  on: 'RETR 1',
  what: "cut after 400 of the response's octets",
});

describe('an injected fault on the dashboard', () => {
  const faulted = apply(live(), [
    open('s1'),
    ev(txEvent('s1', 1, 'USER bob')),
    ev(injected(15)),
    ev(injected(16)),
  ]);

  it('is in the transcript pane as the live transcript shows it, in the colour of pop3scope’s own doing', () => {
    const rows = transcriptPane(faulted, 100, 20, 0).rows;
    const mine = rows.filter((r) => text(r) === LINE);
    expect(mine).toHaveLength(2);
    expect(mine[0]!.spans.map((s) => s.tone)).toEqual(['warn']);
    expect(lines(rows).join('\n')).not.toMatch(/^S: .*injected/m);
  });

  it('the detail says pop3scope injected it on purpose, not the server', () => {
    expect(lines(detailPane(faulted, 100, 10).rows)).toEqual([
      'pop3scope injected this fault on purpose (a --fault rule; not the server)',
      LINE,
    ]);
  });

  it('marks the session in the list with the number of faults, live and after its summary', () => {
    const row = (s: typeof faulted) => lines(sessionsPane(s, 100, 6, 0).rows)[1]!;
    expect(faulted.data.sessions.find((x) => x.id === 's1')?.injected).toBe(2);
    expect(row(faulted)).toContain('⚡2 10.0.0.1:1000');
    for (const width of [60, 80, 120])
      for (const r of sessionsPane(faulted, width, 6, 0).rows)
        expect(cells(text(r))).toBeLessThanOrEqual(width);
    const ended = apply(faulted, [ev(summary('s1', { injected: 3 }))]);
    expect(row(ended)).toContain('⚡3 10.0.0.1:1000');
    expect(lines(detailPane(ended, 100, 10).rows)).toContain('violations none · injected 3');
  });

  it('leaves a session without faults as it was: no mark, no count', () => {
    const plain = apply(live(), [open('s1'), ev(txEvent('s1', 1, 'USER bob')), ev(summary('s1'))]);
    expect(plain.data.sessions[0]!.injected).toBe(0);
    const all = [
      ...lines(sessionsPane(plain, 100, 6, 0).rows),
      ...lines(transcriptPane(plain, 100, 20, 0).rows),
      ...lines(detailPane(plain, 100, 10).rows),
    ].join('\n');
    expect(all).not.toContain('⚡');
    expect(all).not.toContain('injected');
    expect(all).toContain('violations none');
  });
});
