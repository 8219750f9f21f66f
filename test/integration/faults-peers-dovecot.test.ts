/**
 * faults-peers.test.ts's grid against a real Dovecot 2.3 (a fresh one per test, bob's 2 messages of 498 and 912
 * octets): the six faults of issue #15 under curl, poplib, fetchmail keep, fetchmail delete and mpop, through the
 * REAL `pop3scope proxy --fault RULE`. Cut, -ERR on DELE and size-lie here; drop-terminator, stall and
 * greeting-err in faults-peers-dovecot-timeouts.test.ts; the table both are written in is
 * test/helpers/faultsDovecot.ts. One `it` per (fault, client), one table per fault; each row says (a) what the
 * client did — exit code or exception, the commands the capture (`show --format json`) says it sent after the
 * fault, the summary's retrieved / marked / removed and its violations (exactly: none may blame the server for
 * what pop3scope injected); (b) the injected events, naming the rule; (c) how many of bob's message files are
 * left ON DISK in Dovecot's maildir, so a deletion is seen where it really happens.
 *
 * Every behaviour below was run and looked at first (curl 7.88, Python 3.11 poplib, fetchmail 6.4.37, mpop
 * 1.4.18, Dovecot 2.3.19). fetchmail's delete mode asks LAST (Dovecot: -ERR Unknown command) and then fetches
 * with `TOP n 99999999`, so its rules name TOP, as in the embedded tests. mpop is run in delete mode (it reveals more: keep mode never sends DELE), and in both
 * modes where they differ (size-lie). A row whose outcome differs from the embedded server's says so in its
 * name, and why in a comment.
 */
import { afterAll, expect } from 'vitest';
import { stopBenches, subjects } from '../helpers/faults.js';
import {
  curl,
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

describeWithPeers([...PEERS], 'Dovecot: cut mid-RETR (RETR #1 cut 400)', () => {
  faultTable('RETR #1 cut 400', [
    {
      name: 'curl: prints the 384 body octets it got and exits 0 (the cut body taken as the whole message)',
      run: curl('1'),
      code: 0,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [], closedBy: 'proxy' },
      files: 2,
      also: (u) => expect(u.client.stdoutBytes.length).toBe(400 - '+OK 498 octets\r\n'.length),
    },
    {
      name: 'poplib: error_proto("-ERR EOF"), sends nothing more',
      run: popDownload,
      code: 3,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => expect(lastLine(u.client.stdout)).toBe("('EXC', 'error_proto', '-ERR EOF')"),
    },
    {
      name: 'fetchmail keep: hands the TRUNCATED message to its MDA, exit 2 (SOCKET), no DELE',
      run: fm(true),
      code: 2,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('socket error while fetching');
        expect(subjects(mbox(u))).toEqual(['Subject: Lunch on Friday?']);
        expect(hasLastLineOf1(u)).toBe(false);
      },
    },
    {
      name: 'fetchmail delete (cut on TOP, after LAST was refused): delivers the partial message, exit 2, no DELE',
      rule: 'TOP #1 cut 400',
      run: fm(false),
      code: 2,
      on: ['TOP 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('Unknown command: LAST');
        expect(subjects(mbox(u))).toEqual(['Subject: Lunch on Friday?']);
        expect(hasLastLineOf1(u)).toBe(false);
      },
    },
    {
      // mpop 1.4.18 busy-loops after EOF in the middle of a body line, as against the embedded server. Against
      // the embedded server its pipelined RETR 2 reached the proxy before the cut (after = ['RETR 2']); Dovecot
      // answers RETR 1 before mpop's second write arrives, so in every run here RETR 2 came after the close and
      // is in no transcript. A race of mpop's two writes: RETR 2 is allowed, nothing else.
      name: 'mpop delete: spins on the closed connection until killed; no DELE (Dovecot: RETR 2 came after the cut)',
      run: mp(false, 4000),
      code: null,
      on: ['RETR 1'],
      after: [],
      summary: { retrieved: [1], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.timedOut).toBe(true);
        expect(u.client.mboxSize).toBeGreaterThan(10 * 1410);
      },
    },
  ]);
});

describeWithPeers([...PEERS], 'Dovecot: -ERR on DELE (DELE err [IN-USE] busy)', () => {
  faultTable('DELE err [IN-USE] busy', [
    {
      // Only the answer was replaced: Dovecot marked message 1 and removed it at the client's QUIT. The client
      // sent DELE and QUIT itself (while believing the DELE failed).
      name: 'curl -X "DELE 1": exit 8, then QUIT — Dovecot had said +OK, so its file is gone',
      run: curl('', ['-X', 'DELE 1', '-I']),
      code: 8,
      on: ['DELE 1'],
      after: ['QUIT'],
      summary: { marked: [1], removed: [1], closedBy: 'server' },
      files: 1,
      also: (u) => expect(u.client.stderr).toContain('< -ERR [IN-USE] busy'),
    },
    {
      name: 'poplib: error_proto on dele(1), no QUIT; Dovecot discards the mark, both files stay',
      run: popDownload,
      code: 3,
      on: ['DELE 1'],
      after: [],
      summary: { retrieved: [1], marked: [1], removed: [], discarded: [1] },
      violations: { POP3_NO_UPDATE: 1 },
      files: 2,
      also: (u) => expect(lastLine(u.client.stdout)).toBe(`('EXC', 'error_proto', "b'-ERR [IN-USE] busy'")`),
    },
    {
      name: 'fetchmail keep: sends no DELE, so the rule never fires; both delivered, exit 0',
      run: fm(true),
      code: 0,
      on: [],
      after: [],
      summary: { retrieved: [1, 2], marked: [], removed: [] },
      files: 2,
      also: (u) => expect(subjects(mbox(u))).toHaveLength(2),
    },
    {
      // As with curl: Dovecot really marked message 1 and fetchmail's QUIT removed it; it had been delivered
      // whole, so nothing is lost. Message 2 was never fetched and stays.
      name: 'fetchmail delete: stops after the -ERR, QUITs, exit 24; message 1 (delivered whole) is removed',
      run: fm(false),
      code: 24,
      on: ['DELE 1'],
      after: ['QUIT'],
      summary: { retrieved: [1], marked: [1], removed: [1] },
      files: 1,
      also: (u) => {
        expect(u.client.stderr).toContain('[IN-USE] busy');
        expect(subjects(mbox(u))).toEqual(['Subject: Lunch on Friday?']);
        expect(hasLastLineOf1(u)).toBe(true);
      },
    },
    {
      name: 'mpop delete: "command DELE 1 failed", exit 65, drops the connection without QUIT; both stay',
      run: mp(false),
      code: 65,
      // DELE 2 was pipelined with DELE 1, so both answers were replaced.
      on: ['DELE 1', 'DELE 2'],
      after: ['DELE 2'],
      summary: { retrieved: [1, 2], marked: [1, 2], removed: [], discarded: [1, 2] },
      violations: { POP3_NO_UPDATE: 1 },
      files: 2,
      also: (u) => {
        expect(u.client.stderr).toContain('command DELE 1 failed');
        expect(subjects(mbox(u))).toHaveLength(2);
      },
    },
  ]);
});

describeWithPeers([...PEERS], 'Dovecot: sizes that lie (LIST size-lie +100)', () => {
  faultTable('LIST size-lie +100', [
    {
      name: 'curl LIST prints the lying sizes, exit 0',
      run: curl(''),
      code: 0,
      on: ['LIST'],
      after: ['QUIT'],
      summary: { retrieved: [], removed: [] },
      files: 2,
      also: (u) => expect(u.client.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['1 598', '2 1012']),
    },
    {
      name: 'poplib ignores the sizes: retrieves both whole and deletes them (its own doing); 0 files',
      run: popDownload,
      code: 0,
      on: ['LIST'],
      after: ['RETR 1', 'DELE 1', 'RETR 2', 'DELE 2', 'QUIT'],
      summary: { retrieved: [1, 2], marked: [1, 2], removed: [1, 2] },
      files: 0,
      also: (u) => expect(u.client.stdout).toContain("[b'1 598', b'2 1012']"),
    },
    {
      name: 'fetchmail keep: LIST n for each (both lie), downloads both whole, warns on the length, exit 0',
      run: fm(true),
      code: 0,
      on: ['LIST 1', 'LIST 2'],
      after: ['RETR 1', 'LIST 2', 'RETR 2', 'QUIT'],
      summary: { retrieved: [1, 2], marked: [], removed: [] },
      files: 2,
      also: (u) => {
        expect(u.client.stdout).toContain('(598 octets)');
        expect(u.client.stdout).toContain('was not the expected length (912 actual != 1012 expected)');
        expect(subjects(mbox(u))).toHaveLength(2);
      },
    },
    {
      name: 'fetchmail delete: downloads both whole with TOP, then DELEs them (its own doing), exit 0; 0 files',
      run: fm(false),
      code: 0,
      on: ['LIST 1', 'LIST 2'],
      after: ['TOP 1 99999999', 'DELE 1', 'LIST 2', 'TOP 2 99999999', 'DELE 2', 'QUIT'],
      summary: { retrieved: [1, 2], marked: [1, 2], removed: [1, 2] },
      files: 0,
      also: (u) => expect(subjects(mbox(u))).toHaveLength(2),
    },
    {
      name: 'mpop keep: downloads both whole (it does not check RETR against LIST), exit 0; both stay',
      run: mp(true),
      code: 0,
      on: ['LIST'],
      after: ['UIDL', 'RETR 1', 'RETR 2', 'QUIT'],
      summary: { retrieved: [1, 2], marked: [], removed: [] },
      files: 2,
      also: (u) => expect(subjects(mbox(u))).toHaveLength(2),
    },
    {
      name: 'mpop delete: downloads both whole and deletes them (its own doing), exit 0; 0 files',
      run: mp(false),
      code: 0,
      on: ['LIST'],
      after: ['UIDL', 'RETR 1', 'RETR 2', 'DELE 1', 'DELE 2', 'QUIT'],
      summary: { retrieved: [1, 2], marked: [1, 2], removed: [1, 2] },
      files: 0,
      also: (u) => expect(subjects(mbox(u))).toHaveLength(2),
    },
  ]);
});
