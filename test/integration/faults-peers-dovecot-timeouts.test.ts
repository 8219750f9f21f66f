/**
 * faults-peers-dovecot.test.ts continued (same table, test/helpers/faultsDovecot.ts): an answer without its
 * final "." line, a server that stalls (each client with its own 2 s timeout) and an -ERR greeting, against a
 * fresh Dovecot behind the real `pop3scope proxy --fault RULE`. Under a stall every client gave up by itself:
 * the client closed the session, so no POP3_CLIENT_NO_TIMEOUT (the rows' violations are exactly none). What
 * differed from the embedded server: curl's wording under drop-terminator, and whether mpop's pipelined RETR 2
 * is judged as accepting the unterminated answer (both rows say so).
 */
import { afterAll, expect } from 'vitest';
import { stopBenches, subjects } from '../helpers/faults.js';
import {
  curl,
  type Faulted,
  faultTable,
  fm,
  hasLastLineOf1,
  lastLine,
  mbox,
  mp,
  PEERS,
  popDownload,
} from '../helpers/faultsDovecot.js';
import { describeWithPeers } from '../helpers/peers.js';

afterAll(stopBenches, 30_000);

describeWithPeers([...PEERS], 'Dovecot: no final "." (RETR drop-terminator)', () => {
  faultTable('RETR drop-terminator', [
    {
      // curl printed 496 of the 498 octets (it holds back a CRLF that could start "\r\n.\r\n"), as it does against
      // the embedded server; but its message counts "0 bytes received" here, "498 bytes received" there.
      name: 'curl: waits for the "." until its --max-time, exit 28 (Dovecot: it says "0 bytes received")',
      run: curl('1', [], 3000),
      code: 28,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => {
        expect(u.client.stdoutBytes.length).toBe(496);
        expect(u.client.stderr).toMatch(/Operation timed out after \d+ milliseconds with 0 bytes received/);
      },
    },
    {
      name: 'poplib: its 2 s socket timeout fires (TimeoutError); no DELE',
      run: popDownload,
      code: 3,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => expect(lastLine(u.client.stdout)).toBe("('EXC', 'TimeoutError', 'timed out')"),
    },
    {
      name: 'fetchmail keep: delivers message 1 before the "." came, then times out (exit 2); no DELE',
      run: fm(true),
      code: 2,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stdout).toContain('timeout after 2 seconds');
        expect(subjects(mbox(u))).toEqual(['Subject: Lunch on Friday?']);
        expect(hasLastLineOf1(u)).toBe(true);
      },
    },
    {
      name: 'fetchmail delete (TOP drop-terminator): delivers message 1 without its ".", times out (exit 2); no DELE',
      rule: 'TOP drop-terminator',
      run: fm(false),
      code: 2,
      on: ['TOP 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stdout).toContain('timeout after 2 seconds');
        expect(subjects(mbox(u))).toEqual(['Subject: Lunch on Friday?']);
      },
    },
    {
      name: 'mpop delete: stores message 1 + the RETR 2 answer as ONE message, times out (exit 74), no DELE (Dovecot: flagged as accepting it)',
      run: mp(false),
      code: 74,
      on: ['RETR 1', 'RETR 2'],
      after: ['RETR 2'],
      summary: { retrieved: [1, 2], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('the operation timed out');
        expect(mbox(u).match(/^From /gm)).toHaveLength(1);
        expect(mbox(u)).toContain('\n+OK 912 octets\n');
        expect(subjects(mbox(u))).toHaveLength(2);
        // mpop pipelines RETR 1 and RETR 2 in two writes. Against the embedded server RETR 2 reached the proxy
        // before the answer to RETR 1 (no violation); Dovecot answers RETR 1 first, so on the wire RETR 2 follows
        // an answer without its "." and POP3_CLIENT_ACCEPTED_UNTERMINATED is reported (every run here), although
        // mpop in fact kept reading. The wire cannot tell a pipelined RETR from one sent after a truncated answer
        // taken as complete; the row allows either verdict rather than depend on the race.
        const v = Object.keys(u.summary.violations);
        expect(v.filter((c) => c !== 'POP3_CLIENT_ACCEPTED_UNTERMINATED')).toEqual([]);
      },
      violations: null,
    },
  ]);
});

describeWithPeers([...PEERS], 'Dovecot: a server that stalls (RETR stall)', () => {
  faultTable('RETR stall', [
    {
      name: 'curl: gives up at its own --max-time (exit 28, 0 bytes received)',
      run: curl('1', [], 3000),
      code: 28,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('with 0 bytes received');
        expect(u.client.stdoutBytes.length).toBe(0);
      },
    },
    {
      name: 'poplib: TimeoutError after its 2 s socket timeout; nothing more sent',
      run: popDownload,
      code: 3,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => expect(lastLine(u.client.stdout)).toBe("('EXC', 'TimeoutError', 'timed out')"),
    },
    {
      name: 'fetchmail keep with `timeout 2`: "timeout after 2 seconds waiting for server", exit 2, nothing delivered',
      run: fm(true),
      code: 2,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => {
        expect(u.client.stdout).toContain('timeout after 2 seconds waiting for server');
        expect(u.client.mboxSize).toBe(0);
      },
    },
    {
      name: 'fetchmail delete (TOP stall) with `timeout 2`: times out the same way, exit 2, nothing delivered, no DELE',
      rule: 'TOP stall',
      run: fm(false),
      code: 2,
      on: ['TOP 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => {
        expect(u.client.stdout).toContain('timeout after 2 seconds waiting for server');
        expect(u.client.mboxSize).toBe(0);
      },
    },
    {
      name: 'mpop delete with `timeout 2`: "the operation timed out", exit 74, nothing delivered, no DELE',
      run: mp(false),
      code: 74,
      on: ['RETR 1'],
      // Pipelined with RETR 1: the stall keeps the connection open, so it is always in the transcript.
      after: ['RETR 2'],
      summary: { retrieved: [1, 2], marked: [], removed: [], closedBy: 'client' },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('network read error: the operation timed out');
        expect(u.client.mboxSize).toBe(0);
      },
    },
  ]);
});

describeWithPeers([...PEERS], 'Dovecot: an -ERR greeting (greeting greeting-err)', () => {
  const greeted = { user: null, retrieved: [], marked: [], removed: [] };
  /** The engine judged Dovecot on its real greeting; the client got -ERR instead. */
  const sawDovecot = (u: Faulted) =>
    expect(u.records.find((r) => r.type === 'transaction')?.response.text).toMatch(
      /^Dovecot \(Debian\) ready\./,
    );
  faultTable('greeting greeting-err', [
    {
      name: 'curl: exit 8, sends nothing',
      run: curl('1'),
      code: 8,
      on: ['greeting'],
      after: [],
      summary: greeted,
      files: 2,
      also: (u) => {
        sawDovecot(u);
        expect(u.client.stderr).toContain('Got unexpected pop3-server response');
      },
    },
    {
      name: 'poplib: error_proto at connect, sends nothing',
      run: popDownload,
      code: 3,
      on: ['greeting'],
      after: [],
      summary: greeted,
      files: 2,
      also: (u) => {
        sawDovecot(u);
        expect(lastLine(u.client.stdout)).toBe(
          `('EXC', 'error_proto', "b'-ERR [SYS/TEMP] injected by pop3scope'")`,
        );
      },
    },
    {
      name: 'fetchmail keep: QUITs at once, but reports an authentication failure (exit 3, AUTHFAIL)',
      run: fm(true),
      code: 3,
      on: ['greeting'],
      after: ['QUIT'],
      summary: greeted,
      files: 2,
      also: (u) => {
        sawDovecot(u);
        expect(u.client.stdout).toContain('Query status=3 (AUTHFAIL)');
        expect(mbox(u)).toBe('');
      },
    },
    {
      name: 'fetchmail delete: the same — QUIT, exit 3 (AUTHFAIL)',
      run: fm(false),
      code: 3,
      on: ['greeting'],
      after: ['QUIT'],
      summary: greeted,
      files: 2,
      also: (u) => {
        sawDovecot(u);
        expect(u.client.stdout).toContain('Query status=3 (AUTHFAIL)');
      },
    },
    {
      name: 'mpop delete: "cannot get initial OK message", exit 76, sends nothing',
      run: mp(false),
      code: 76,
      on: ['greeting'],
      after: [],
      summary: greeted,
      files: 2,
      also: (u) => {
        sawDovecot(u);
        expect(u.client.stderr).toContain('POP3 server message: -ERR [SYS/TEMP] injected by pop3scope');
      },
    },
  ]);
});
