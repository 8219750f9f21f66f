/**
 * The client's reaction to an injected fault, judged by the engine (analysis/reactions.ts): deleting a message
 * whose retrieval was broken, going on before an unterminated answer ended, never timing out after a stall.
 * The engine follows the server's real bytes; the injected events say what the client was given.
 */
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import { actionOf, FAULT_ACTIONS } from '../../src/analysis/reactions.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import { parseRule } from '../../src/faults/rules.js';

const BODY = 'Subject: x\r\n\r\nhi\r\n';

function run(steps: (i: Inspector) => EngineEvent[][], closedBy: string | null = 'client') {
  const i = new Inspector('s1', {}, 0);
  const events = steps(i).flat();
  events.push(...i.close(100, closedBy, 'test'));
  const codes = events.flatMap((e) =>
    e.type === 'violation'
      ? [e.violation.code]
      : e.type === 'transaction'
        ? e.tx.violations.map((v) => v.code)
        : [],
  );
  const summary = events.find((e) => e.type === 'summary');
  return { codes, summary: summary?.type === 'summary' ? summary.summary : null };
}

const login = (i: Inspector) => [
  i.receive('s2c', Buffer.from('+OK hi\r\n'), 1),
  i.receive('c2s', Buffer.from('USER bob\r\n'), 2),
  i.receive('s2c', Buffer.from('+OK\r\n'), 3),
  i.receive('c2s', Buffer.from('PASS x\r\n'), 4),
  i.receive('s2c', Buffer.from('+OK in\r\n'), 5),
];
const retr = (i: Inspector, fault: string | null) => [
  i.receive('c2s', Buffer.from('RETR 2\r\n'), 6),
  ...(fault ? [i.injected({ rule: fault, on: 'RETR 2', what: 'broken' }, 7)] : []),
  i.receive('s2c', Buffer.from(`+OK ${BODY.length} octets\r\n${BODY}.\r\n`), 7),
];

const dele = (i: Inspector, n: number) => [
  i.receive('c2s', Buffer.from(`DELE ${n}\r\n`), 8),
  i.receive('s2c', Buffer.from('+OK marked\r\n'), 9),
];

describe('the client reaction to an injected fault', () => {
  it('DELE after a broken RETR is the data-loss finding; after an intact one, or of another message, it is not', () => {
    for (const rule of ['RETR drop-terminator', 'RETR #1 cut 40', 'RETR err', 'RETR bare-lf']) {
      const r = run((i) => [...login(i), ...retr(i, rule), ...dele(i, 2)]);
      expect(r.codes, rule).toContain('POP3_CLIENT_DELETED_BROKEN');
      expect(r.summary?.violations.POP3_CLIENT_DELETED_BROKEN).toBe(1);
    }
    const ok = run((i) => [...login(i), ...retr(i, 'RETR delay 5'), ...dele(i, 2)]);
    expect(ok.codes).not.toContain('POP3_CLIENT_DELETED_BROKEN');
    const other = run((i) => [...login(i), ...retr(i, 'RETR err'), ...dele(i, 1)]);
    expect(other.codes).not.toContain('POP3_CLIENT_DELETED_BROKEN');
    const none = run((i) => [...login(i), ...retr(i, null), ...dele(i, 2)]);
    // Without a fault, only what any session marked and never QUIT gets.
    expect(none.codes).toEqual(['POP3_NO_UPDATE']);
  });

  it('a command sent while an unterminated answer had not ended: it took it for complete', () => {
    const r = run((i) => [
      ...login(i),
      ...retr(i, 'RETR drop-terminator'),
      i.receive('c2s', Buffer.from('QUIT\r\n'), 8),
    ]);
    expect(r.codes).toContain('POP3_CLIENT_ACCEPTED_UNTERMINATED');
  });

  it('after a stall, a session the client did not end: no timeout of its own', () => {
    const stall = (i: Inspector) => [
      ...login(i),
      i.receive('c2s', Buffer.from('LIST\r\n'), 6),
      i.injected({ rule: 'LIST stall', on: 'LIST', what: 'nothing more sent' }, 7),
    ];
    expect(run(stall, 'proxy').codes).toContain('POP3_CLIENT_NO_TIMEOUT');
    expect(run(stall, 'client').codes).not.toContain('POP3_CLIENT_NO_TIMEOUT');
  });

  it("reads the action from the rule text; the action words are the rule grammar's", () => {
    // Every action word is found in the canonical text of a rule the grammar accepts.
    const samples: Record<string, string> = {
      err: 'DELE err',
      delay: 'RETR delay 5',
      trickle: 'RETR trickle 100/s',
      cut: 'RETR cut 4',
      stall: 'RETR stall',
      'drop-terminator': 'RETR drop-terminator',
      'size-lie': 'LIST size-lie +1',
      'duplicate-line': 'RETR duplicate-line 1',
      'bare-lf': 'RETR bare-lf',
      unstuff: 'RETR unstuff',
      garbage: 'RETR garbage 3',
      'greeting-err': 'greeting greeting-err',
      'close-before-response': 'RETR close-before-response',
      'tls-fail': 'STLS tls-fail',
    };
    expect(Object.keys(samples).sort()).toEqual([...FAULT_ACTIONS].sort());
    for (const [kind, text] of Object.entries(samples))
      expect(actionOf(parseRule(text).text), text).toBe(kind);
    expect(actionOf('RETR 2 #1 p=0.5 cut 400 rst')).toBe('cut');
    expect(actionOf('DELE err [IN-USE] cut the line')).toBe('err');
    expect(actionOf('RETR frobnicate')).toBeNull();
  });
});
