/**
 * The comparison of a recorded session with its replay: what counts (status, codes, data in status lines,
 * listings, body sizes and digests, phases, SASL outcome, violations, mailbox facts) and what does not
 * (greeting text, challenges, free status text, timing), and the alignment into same/changed/missing/extra.
 */
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import { compareSessions, comparisonLines } from '../../src/replay/compare.js';

type Turn = ['c' | 's', string];

/** A session's events, as the engine gives them with body digests on. */
function run(turns: Turn[]): EngineEvent[] {
  const inspector = new Inspector('x', { digests: true }, 0);
  const events: EngineEvent[] = [];
  for (const [i, [who, text]] of turns.entries()) {
    events.push(...inspector.receive(who === 'c' ? 'c2s' : 's2c', Buffer.from(text, 'latin1'), i + 1));
  }
  events.push(...inspector.close(turns.length + 1, 'server', 'done'));
  return events;
}

const BODY = 'Subject: hi\r\n\r\nHello Bob\r\n';
const session = (
  o: {
    greeting?: string;
    login?: string;
    stat?: string;
    body?: string;
    capa?: string[];
    quit?: boolean;
  } = {},
): Turn[] => [
  ['s', `+OK ${o.greeting ?? 'ready <1.2@host>'}\r\n`],
  ['c', 'CAPA\r\n'],
  ['s', `+OK\r\n${(o.capa ?? ['TOP', 'UIDL', 'IMPLEMENTATION Dovecot 2.3']).join('\r\n')}\r\n.\r\n`],
  ['c', 'USER bob\r\n'],
  ['s', '+OK\r\n'],
  ['c', 'PASS hungry\r\n'],
  ['s', `${o.login ?? '+OK Logged in.'}\r\n`],
  ['c', 'STAT\r\n'],
  ['s', `+OK ${o.stat ?? `1 ${(o.body ?? BODY).length}`}\r\n`],
  ['c', 'RETR 1\r\n'],
  ['s', `+OK\r\n${o.body ?? BODY}.\r\n`],
  ...(o.quit === false
    ? []
    : ([
        ['c', 'QUIT\r\n'],
        ['s', '+OK bye\r\n'],
      ] as Turn[])),
];

describe('compareSessions', () => {
  it('a session compared with itself is equivalent, every transaction the same', () => {
    const c = compareSessions(run(session()), run(session()));
    expect(c.equivalent).toBe(true);
    expect(c.rows.map((r) => r.kind)).toEqual(Array(7).fill('same'));
    expect(comparisonLines(c).at(-1)).toBe('  => equivalent (7 same, 0 changed, 0 missing, 0 extra)');
  });

  it('greeting text, free status text and CAPA IMPLEMENTATION may differ: still equivalent, free text shown as notes', () => {
    const other = session({
      greeting: 'Dovecot ready. <99.3@elsewhere>',
      login: '+OK Welcome, bob',
      capa: ['UIDL', 'TOP', 'IMPLEMENTATION Dovecot 2.4'],
    });
    const c = compareSessions(run(session()), run(other));
    expect(c.equivalent).toBe(true);
    const login = c.rows.find((r) => r.label === '#3 PASS <redacted 6 octets>')!;
    expect(login).toMatchObject({ kind: 'same', notes: ['text "Logged in." → "Welcome, bob"'] });
    expect(c.rows[0]!.notes).toEqual([]); // greetings differ by design: not even a note
  });

  it('a body with other content of the same size: changed by digest, without printing the body', () => {
    const c = compareSessions(run(session()), run(session({ body: 'Subject: hi\r\n\r\nHello Bo!\r\n' })));
    expect(c.equivalent).toBe(false);
    const retr = c.rows.find((r) => r.label === '#5 RETR 1')!;
    expect(retr).toMatchObject({
      kind: 'changed',
      changes: ['body digest differs (same size, other content)'],
    });
    expect(comparisonLines(c).join('\n')).not.toContain('Hello');
  });

  it('a body of another size, and the data in a STAT line, are changes', () => {
    const c = compareSessions(
      run(session()),
      run(session({ body: 'Subject: hi\r\n\r\nHello Bob, longer\r\n' })),
    );
    expect(c.rows.find((r) => r.label === '#4 STAT')!.changes).toEqual(['status text "1 26" → "1 34"']);
    expect(c.rows.find((r) => r.label === '#5 RETR 1')!.changes).toEqual([
      'body octets 26 → 34',
      'body digest differs',
    ]);
  });

  it('a capability gained or lost is a change', () => {
    const c = compareSessions(run(session()), run(session({ capa: ['TOP', 'UIDL', 'PIPELINING'] })));
    expect(c.rows.find((r) => r.label === '#1 CAPA')!.changes).toEqual([
      'listing differs (2 → 3 lines; with "PIPELINING")',
    ]);
  });

  it('a refused login: PASS changed, the commands after it changed, phases and mailbox facts differ', () => {
    const c = compareSessions(run(session()), run(session({ login: '-ERR [AUTH] Authentication failed.' })));
    expect(c.equivalent).toBe(false);
    expect(c.rows.find((r) => r.label === '#3 PASS <redacted 6 octets>')!.changes).toEqual([
      'status "+OK" → "-ERR"',
      'response code — → "AUTH"',
    ]);
    expect(c.session).toContain('phases AUTHORIZATION → TRANSACTION → UPDATE → AUTHORIZATION');
    expect(c.session).toContain('retrieved [1] → []');
  });

  it('missing and extra: a replay cut short, and one with a transaction the recording lacks', () => {
    const short = compareSessions(run(session()), run(session({ quit: false })));
    expect(short.rows.at(-1)).toMatchObject({ kind: 'missing', label: '#6 QUIT' });
    const longer = compareSessions(run(session({ quit: false })), run(session()));
    expect(longer.rows.at(-1)).toMatchObject({ kind: 'extra', label: '#6 QUIT' });
    expect(comparisonLines(longer).at(-1)).toMatch(
      /^ {2}=> NOT equivalent \(6 same, 0 changed, 0 missing, 1 extra, 1 session difference\)$/,
    );
  });

  it('another user name or password is not a difference (credentials are substituted on purpose)', () => {
    const other = session().map(
      ([w, t]) => [w, t.replace('USER bob', 'USER carol').replace('PASS hungry', 'PASS x')] as Turn,
    );
    expect(compareSessions(run(session()), run(other)).equivalent).toBe(true);
  });
});
