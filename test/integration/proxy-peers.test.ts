/**
 * Real clients (curl, Python poplib, fetchmail, mpop) through the REAL `pop3scope proxy` process against a real
 * Dovecot. What each client gets through the proxy is compared with what it gets directly, and what the proxy
 * reports (live JSON Lines on stdout, and the capture read back with `show --format json`) is checked against
 * what happened on the server. The last suite stops every proxy with SIGINT and searches everything each one
 * wrote (capture, log, stdout, stderr) for the demo accounts' secrets.
 *
 * Each suite that deletes mail has its own Dovecot; all Dovecots are stopped together at the end (a stop takes
 * ~2.5 s). peers-direct.test.ts proves the clients and the Dovecot helper on their own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { curlPop3, fetchmail, mpop, poplib } from '../helpers/clients.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { describeWithPeers } from '../helpers/peers.js';
import {
  type ProxyProcess,
  phasesOf,
  readText,
  startProxyProcess,
  summaryOf,
  transactions,
  withVerb,
} from '../helpers/proxyProcess.js';
import { expectNoSecretsFrom, secretNeedles } from '../helpers/proxySecrets.js';
import { type DelayLink, delayLink, statOf, vanishAfterDele } from '../helpers/rawPop3.js';

const [bob, alice] = demoUsers() as [DemoUser, DemoUser];
const BOB_UIDLS = ['1 000000015eed0001', '2 000000025eed0001'];
const url = (port: number, path = '', who = 'bob:hungry') => `pop3://${who}@127.0.0.1:${port}/${path}`;
const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);

/** Every Dovecot, proxy and link this file starts; stopped together at the very end. */
const dovecots: Dovecot[] = [];
const proxies: ProxyProcess[] = [];
const links: DelayLink[] = [];

async function dovecot(): Promise<Dovecot> {
  const dc = await startDovecot();
  dovecots.push(dc);
  return dc;
}

async function proxy(upstreamPort: number): Promise<ProxyProcess> {
  const px = await startProxyProcess(upstreamPort);
  proxies.push(px);
  return px;
}

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([...links.map((l) => l.close()), ...dovecots.map((d) => d.stop())]);
}, 30_000);

describeWithPeers(['dovecot', 'curl'], 'curl through the proxy against Dovecot', () => {
  // Two fresh Dovecots in the same state: one asked directly, one through the proxy, with the same commands.
  let direct: Dovecot;
  let proxied: Dovecot;
  let px: ProxyProcess;
  beforeAll(async () => {
    [direct, proxied] = await Promise.all([dovecot(), dovecot()]);
    px = await proxy(proxied.port);
  });

  /** Runs the same curl command both ways; the outputs must be byte-identical. */
  async function both(path: string, args: string[] = []) {
    const d = await curlPop3(url(direct.port, path), args);
    const p = await curlPop3(url(px.port, path), args);
    expect(d.code, d.stderr).toBe(0);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toBe('');
    expect(p.stdoutBytes.equals(d.stdoutBytes), `through the proxy: ${JSON.stringify(p.stdout)}`).toBe(true);
    return p;
  }

  it('LIST through the proxy is byte-identical to LIST directly (1 498, 2 912)', async () => {
    const mark = px.mark();
    const r = await both('');
    expect(lines(r.stdout)).toEqual(['1 498', '2 912']);
    const live = await px.next(mark);
    expect(withVerb(live, 'LIST')[0]?.response.listing).toEqual(['1 498', '2 912']);
    // curl picks CRAM-MD5 on its own: the login worked through the proxy.
    expect(summaryOf(live).auth).toBe('SASL CRAM-MD5');
  });

  it('RETR 1 through the proxy is byte-identical, and is bob’s first message exactly', async () => {
    const r = await both('1');
    expect(r.stdoutBytes.equals(bob.messages[0]!)).toBe(true);
  });

  it('UIDL through the proxy is byte-identical (the fixed UIDLs)', async () => {
    const r = await both('', ['-X', 'UIDL']);
    expect(lines(r.stdout)).toEqual(BOB_UIDLS);
  });

  it("-X 'DELE 1' -I removes message 1 on both servers alike; the capture shows it marked and removed", async () => {
    const mark = px.mark();
    const r = await both('', ['-X', 'DELE 1', '-I']);
    expect(r.stdout).toBe('');
    const [session] = (await px.next(mark)).map((x) => x.session);
    const summary = summaryOf(await px.captureSession(session!));
    expect(summary).toMatchObject({ user: 'bob', marked: [1], removed: [1], discarded: [] });
    // Afterwards both maildrops hold only the former message 2 (renumbered 1: its UIDL tells), identically.
    expect(lines((await both('')).stdout)).toEqual(['1 912']);
    expect(lines((await both('', ['-X', 'UIDL'])).stdout)).toEqual(['1 000000025eed0001']);
  });
});

describeWithPeers(['dovecot', 'python3'], 'Python poplib through the proxy against Dovecot', () => {
  let dc: Dovecot;
  let px: ProxyProcess;
  beforeAll(async () => {
    dc = await dovecot();
    px = await proxy(dc.port);
  });

  /** The script's output directly and through the proxy; they must be identical. */
  async function both(code: string, user = 'bob', password = 'hungry') {
    const env = (port: number) => ({ POP_PORT: String(port), POP_USER: user, POP_PASSWORD: password });
    const d = await poplib(code, env(dc.port));
    const mark = px.mark();
    const p = await poplib(code, env(px.port));
    expect(d.stderr).toBe('');
    expect(p.stderr).toBe('');
    expect(p.stdout).toBe(d.stdout);
    const live = await px.next(mark);
    return { out: lines(p.stdout), live };
  }

  it('USER/PASS, STAT, LIST, TOP, DELE, RSET and UIDL give identical results', async () => {
    const { out, live } = await both(`
      p = poplib.POP3(HOST, PORT, timeout=10)
      p.user(USER)
      out(p.pass_(PASSWORD))
      out(p.stat())
      out(p.list()[1])
      resp, top, octets = p.top(1, 2)
      out(resp); out(len(top)); out(top[2]); out(top[-2:])
      out(p.dele(1))
      out(p.stat())
      out(p.rset())
      out(p.stat())
      out(p.uidl()[1])
      out(p.quit())`);
    expect(out).toEqual([
      "b'+OK Logged in.'",
      '(2, 1410)',
      "[b'1 498', b'2 912']",
      "b'+OK'",
      '8', // 5 header lines, the blank line, 2 body lines
      "b'Subject: Lunch on Friday?'",
      "[b'Hi Bob,', b'']",
      "b'+OK Marked to be deleted.'",
      '(1, 912)',
      "b'+OK'",
      '(2, 1410)',
      `[b'${BOB_UIDLS[0]}', b'${BOB_UIDLS[1]}']`,
      "b'+OK Logging out.'",
    ]);
    expect(withVerb(live, 'TOP')[0]).toMatchObject({
      command: { line: 'TOP 1 2' },
      response: { status: '+OK' },
    });
    expect(summaryOf(live)).toMatchObject({ user: 'bob', auth: 'USER/PASS', marked: [], removed: [] });
  });

  it('APOP (bob and alice) gives identical results; the proxy records an APOP login', async () => {
    const script = `
      p = poplib.POP3(HOST, PORT, timeout=10)
      out(p.timestamp.search(p.getwelcome()) is not None)
      out(p.apop(USER, PASSWORD))
      out(p.stat())
      out(p.quit())`;
    const b = await both(script);
    expect(b.out).toEqual(['True', "b'+OK Logged in.'", '(2, 1410)', "b'+OK Logging out.'"]);
    expect(summaryOf(b.live)).toMatchObject({ user: 'bob', auth: 'APOP' });
    const a = await both(script, 'alice', 'wonderland');
    expect(a.out[2]).toBe(`(3, ${alice.messages.reduce((n, m) => n + m.length, 0)})`);
    expect(summaryOf(a.live)).toMatchObject({ user: 'alice', auth: 'APOP' });
  });

  it('AUTH PLAIN sent as a raw line (bob and alice) gives identical results', async () => {
    const script = `
      import base64
      p = poplib.POP3(HOST, PORT, timeout=10)
      blob = base64.b64encode(b'\\0' + USER.encode() + b'\\0' + PASSWORD.encode()).decode()
      out(p._shortcmd('AUTH PLAIN ' + blob))
      out(p.stat())
      out(p.quit())`;
    for (const [user, password] of [
      ['bob', 'hungry'],
      ['alice', 'wonderland'],
    ] as const) {
      const r = await both(script, user, password);
      expect(r.out[0]).toBe("b'+OK Logged in.'");
      const auth = withVerb(r.live, 'AUTH')[0]!;
      expect(auth.command.line).toMatch(/^AUTH PLAIN <initial response, \d+ octets>$/);
      expect(auth.sasl).toMatchObject({ mechanism: 'PLAIN', outcome: 'success' });
      expect(summaryOf(r.live)).toMatchObject({ user, auth: 'SASL PLAIN' });
    }
  });

  it('AUTH LOGIN sent as raw lines gives identical results', async () => {
    const { out, live } = await both(`
      import base64
      p = poplib.POP3(HOST, PORT, timeout=10)
      p._putcmd('AUTH LOGIN'); out(p._getline()[0])
      p._putcmd(base64.b64encode(USER.encode()).decode()); out(p._getline()[0])
      out(p._shortcmd(base64.b64encode(PASSWORD.encode()).decode()))
      out(p.quit())`);
    expect(out).toEqual([
      "b'+ VXNlcm5hbWU6'",
      "b'+ UGFzc3dvcmQ6'",
      "b'+OK Logged in.'",
      "b'+OK Logging out.'",
    ]);
    expect(summaryOf(live)).toMatchObject({ user: 'bob', auth: 'SASL LOGIN' });
  });

  it('a client that vanishes after DELE 1 (no QUIT): marked [1], removed [], discarded [1], POP3_NO_UPDATE; Dovecot keeps both', async () => {
    const mark = px.mark();
    const answers = await vanishAfterDele(px.port, 'bob', 'hungry');
    expect(answers).toEqual(['+OK\r\n', '+OK Logged in.\r\n', '+OK Marked to be deleted.\r\n']);
    const live = await px.next(mark);
    const summary = summaryOf(live);
    expect(summary).toMatchObject({ marked: [1], removed: [], discarded: [1], closedBy: 'client' });
    expect(phasesOf(summary)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
    expect(summary.violations.POP3_NO_UPDATE).toBe(1);
    expect(live.filter((r) => r.type === 'violation').map((r) => r.code)).toContain('POP3_NO_UPDATE');
    // The capture says the same.
    const captured = summaryOf(await px.captureSession(summary.session));
    expect(captured).toMatchObject({ marked: [1], removed: [], discarded: [1] });
    expect(captured.violations.POP3_NO_UPDATE).toBe(1);
    expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 2 1410');
  });
});

describeWithPeers(['dovecot', 'fetchmail'], 'fetchmail through the proxy against Dovecot', () => {
  let dc: Dovecot;
  let px: ProxyProcess;
  beforeAll(async () => {
    dc = await dovecot();
    px = await proxy(dc.port);
  });
  const account = () => ({ host: '127.0.0.1', port: px.port, user: 'bob', password: 'hungry' }) as const;

  it('keep mode delivers both messages and leaves them on the server', async () => {
    const mark = px.mark();
    const r = await fetchmail({ ...account(), keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.mbox).toContain('Subject: Lunch on Friday?');
    expect(r.mbox).toContain('Subject: Notes from the networking class');
    expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
    const live = await px.next(mark);
    expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual([498, 912]);
    expect(summaryOf(live)).toMatchObject({ mode: 'download-and-keep', retrieved: [1, 2], removed: [] });
    expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 2 1410');
  });

  it('delete mode (LAST, TOP n 99999999, DELE) removes them; the capture’s summary says so', async () => {
    const mark = px.mark();
    const r = await fetchmail({ ...account(), keep: false, fetchall: false });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
    const live = await px.next(mark);
    const tops = withVerb(live, 'TOP');
    expect(tops.map((t) => t.command.line)).toEqual(['TOP 1 99999999', 'TOP 2 99999999']);
    expect(tops.map((t) => t.response.bodyOctets)).toEqual([498, 912]);
    expect(withVerb(live, 'LAST')[0]?.response.status).toBe('-ERR');
    const captured = await px.captureSession(summaryOf(live).session);
    expect(summaryOf(captured)).toMatchObject({
      user: 'bob',
      mode: 'download-and-delete',
      retrieved: [1, 2],
      marked: [1, 2],
      removed: [1, 2],
      discarded: [],
    });
    expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 0 0');
  });
});

describeWithPeers(['dovecot', 'mpop'], 'mpop (pipelining) through the proxy against Dovecot', () => {
  let dc: Dovecot;
  let px: ProxyProcess;
  beforeAll(async () => {
    dc = await dovecot();
    // 150 ms of server latency, so that mpop's pipelined commands really reach the proxy before the answers to
    // the earlier ones (see delayLink: on bare loopback Nagle's algorithm serialises them).
    const link = await delayLink(dc.port, 150);
    links.push(link);
    px = await proxy(link.port);
  });

  it('pairs pipelined commands with the right responses and sees the deletion through to UPDATE', async () => {
    const mark = px.mark();
    const r = await mpop({ host: '127.0.0.1', port: px.port, user: 'bob', password: 'hungry', keep: false });
    // mpop --debug prints the password: show its output only on failure, and never its stdout otherwise.
    expect(r.code, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
    const live = await px.next(mark);
    const txs = transactions(live).filter((t) => t.command);
    const pipelined = txs.filter((t) => t.command.pipelined).map((t) => t.command.line);
    expect(pipelined).toEqual(['PASS <redacted 6 octets>', 'RETR 2', 'DELE 2']);
    expect(
      withVerb(live, 'RETR').map((t) => [
        t.command.args,
        t.response.status,
        t.response.text,
        t.response.bodyOctets,
      ]),
    ).toEqual([
      [['1'], '+OK', '498 octets', 498],
      [['2'], '+OK', '912 octets', 912],
    ]);
    expect(withVerb(live, 'DELE').map((t) => [t.command.args, t.response.text])).toEqual([
      [['1'], 'Marked to be deleted.'],
      [['2'], 'Marked to be deleted.'],
    ]);
    expect(withVerb(live, 'PASS')[0]?.response.text).toBe('Logged in.');
    const summary = summaryOf(live);
    expect(summary).toMatchObject({
      auth: 'USER/PASS',
      mode: 'download-and-delete',
      retrieved: [1, 2],
      marked: [1, 2],
      removed: [1, 2],
      discarded: [],
      violations: {},
    });
    expect(phasesOf(summary)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 0 0');
  });
});

describeWithPeers(['dovecot', 'curl', 'python3'], 'after all of the above: shutdown and secrets', () => {
  const captures: string[] = [];

  it('every proxy exits 0 on SIGINT once its sessions are finished, each session opened, summarised and closed', async () => {
    expect(proxies.length).toBeGreaterThan(0);
    const codes = await Promise.all(proxies.map((p) => p.stop()));
    expect(codes).toEqual(proxies.map(() => 0));
    for (const px of proxies) {
      expect(px.stderr().split('\n').filter(Boolean)).toEqual([
        px.startLine,
        'pop3scope proxy: stopping (Ctrl-C again to exit at once)',
      ]);
      const text = readText(px.capturePath);
      captures.push(text);
      const recs = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const opened = recs.filter((r) => r.type === 'open').map((r) => r.session);
      const closed = recs.filter((r) => r.type === 'close').map((r) => r.session);
      const summarised = px
        .records()
        .filter((r) => r.type === 'summary')
        .map((r) => r.session);
      expect(opened.length).toBeGreaterThan(0);
      expect(closed.sort()).toEqual([...opened].sort());
      expect(summarised.sort()).toEqual([...opened].sort());
    }
  });

  it('no password, base64 password, PLAIN blob, APOP digest or CRAM-MD5 response anywhere; captures are 0600', () => {
    expect(captures.length).toBe(proxies.length);
    const { needles, apop, cram } = secretNeedles(captures);
    // Not vacuous: APOP greetings and CRAM-MD5 challenges were seen (poplib's APOP, curl's default CRAM-MD5).
    expect(apop).toBeGreaterThan(0);
    expect(cram).toBeGreaterThan(0);
    for (const n of [
      'hungry',
      'wonderland',
      'aHVuZ3J5',
      'd29uZGVybGFuZA',
      'AGJvYgBodW5ncnk=',
      'AGFsaWNlAHdvbmRlcmxhbmQ=',
    ]) {
      expect(needles.map((x) => x.text)).toContain(n);
    }
    expectNoSecretsFrom(proxies, needles);
  });
});
