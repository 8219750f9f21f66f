/**
 * Real clients (curl, Python poplib, fetchmail, mpop) through the REAL `pop3scope proxy --fault RULE` process
 * against pop3scope's EMBEDDED server (a fresh one per test, so each starts with bob's 2 messages of 498 and 912
 * octets). Each test asserts (a) what the client did — its exit code or exception, and the commands the
 * capture (read back with `show --format json`) says it sent after the fault, with the summary's retrieved /
 * marked / removed; (b) the injected event and the summary's count, naming the rule; (c) what is left on the
 * server (STAT straight at it), and when a client deleted mail, that it was the client's doing.
 *
 * The behaviour recorded here is what these client versions do (curl 7.88, Python 3.11 poplib, fetchmail 6.4.37,
 * mpop 1.4.18); faults-peers-dovecot*.test.ts do the same against Dovecot.
 */
import { afterAll, expect, it } from 'vitest';
import { curlPop3 } from '../helpers/clients.js';
import { stopBenches, subjects, type UnderFault, underFault } from '../helpers/faults.js';
import { fm, lastLine, mp, popDownload } from '../helpers/faultsDovecot.js';
import { describeWithPeers } from '../helpers/peers.js';

afterAll(stopBenches, 30_000);

const curl = (port: number, path: string, args: string[] = [], timeoutMs = 6000) =>
  curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/${path}`, ['-v', ...args], { timeoutMs });

/** Every fired fault names the rule; the summary counts them; the capture header records the rule. */
function expectInjected(u: UnderFault<unknown>, rule: string, on: string[]): void {
  expect(u.injected.map((i) => [i.rule, i.on])).toEqual(on.map((o) => [rule, o]));
  expect(u.summary.injected).toBe(on.length);
  expect(u.headerFaults?.rules).toEqual([rule]);
}

describeWithPeers(['curl', 'python3', 'fetchmail', 'mpop'], 'cut mid-RETR (RETR #1 cut 400)', () => {
  const RULE = 'RETR #1 cut 400';

  it('curl: prints the 384 body octets it got and exits 0 — it takes the cut body as the whole message', async () => {
    const u = await underFault('embedded', RULE, (port) => curl(port, '1'));
    // The finding: curl 7.88 exits 0 after a RETR cut short (EOF before the "." line), with a truncated message.
    expect(u.client.code, u.client.stderr).toBe(0);
    expect(u.client.stdoutBytes.length).toBe(400 - '+OK 498 octets\r\n'.length);
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [], removed: [], closedBy: 'proxy' });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('poplib: error_proto("-ERR EOF"), sends nothing more; both messages stay', async () => {
    const u = await underFault('embedded', RULE, popDownload);
    expect(u.client.code).toBe(3);
    expect(lastLine(u.client.stdout)).toBe("('EXC', 'error_proto', '-ERR EOF')");
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail keep: hands the TRUNCATED message to its MDA, then exits 2 (SOCKET); no DELE, both stay', async () => {
    const u = await underFault('embedded', RULE, fm(true));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stderr).toContain('socket error while fetching');
    // The finding: the partial message 1 was delivered (its last lines are missing), as if it were mail.
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    // The body's short last line (13 tildes) never arrived.
    expect(u.client.mbox.split('\n')).not.toContain('~'.repeat(13));
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail delete mode (cut on TOP, which it uses instead of RETR): delivers the partial message, exits 2, sends no DELE', async () => {
    const u = await underFault('embedded', 'TOP #1 cut 400', fm(false));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    expectInjected(u, 'TOP #1 cut 400', ['TOP 1']);
    // Not the data-loss bug: fetchmail does not DELE a message whose download failed.
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('mpop delete mode: never returns — it spins on the closed connection, appending to its mbox, until killed; no DELE', async () => {
    // mpop 1.4.18 busy-loops after EOF in the middle of a body line (seen without pop3scope too, against a
    // server that closes mid-line): its own `timeout 2` never fires, since reads do not block. Killed after 4 s.
    const u = await underFault('embedded', RULE, mp(false, 4000));
    expect(u.client.timedOut).toBe(true);
    expect(u.client.mboxSize).toBeGreaterThan(10 * 1410); // far more than the whole maildrop holds
    expectInjected(u, RULE, ['RETR 1']);
    // RETR 2 was pipelined before the cut; nothing after it.
    expect(u.after).toEqual(['RETR 2']);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
});

describeWithPeers(['curl', 'python3', 'fetchmail', 'mpop'], '-ERR on DELE (DELE err [IN-USE] busy)', () => {
  const RULE = 'DELE err [IN-USE] busy';

  it('curl -X "DELE 1": exits 8 (weird server reply), then QUITs — and the server, which said +OK, removes message 1', async () => {
    const u = await underFault('embedded', RULE, (port) => curl(port, '', ['-X', 'DELE 1', '-I']));
    expect(u.client.code).toBe(8);
    expect(u.client.stderr).toContain('< -ERR [IN-USE] busy');
    expectInjected(u, RULE, ['DELE 1']);
    expect(u.after).toEqual(['QUIT']);
    // The client was told the DELE failed, but only the answer was replaced: the server marked message 1 and
    // removed it at QUIT. The client did send DELE and QUIT, so this is the client's deletion, not a loss.
    expect(u.summary).toMatchObject({ marked: [1], removed: [1] });
    expect(await u.bench.stat()).toBe('+OK 1 912');
  });

  it('poplib: error_proto on dele(1) and no QUIT; the server discards the mark, both stay', async () => {
    const u = await underFault('embedded', RULE, popDownload);
    expect(u.client.code).toBe(3);
    expect(lastLine(u.client.stdout)).toBe(`('EXC', 'error_proto', "b'-ERR [IN-USE] busy'")`);
    expectInjected(u, RULE, ['DELE 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [1], removed: [], discarded: [1] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail keep: sends no DELE, so the rule never fires; both delivered, exit 0', async () => {
    const u = await underFault('embedded', RULE, fm(true));
    expect(u.client.code, u.client.stdout).toBe(0);
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expect(u.injected).toEqual([]);
    expect(u.summary.injected).toBeUndefined();
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail delete mode: stops after the -ERR, QUITs, exits 24; message 1 (downloaded) is removed by the server, 2 stays', async () => {
    const u = await underFault('embedded', RULE, fm(false));
    expect(u.client.code, u.client.stdout).toBe(24);
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    expectInjected(u, RULE, ['DELE 1']);
    expect(u.after).toEqual(['QUIT']);
    // As with curl: the server really marked message 1 (it said +OK), and fetchmail's QUIT removed it. It had
    // been delivered whole, so nothing is lost; message 2 was never fetched and stays.
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [1], removed: [1] });
    expect(await u.bench.stat()).toBe('+OK 1 912');
  });

  it('mpop delete mode: "command DELE 1 failed", exit 65, drops the connection without QUIT; both stay', async () => {
    const u = await underFault('embedded', RULE, mp(false));
    expect(u.client.code).toBe(65);
    expect(u.client.stderr).toContain('command DELE 1 failed');
    expect(subjects(u.client.mbox)).toHaveLength(2);
    // DELE 2 was pipelined with DELE 1, so both answers were replaced.
    expectInjected(u, RULE, ['DELE 1', 'DELE 2']);
    expect(u.after).toEqual(['DELE 2']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [1, 2], removed: [], discarded: [1, 2] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
});

describeWithPeers(['curl', 'python3', 'fetchmail', 'mpop'], 'sizes that lie (LIST size-lie +100)', () => {
  const RULE = 'LIST size-lie +100';

  it('curl LIST prints the lying sizes and exits 0', async () => {
    const u = await underFault('embedded', RULE, (port) => curl(port, ''));
    expect(u.client.code).toBe(0);
    expect(u.client.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['1 598', '2 1012']);
    expectInjected(u, RULE, ['LIST']);
    expect(u.after).toEqual(['QUIT']);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('poplib ignores the sizes: retrieves both whole, deletes them (its own doing)', async () => {
    const u = await underFault('embedded', RULE, popDownload);
    expect(u.client.code, u.client.stdout).toBe(0);
    expect(u.client.stdout).toContain("[b'1 598', b'2 1012']");
    expectInjected(u, RULE, ['LIST']);
    expect(u.after).toEqual(['RETR 1', 'DELE 1', 'RETR 2', 'DELE 2', 'QUIT']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [1, 2], removed: [1, 2] });
    expect(await u.bench.stat()).toBe('+OK 0 0');
  });

  it('fetchmail keep: asks LIST n for each message (both lie), downloads both whole, exits 0; both stay', async () => {
    const u = await underFault('embedded', RULE, fm(true));
    expect(u.client.code, u.client.stdout).toBe(0);
    expect(u.client.stdout).toContain('(598 octets)');
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expectInjected(u, RULE, ['LIST 1', 'LIST 2']);
    expect(u.after).toEqual(['RETR 1', 'LIST 2', 'RETR 2', 'QUIT']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail delete mode: downloads both whole with TOP, then DELEs them (its own doing), exit 0', async () => {
    const u = await underFault('embedded', RULE, fm(false));
    expect(u.client.code, u.client.stdout).toBe(0);
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expectInjected(u, RULE, ['LIST 1', 'LIST 2']);
    expect(u.after).toEqual(['TOP 1 99999999', 'DELE 1', 'LIST 2', 'TOP 2 99999999', 'DELE 2', 'QUIT']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [1, 2], removed: [1, 2] });
    expect(await u.bench.stat()).toBe('+OK 0 0');
  });

  it('mpop keep: downloads both whole (it does not check RETR against LIST), exits 0; both stay', async () => {
    const u = await underFault('embedded', RULE, mp(true));
    expect(u.client.code).toBe(0);
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expectInjected(u, RULE, ['LIST']);
    expect(u.after).toEqual(['UIDL', 'RETR 1', 'RETR 2', 'QUIT']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
});

describeWithPeers(['curl', 'python3', 'fetchmail', 'mpop'], 'no final "." (RETR drop-terminator)', () => {
  const RULE = 'RETR drop-terminator';

  it('curl: waits for the "." until its own --max-time (exit 28, all 498 octets received)', async () => {
    const u = await underFault('embedded', RULE, (port) => curl(port, '1', [], 3000));
    expect(u.client.code).toBe(28);
    expect(u.client.stderr).toContain('with 498 bytes received');
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('poplib: its 2 s socket timeout fires (TimeoutError); no DELE', async () => {
    const u = await underFault('embedded', RULE, popDownload);
    expect(u.client.code).toBe(3);
    expect(lastLine(u.client.stdout)).toBe("('EXC', 'TimeoutError', 'timed out')");
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail keep: delivers message 1 before the "." came, then times out (exit 2); both stay', async () => {
    const u = await underFault('embedded', RULE, fm(true));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stdout).toContain('timeout after 2 seconds');
    // fetchmail handed message 1 to the MDA although its "." never came (it had all 498 octets).
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail delete mode (TOP drop-terminator): delivers message 1 without its ".", times out (exit 2), no DELE', async () => {
    const u = await underFault('embedded', 'TOP drop-terminator', fm(false));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stdout).toContain('timeout after 2 seconds');
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    expectInjected(u, 'TOP drop-terminator', ['TOP 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('mpop delete mode: stores message 1 + the RETR 2 answer as ONE message, times out (exit 74), sends no DELE', async () => {
    const u = await underFault('embedded', RULE, mp(false));
    expect(u.client.code).toBe(74);
    expect(u.client.stderr).toContain('the operation timed out');
    // The finding: mpop stored ONE message made of message 1, the status line of the answer to RETR 2 and
    // message 2 (a corrupt merge), and left it in its mbox although it then failed.
    expect(u.client.mbox.match(/^From /gm)).toHaveLength(1);
    expect(u.client.mbox).toContain('\n+OK 912 octets\n');
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expectInjected(u, RULE, ['RETR 1', 'RETR 2']);
    expect(u.after).toEqual(['RETR 2']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [], removed: [] });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
});

describeWithPeers(['curl', 'python3', 'fetchmail', 'mpop'], 'a server that stalls (RETR stall)', () => {
  const RULE = 'RETR stall';

  it('curl: gives up at its own --max-time (exit 28, 0 bytes received)', async () => {
    const u = await underFault('embedded', RULE, (port) => curl(port, '1', [], 3000));
    expect(u.client.code).toBe(28);
    expect(u.client.stderr).toContain('with 0 bytes received');
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('poplib: TimeoutError after its 2 s socket timeout; nothing more sent', async () => {
    const u = await underFault('embedded', RULE, popDownload);
    expect(u.client.code).toBe(3);
    expect(lastLine(u.client.stdout)).toBe("('EXC', 'TimeoutError', 'timed out')");
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('fetchmail keep with `timeout 2`: "timeout after 2 seconds waiting for server", exit 2, nothing delivered', async () => {
    const u = await underFault('embedded', RULE, fm(true));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stdout).toContain('timeout after 2 seconds waiting for server');
    expect(u.client.mboxSize).toBe(0);
    expectInjected(u, RULE, ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
  it('fetchmail delete mode (TOP stall) with `timeout 2`: times out the same way, exit 2, nothing delivered, no DELE', async () => {
    const u = await underFault('embedded', 'TOP stall', fm(false));
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stdout).toContain('timeout after 2 seconds waiting for server');
    expect(u.client.mboxSize).toBe(0);
    expectInjected(u, 'TOP stall', ['TOP 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ marked: [], removed: [], closedBy: 'client', violations: {} });
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });

  it('mpop delete mode with `timeout 2`: "the operation timed out", exit 74, nothing delivered, no DELE', async () => {
    const u = await underFault('embedded', RULE, mp(false));
    expect(u.client.code).toBe(74);
    expect(u.client.stderr).toContain('network read error: the operation timed out');
    expect(u.client.mboxSize).toBe(0);
    expectInjected(u, RULE, ['RETR 1']);
    // RETR 2 was pipelined with RETR 1; mpop gave up by itself, so no POP3_CLIENT_NO_TIMEOUT.
    expect(u.after).toEqual(['RETR 2']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [], removed: [], closedBy: 'client' });
    expect(u.summary.violations).toEqual({});
    expect(await u.bench.stat()).toBe('+OK 2 1410');
  });
});

describeWithPeers(
  ['curl', 'python3', 'fetchmail', 'mpop'],
  'an -ERR greeting (greeting greeting-err)',
  () => {
    const RULE = 'greeting greeting-err';
    const check = async (u: UnderFault<unknown>, after: string[]) => {
      expectInjected(u, RULE, ['greeting']);
      // The engine judged the server on its real greeting; the client got -ERR instead.
      expect(u.records.find((r) => r.type === 'transaction')?.response.status).toBe('+OK');
      expect(u.after).toEqual(after);
      expect(u.summary).toMatchObject({ user: null, retrieved: [], marked: [] });
      expect(await u.bench.stat()).toBe('+OK 2 1410');
    };

    it('curl: exit 8, sends nothing', async () => {
      const u = await underFault('embedded', RULE, (port) => curl(port, '1'));
      expect(u.client.code).toBe(8);
      await check(u, []);
    });

    it('poplib: error_proto at connect, sends nothing', async () => {
      const u = await underFault('embedded', RULE, popDownload);
      expect(lastLine(u.client.stdout)).toBe(
        `('EXC', 'error_proto', "b'-ERR [SYS/TEMP] injected by pop3scope'")`,
      );
      await check(u, []);
    });

    it('fetchmail: QUITs at once, but reports an authentication failure (exit 3, AUTHFAIL)', async () => {
      const u = await underFault('embedded', RULE, fm(true));
      expect(u.client.code).toBe(3);
      expect(u.client.stdout).toContain('Query status=3 (AUTHFAIL)');
      await check(u, ['QUIT']);
    });

    it('fetchmail delete mode: the same — QUIT, exit 3 (AUTHFAIL)', async () => {
      const u = await underFault('embedded', RULE, fm(false));
      expect(u.client.code).toBe(3);
      expect(u.client.stdout).toContain('Query status=3 (AUTHFAIL)');
      await check(u, ['QUIT']);
    });

    it('mpop: "cannot get initial OK message", exit 76, sends nothing', async () => {
      const u = await underFault('embedded', RULE, mp(true));
      expect(u.client.code).toBe(76);
      expect(u.client.stderr).toContain('POP3 server message: -ERR [SYS/TEMP] injected by pop3scope');
      await check(u, []);
    });
  },
);
