/**
 * The faults of faults-peers.test.ts once each against a real Dovecot (a fresh one per test, bob's 2 messages),
 * with the clients spread over them: what the client did after the fault (its exit, the commands the capture
 * says it sent, the summary), the injected event, and what is left ON DISK in Dovecot's maildir.
 */
import { afterAll, expect, it } from 'vitest';
import { curlPop3, poplib } from '../helpers/clients.js';
import {
  fetchmailRun,
  maildirFiles,
  mpopRun,
  stopBenches,
  subjects,
  type UnderFault,
  underFault,
} from '../helpers/faults.js';
import { describeWithPeers } from '../helpers/peers.js';

afterAll(stopBenches, 30_000);

function expectInjected(u: UnderFault<unknown>, rule: string, on: string[]): void {
  expect(u.injected.map((i) => [i.rule, i.on])).toEqual(on.map((o) => [rule, o]));
  expect(u.summary.injected).toBe(on.length);
  expect(u.headerFaults?.rules).toEqual([rule]);
}
const onDisk = (u: UnderFault<unknown>) => maildirFiles(u.bench.dovecot!);

describeWithPeers(['dovecot', 'curl', 'python3', 'fetchmail', 'mpop'], 'faults against Dovecot', () => {
  it('RETR #1 cut 400, fetchmail keep: delivers the truncated message, exit 2, no DELE; 2 files stay', async () => {
    const u = await underFault('dovecot', 'RETR #1 cut 400', (port) =>
      fetchmailRun({ port, keep: true, timeoutSecs: 2 }),
    );
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(subjects(u.client.mbox)).toEqual(['Subject: Lunch on Friday?']);
    expect(u.client.mbox.split('\n')).not.toContain('~'.repeat(13));
    expectInjected(u, 'RETR #1 cut 400', ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(u.summary).toMatchObject({ retrieved: [1], marked: [], removed: [] });
    expect(onDisk(u)).toBe(2);
  });

  it('DELE err [IN-USE] busy, curl -X "DELE 1": exit 8, QUIT — Dovecot had said +OK, so its file is gone', async () => {
    const u = await underFault('dovecot', 'DELE err [IN-USE] busy', (port) =>
      curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/`, ['-v', '-X', 'DELE 1', '-I'], { timeoutMs: 6000 }),
    );
    expect(u.client.code).toBe(8);
    expectInjected(u, 'DELE err [IN-USE] busy', ['DELE 1']);
    expect(u.after).toEqual(['QUIT']);
    // Only the answer was replaced: Dovecot marked message 1 and removed it at the client's QUIT. The client
    // sent DELE and QUIT itself (while believing the DELE failed).
    expect(u.summary).toMatchObject({ marked: [1], removed: [1] });
    expect(onDisk(u)).toBe(1);
  });

  it('LIST size-lie +100, mpop delete mode: downloads both whole and deletes them (its own doing); 0 files', async () => {
    const u = await underFault('dovecot', 'LIST size-lie +100', (port) =>
      mpopRun({ port, keep: false, timeoutSecs: 2 }),
    );
    expect(u.client.code).toBe(0);
    expect(subjects(u.client.mbox)).toHaveLength(2);
    expectInjected(u, 'LIST size-lie +100', ['LIST']);
    expect(u.after).toEqual(['UIDL', 'RETR 1', 'RETR 2', 'DELE 1', 'DELE 2', 'QUIT']);
    expect(u.summary).toMatchObject({ retrieved: [1, 2], marked: [1, 2], removed: [1, 2] });
    expect(onDisk(u)).toBe(0);
  });

  it('RETR drop-terminator, poplib: TimeoutError after its 2 s timeout, no DELE; 2 files stay', async () => {
    const u = await underFault('dovecot', 'RETR drop-terminator', (port) =>
      poplib(
        `
        try:
            p = poplib.POP3(HOST, PORT, timeout=2)
            p.user(USER); p.pass_(PASSWORD)
            p.retr(1); p.dele(1); p.quit()
        except Exception as e:
            out(('EXC', type(e).__name__, str(e)))
        `,
        { POP_PORT: String(port), POP_USER: 'bob', POP_PASSWORD: 'hungry' },
      ),
    );
    expect(u.client.stdout.trim()).toBe("('EXC', 'TimeoutError', 'timed out')");
    expectInjected(u, 'RETR drop-terminator', ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(onDisk(u)).toBe(2);
  });

  it('RETR stall, fetchmail keep with `timeout 2`: times out waiting for the server, exit 2; 2 files stay', async () => {
    const u = await underFault('dovecot', 'RETR stall', (port) =>
      fetchmailRun({ port, keep: true, timeoutSecs: 2 }),
    );
    expect(u.client.code, u.client.stdout).toBe(2);
    expect(u.client.stdout).toContain('timeout after 2 seconds waiting for server');
    expectInjected(u, 'RETR stall', ['RETR 1']);
    expect(u.after).toEqual([]);
    expect(onDisk(u)).toBe(2);
  });

  it('greeting greeting-err, mpop: exit 76, sends nothing; the engine saw Dovecot’s real +OK greeting', async () => {
    const u = await underFault('dovecot', 'greeting greeting-err', (port) =>
      mpopRun({ port, keep: false, timeoutSecs: 2 }),
    );
    expect(u.client.code).toBe(76);
    expectInjected(u, 'greeting greeting-err', ['greeting']);
    expect(u.records.find((r) => r.type === 'transaction')?.response.text).toMatch(
      /^Dovecot \(Debian\) ready\./,
    );
    expect(u.after).toEqual([]);
    expect(onDisk(u)).toBe(2);
  });
});
