/**
 * The same real clients against pop3scope's EMBEDDED server (no Dovecot): directly, and through the real
 * `pop3scope proxy` process. The embedded server runs in this test process (startServer on a free port); the
 * proxy is the CLI as a child process. Servers are cheap, so every suite that deletes mail gets a fresh one.
 * Also: the seed article's dialogue (lower-case commands) through the proxy, checked through its JSON output.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { curlPop3, fetchmail, mpop, poplib } from '../helpers/clients.js';
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
import { secretNeedles, secretsIn } from '../helpers/proxySecrets.js';
import { type DelayLink, delayLink, rawPop3, statOf, vanishAfterDele } from '../helpers/rawPop3.js';

const [bob, alice] = demoUsers() as [DemoUser, DemoUser];
const url = (port: number, path = '') => `pop3://bob:hungry@127.0.0.1:${port}/${path}`;
const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);

const servers: RunningServer[] = [];
const proxies: ProxyProcess[] = [];
const links: DelayLink[] = [];

async function server(): Promise<{ srv: RunningServer; port: number }> {
  const srv = await startServer({ host: '127.0.0.1', port: 0, demo: true });
  servers.push(srv);
  return { srv, port: srv.address().port };
}

async function proxy(upstreamPort: number): Promise<ProxyProcess> {
  const px = await startProxyProcess(upstreamPort);
  proxies.push(px);
  return px;
}

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([...links.map((l) => l.close()), ...servers.map((s) => s.close())]);
}, 30_000);

describeWithPeers(['curl'], 'curl against the embedded server, directly and through the proxy', () => {
  let direct: number;
  let px: ProxyProcess;
  beforeAll(async () => {
    const [d, p] = await Promise.all([server(), server()]);
    direct = d.port;
    px = await proxy(p.port);
  });

  async function both(path: string, args: string[] = []) {
    const d = await curlPop3(url(direct, path), args);
    const p = await curlPop3(url(px.port, path), args);
    expect(d.code, d.stderr).toBe(0);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toBe('');
    expect(p.stdoutBytes.equals(d.stdoutBytes), `through the proxy: ${JSON.stringify(p.stdout)}`).toBe(true);
    return p;
  }

  it('LIST is byte-identical with and without the proxy (1 498, 2 912)', async () => {
    const mark = px.mark();
    expect(lines((await both('')).stdout)).toEqual(['1 498', '2 912']);
    const live = await px.next(mark);
    expect(withVerb(live, 'LIST')[0]?.response.listing).toEqual(['1 498', '2 912']);
    expect(summaryOf(live)).toMatchObject({ user: 'bob', auth: 'SASL CRAM-MD5' });
  });

  it('RETR 1 is byte-identical and is bob’s first message exactly', async () => {
    expect((await both('1')).stdoutBytes.equals(bob.messages[0]!)).toBe(true);
  });

  it('UIDL is byte-identical: two distinct UIDLs', async () => {
    const uidls = lines((await both('', ['-X', 'UIDL'])).stdout);
    expect(uidls).toHaveLength(2);
    expect(uidls.map((l) => l.split(' ')[0])).toEqual(['1', '2']);
    expect(new Set(uidls.map((l) => l.split(' ')[1])).size).toBe(2);
  });

  it("-X 'DELE 1' -I removes message 1 alike on both servers; the proxy saw it marked and removed", async () => {
    const uidls = lines((await both('', ['-X', 'UIDL'])).stdout);
    const mark = px.mark();
    expect((await both('', ['-X', 'DELE 1', '-I'])).stdout).toBe('');
    const summary = summaryOf(await px.next(mark));
    expect(summary).toMatchObject({ marked: [1], removed: [1], discarded: [] });
    expect(summaryOf(await px.captureSession(summary.session))).toMatchObject({ marked: [1], removed: [1] });
    expect(lines((await both('')).stdout)).toEqual(['1 912']);
    expect(lines((await both('', ['-X', 'UIDL'])).stdout)).toEqual([`1 ${uidls[1]!.split(' ')[1]}`]);
  });
});

describeWithPeers(
  ['python3'],
  'Python poplib against the embedded server, directly and through the proxy',
  () => {
    let direct: number;
    let px: ProxyProcess;
    beforeAll(async () => {
      // One server, asked directly and through the proxy: these scripts change nothing (RSET undoes DELE).
      direct = (await server()).port;
      px = await proxy(direct);
    });

    async function both(code: string, user = 'bob', password = 'hungry') {
      const env = (port: number) => ({ POP_PORT: String(port), POP_USER: user, POP_PASSWORD: password });
      const d = await poplib(code, env(direct));
      const mark = px.mark();
      const p = await poplib(code, env(px.port));
      expect(d.stderr).toBe('');
      expect(p.stderr).toBe('');
      expect(p.stdout).toBe(d.stdout);
      return { out: lines(p.stdout), live: await px.next(mark) };
    }

    it('USER/PASS, TOP, DELE and RSET give identical results; RSET unmarks', async () => {
      const { out, live } = await both(`
      p = poplib.POP3(HOST, PORT, timeout=10)
      p.user(USER)
      out(p.pass_(PASSWORD))
      resp, top, octets = p.top(2, 1)
      out(resp); out(len(top)); out(top[2])
      out(p.dele(1))
      out(p.stat())
      out(p.rset())
      out(p.stat())
      out(p.quit())`);
      expect(out[0]).toBe("b'+OK bob has 2 messages (1410 octets)'");
      expect(out[3]).toBe("b'Subject: Notes from the networking class'");
      expect(out[5]).toBe('(1, 912)');
      expect(out[7]).toBe('(2, 1410)');
      expect(withVerb(live, 'TOP')[0]).toMatchObject({
        command: { line: 'TOP 2 1' },
        response: { status: '+OK' },
      });
      expect(withVerb(live, 'RSET')[0]?.response.status).toBe('+OK');
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        marked: [],
        removed: [],
        discarded: [],
      });
    });

    it('APOP (bob and alice) gives identical results', async () => {
      const script = `
      p = poplib.POP3(HOST, PORT, timeout=10)
      out(p.timestamp.search(p.getwelcome()) is not None)
      out(p.apop(USER, PASSWORD))
      out(p.stat())
      out(p.quit())`;
      const b = await both(script);
      expect(b.out.slice(0, 3)).toEqual(['True', "b'+OK bob has 2 messages (1410 octets)'", '(2, 1410)']);
      expect(summaryOf(b.live)).toMatchObject({ user: 'bob', auth: 'APOP' });
      const a = await both(script, 'alice', 'wonderland');
      expect(a.out[2]).toBe(`(3, ${alice.messages.reduce((n, m) => n + m.length, 0)})`);
      expect(summaryOf(a.live)).toMatchObject({ user: 'alice', auth: 'APOP' });
    });
  },
);

describeWithPeers(['fetchmail'], 'fetchmail through the proxy against the embedded server', () => {
  let upstream: number;
  let px: ProxyProcess;
  beforeAll(async () => {
    upstream = (await server()).port;
    px = await proxy(upstream);
  });
  const account = () => ({ host: '127.0.0.1', port: px.port, user: 'bob', password: 'hungry' }) as const;

  it('keep mode delivers both messages and leaves them on the server', async () => {
    const mark = px.mark();
    const r = await fetchmail({ ...account(), keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.mbox).toContain('Subject: Lunch on Friday?');
    expect(r.mbox).toContain('Subject: Notes from the networking class');
    const live = await px.next(mark);
    expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual([498, 912]);
    expect(summaryOf(live)).toMatchObject({ mode: 'download-and-keep', retrieved: [1, 2], removed: [] });
    expect(await statOf(upstream, 'bob', 'hungry')).toBe('+OK 2 1410');
  });

  it('delete mode (TOP n 99999999, DELE) removes them; the capture’s summary says so', async () => {
    const mark = px.mark();
    const r = await fetchmail({ ...account(), keep: false, fetchall: false });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
    const live = await px.next(mark);
    expect(withVerb(live, 'TOP').map((t) => [t.command.line, t.response.bodyOctets])).toEqual([
      ['TOP 1 99999999', 498],
      ['TOP 2 99999999', 912],
    ]);
    const captured = summaryOf(await px.captureSession(summaryOf(live).session));
    expect(captured).toMatchObject({ mode: 'download-and-delete', retrieved: [1, 2], removed: [1, 2] });
    expect(await statOf(upstream, 'bob', 'hungry')).toBe('+OK 0 0');
  });
});

describeWithPeers(['mpop'], 'mpop (pipelining) through the proxy against the embedded server', () => {
  let upstream: number;
  let px: ProxyProcess;
  beforeAll(async () => {
    upstream = (await server()).port;
    const link = await delayLink(upstream, 150); // see delayLink: makes the pipelining visible on loopback
    links.push(link);
    px = await proxy(link.port);
  });

  it('pairs pipelined commands with the right responses; both messages removed in UPDATE', async () => {
    const mark = px.mark();
    const r = await mpop({ host: '127.0.0.1', port: px.port, user: 'bob', password: 'hungry', keep: false });
    // mpop --debug prints the password: its output only on failure.
    expect(r.code, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
    const live = await px.next(mark);
    const pipelined = transactions(live).filter((t) => t.command?.pipelined);
    expect(pipelined.map((t) => t.command.verb)).toEqual(['PASS', 'RETR', 'DELE']);
    expect(
      withVerb(live, 'RETR').map((t) => [t.command.args, t.response.text, t.response.bodyOctets]),
    ).toEqual([
      [['1'], '498 octets', 498],
      [['2'], '912 octets', 912],
    ]);
    expect(withVerb(live, 'DELE').map((t) => [t.command.args, t.response.text])).toEqual([
      [['1'], 'message 1 marked for deletion'],
      [['2'], 'message 2 marked for deletion'],
    ]);
    const summary = summaryOf(live);
    expect(summary).toMatchObject({ retrieved: [1, 2], marked: [1, 2], removed: [1, 2], violations: {} });
    expect(phasesOf(summary)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    expect(await statOf(upstream, 'bob', 'hungry')).toBe('+OK 0 0');
  });
});

describeWithPeers([], 'the seed article’s dialogue through the proxy against the embedded server', () => {
  let upstream: number;
  let px: ProxyProcess;
  beforeAll(async () => {
    upstream = (await server()).port;
    px = await proxy(upstream);
  });

  it('a session cut before QUIT removes nothing (discarded [1], POP3_NO_UPDATE)', async () => {
    const mark = px.mark();
    expect((await vanishAfterDele(px.port, 'bob', 'hungry'))[2]).toBe(
      '+OK message 1 marked for deletion\r\n',
    );
    const live = await px.next(mark);
    const summary = summaryOf(live);
    expect(summary).toMatchObject({ marked: [1], removed: [], discarded: [1], closedBy: 'client' });
    expect(summary.violations.POP3_NO_UPDATE).toBe(1);
    expect(phasesOf(summary)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
    expect(await statOf(upstream, 'bob', 'hungry')).toBe('+OK 2 1410');
  });

  it('user/pass/list/retr/dele/retr/dele/quit: phases, sizes 498 and 912, DELE marks, QUIT removes', async () => {
    const mark = px.mark();
    const c = await rawPop3(px.port);
    expect(c.greeting).toMatch(/^\+OK /);
    expect(await c.cmd('user bob')).toMatch(/^\+OK/);
    expect(await c.cmd('pass hungry')).toMatch(/^\+OK/);
    expect(await c.cmd('list', true)).toMatch(/\r\n1 498\r\n2 912\r\n\.\r\n$/);
    expect((await c.cmd('retr 1', true)).length).toBeGreaterThan(498);
    expect(await c.cmd('dele 1')).toMatch(/^\+OK/);
    expect((await c.cmd('retr 2', true)).length).toBeGreaterThan(912);
    expect(await c.cmd('dele 2')).toMatch(/^\+OK/);
    expect(await c.quit('quit')).toMatch(/^\+OK/);
    const live = await px.next(mark);

    const txs = transactions(live);
    expect(txs.map((t) => t.command?.line ?? null)).toEqual([
      null, // the greeting
      'user bob',
      'pass <redacted 6 octets>',
      'list',
      'retr 1',
      'dele 1',
      'retr 2',
      'dele 2',
      'quit',
    ]);
    expect(txs.map((t) => t.phase)).toEqual([
      'AUTHORIZATION',
      'AUTHORIZATION',
      'AUTHORIZATION',
      ...Array(6).fill('TRANSACTION'),
    ]);
    expect(live.filter((r) => r.type === 'phase').map((r) => r.to)).toEqual([
      'AUTHORIZATION',
      'TRANSACTION',
      'UPDATE',
    ]);
    expect(withVerb(live, 'LIST')[0]?.response.listing).toEqual(['1 498', '2 912']);
    expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual([498, 912]);
    expect(txs.every((t) => t.response.status === '+OK' && t.violations.length === 0)).toBe(true);
    const summary = summaryOf(live);
    expect(summary).toMatchObject({
      user: 'bob',
      auth: 'USER/PASS',
      mode: 'download-and-delete',
      retrieved: [1, 2],
      marked: [1, 2],
      removed: [1, 2],
      discarded: [],
      violations: {},
    });
    expect(phasesOf(summary)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);

    // A second session (through the proxy) sees the maildrop empty.
    const again = await rawPop3(px.port);
    await again.cmd('user bob');
    await again.cmd('pass hungry');
    expect(await again.cmd('stat')).toBe('+OK 0 0\r\n');
    expect(await again.cmd('list', true)).toMatch(/\r\n\.\r\n$/);
    await again.quit();
  });
});

describeWithPeers(
  ['curl', 'python3'],
  'after all of the above (embedded server): shutdown and secrets',
  () => {
    it('every proxy exits 0 on SIGINT; nothing secret in its capture, log, stdout or stderr; captures 0600', async () => {
      expect(proxies.length).toBeGreaterThan(0);
      expect(await Promise.all(proxies.map((p) => p.stop()))).toEqual(proxies.map(() => 0));
      const { needles, apop, cram } = secretNeedles(proxies.map((p) => readText(p.capturePath)));
      expect(apop).toBeGreaterThan(0);
      expect(cram).toBeGreaterThan(0);
      for (const px of proxies) {
        for (const [where, text] of Object.entries({
          capture: readText(px.capturePath),
          log: readText(px.logPath),
          stdout: px.stdout(),
          stderr: px.stderr(),
        })) {
          expect(secretsIn(text, needles), `${where} of the proxy on ${px.port}`).toEqual([]);
        }
        expect(statSync(px.capturePath).mode & 0o777).toBe(0o600);
      }
    });
  },
);
