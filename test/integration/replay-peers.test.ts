/**
 * Replay with real peers. Real sessions are recorded through the REAL `pop3scope proxy` (curl, fetchmail in
 * delete mode, mpop pipelining behind a slow link) against Dovecot; then each capture is
 *  - served back (`replay --serve --once`) to the same client, which must get byte-identical results (mail
 *    clients stamp delivery dates into what they store: those lines are the only ones set aside), and
 *  - played against a fresh Dovecot (`replay --against`), which must report "equivalent";
 * and a divergence (the client asks for another message) and a changed response (another message 1 on the
 * server) must be reported. The buggy-server sample is served to curl and to Python poplib, whose symptoms it
 * reproduces. Last, nothing any replay printed or recorded holds a demo account's secret.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { ROOT } from '../helpers/cli.js';
import { curlPop3, fetchmail, mpop, poplib, run } from '../helpers/clients.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { describeWithPeers } from '../helpers/peers.js';
import {
  type ProxyProcess,
  readText,
  showCaptureJson,
  startProxyProcess,
  transactions,
} from '../helpers/proxyProcess.js';
import { secretNeedles, secretsIn } from '../helpers/proxySecrets.js';
import { type DelayLink, delayLink, statOf } from '../helpers/rawPop3.js';
import { startReplayServe } from '../helpers/replayServe.js';

const [bob] = demoUsers() as [DemoUser];
const url = (port: number, path = '') => `pop3://bob:hungry@127.0.0.1:${port}/${path}`;

const dovecots: Dovecot[] = [];
const proxies: ProxyProcess[] = [];
const links: DelayLink[] = [];
const serves: ChildProcessWithoutNullStreams[] = [];
/** Everything the replays printed or recorded, searched for secrets at the end. */
const printed: string[] = [];
/** The captures replays wrote (their greetings and challenges tell which digests to look for). */
const newCaptures: string[] = [];

async function dovecot(users?: DemoUser[]): Promise<Dovecot> {
  const dc = await startDovecot(users ? { users } : {});
  dovecots.push(dc);
  return dc;
}

/** Records what `client` does through a proxy in front of `upstreamPort`; resolves with the capture file. */
async function record(
  upstreamPort: number,
  client: (proxyPort: number) => Promise<void>,
  extraArgs: readonly string[] = [],
): Promise<string> {
  const px = await startProxyProcess(upstreamPort, { extraArgs });
  proxies.push(px);
  await client(px.port);
  expect(await px.stop()).toBe(0);
  return px.capturePath;
}

afterAll(async () => {
  for (const s of serves) if (s.exitCode === null) s.kill('SIGKILL');
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([...links.map((l) => l.close()), ...dovecots.map((d) => d.stop())]);
}, 30_000);

/** `replay CAPTURE --serve --once --timing fast ...args`; resolves once it listens. */
async function serveOnce(capture: string, args: string[]) {
  const serve = await startReplayServe([capture, '--once', '--timing', 'fast', ...args], (c) =>
    serves.push(c),
  );
  const done = async () => {
    const code = await serve.exited;
    const [stdout, stderr] = [serve.stdout(), serve.stderr()];
    printed.push(stdout, stderr);
    return { code, stdout, stderr };
  };
  return { port: serve.port, done };
}

/** `replay CAPTURE --against 127.0.0.1:PORT --password-env REPLAY_PW ...args`, bob's password in the env. */
async function against(capture: string, port: number, args: string[] = []) {
  const r = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'replay',
      capture,
      '--against',
      `127.0.0.1:${port}`,
      '--password-env',
      'REPLAY_PW',
      ...args,
    ],
    { cwd: ROOT, env: { REPLAY_PW: 'hungry', FORCE_COLOR: '0' }, timeoutMs: 60_000 },
  );
  printed.push(r.stdout, r.stderr);
  return r;
}

describeWithPeers(['dovecot', 'curl'], 'curl: recorded, served back, replayed against Dovecot', () => {
  let capture: string;
  const original: Buffer[] = [];
  beforeAll(async () => {
    const dc = await dovecot();
    capture = await record(dc.port, async (port) => {
      for (const path of ['', '1']) {
        const r = await curlPop3(url(port, path));
        expect(r.code, r.stderr).toBe(0);
        original.push(r.stdoutBytes);
      }
    });
  });

  it('each session served back to curl gives byte-identical output (LIST; RETR 1), curl following the recording', async () => {
    for (const [i, path] of ['', '1'].entries()) {
      const serve = await serveOnce(capture, ['--session', `s${i + 1}`]);
      const r = await curlPop3(url(serve.port, path));
      const done = await serve.done();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdoutBytes.equals(original[i]!), `curl got ${JSON.stringify(r.stdout)}`).toBe(true);
      expect(done.code, done.stdout).toBe(0);
      // curl logged in with CRAM-MD5 over the RECORDED challenge; the replay accepted its answer.
      expect(done.stdout).toContain('[r1] C: AUTH CRAM-MD5');
    }
    expect(original[1]!.equals(bob.messages[0]!)).toBe(true);
  });

  it('played against a fresh Dovecot: both sessions equivalent (new greeting and challenge, same answers), exit 0', async () => {
    const dc = await dovecot();
    const fresh = join(dc.dir, '..', `replayed-${dc.port}.jsonl`);
    const r = await against(capture, dc.port, ['--capture', fresh]);
    newCaptures.push(readFileSync(fresh, 'utf8'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('  same    #2 AUTH CRAM-MD5');
    expect(r.stdout).toContain('  same    #3 RETR 1');
    expect(r.stdout).toContain('pop3scope replay: equivalent: 2 of 2 sessions replayed alike');
  });

  it('a divergence: curl asks for message 2 where the recording retrieved 1 — -ERR to curl, reported, exit 1', async () => {
    const serve = await serveOnce(capture, ['--session', 's2']);
    const r = await curlPop3(url(serve.port, '2'));
    const done = await serve.done();
    expect(r.code).not.toBe(0);
    expect(done.code).toBe(1);
    expect(done.stdout).toContain(
      '[r1] S: -ERR [SYS/PERM] pop3scope replay: recording expected "RETR 1" here, got "RETR 2"',
    );
    expect(done.stdout).toContain(
      '! POP3_REPLAY_DIVERGENCE (error, docs/replay.md): the client did not follow the recording it was replayed against: recording expected "RETR 1" (#3), got "RETR 2": answered -ERR',
    );
  });

  it('a changed response: against a Dovecot whose message 1 is another one, RETR 1 is reported changed by size and digest, exit 1', async () => {
    const other = Buffer.from(
      'From: Mallory <m@example.org>\r\nSubject: not lunch\r\n\r\nSomething else entirely.\r\n',
    );
    const dc = await dovecot([{ name: 'bob', password: 'hungry', messages: [other, bob.messages[1]!] }]);
    const r = await against(capture, dc.port, ['--session', 's2']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `  changed #3 RETR 1: body octets 498 → ${other.length}; body lines 16 → 4; body digest differs`,
    );
    expect(r.stdout).toContain('note: text "498 octets" → "');
    expect(r.stdout).toMatch(/=> NOT equivalent \(4 same, 1 changed, 0 missing, 0 extra\)/);
    expect(r.stdout).not.toContain('Something else');
  });
});

/** Mail clients stamp the delivery time into the Received: header they add: the only text set aside. */
const undated = (mbox: string) => mbox.replace(/^(\tfor <[^>]*>[^;\n]*; ).*$/gm, '$1DATE');

describeWithPeers(
  ['dovecot', 'fetchmail'],
  'fetchmail delete mode: recorded, served back, replayed against Dovecot',
  () => {
    let capture: string;
    let mbox: string;
    beforeAll(async () => {
      const dc = await dovecot();
      capture = await record(dc.port, async (port) => {
        const r = await fetchmail({
          host: '127.0.0.1',
          port,
          user: 'bob',
          password: 'hungry',
          keep: false,
          fetchall: false,
        });
        expect(r.code, r.stdout + r.stderr).toBe(0);
        mbox = r.mbox;
      });
      expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 0 0');
    });

    it('served back to fetchmail: the same mail delivered, fetchmail following LAST, UIDL, TOP, DELE, QUIT to the end', async () => {
      const serve = await serveOnce(capture, []);
      const r = await fetchmail({
        host: '127.0.0.1',
        port: serve.port,
        user: 'bob',
        password: 'hungry',
        keep: false,
        fetchall: false,
      });
      const done = await serve.done();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(undated(r.mbox)).toBe(undated(mbox));
      expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
      expect(done.code, done.stdout).toBe(0);
    });

    it('against a real server it refuses to DELE without --allow-delete, before connecting (one line, exit 2)', async () => {
      const dc = await dovecot();
      const r = await against(capture, dc.port);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `pop3scope: refusing to replay session s1 against 127.0.0.1:${dc.port}: it sends DELE 1, DELE 2 and a QUIT that commits them, which deletes mail there; add --allow-delete if that mail may go\n`,
      );
      expect(r.stdout).toBe('');
      expect(dc.readLog()).not.toMatch(/pop3-login: .*user=<bob>/);
      expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 2 1410');
    });

    it('with --allow-delete against a fresh Dovecot: equivalent, and the messages are gone as in the recording', async () => {
      const dc = await dovecot();
      const r = await against(capture, dc.port, ['--allow-delete']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('  same    #4 LAST');
      expect(r.stdout).toContain('  same    #7 TOP 1 99999999');
      expect(r.stdout).toContain('pop3scope replay: equivalent: 1 of 1 session replayed alike');
      expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 0 0');
    });
  },
);

/** mpop also writes the delivery time into each mbox From_ line. */
const mpopMbox = (mbox: string) =>
  undated(mbox).replace(/^From MAILER-DAEMON .*$/gm, 'From MAILER-DAEMON DATE');

describeWithPeers(
  ['dovecot', 'mpop'],
  'mpop pipelining: recorded, served back, replayed against Dovecot',
  () => {
    let capture: string;
    let mbox: string;
    beforeAll(async () => {
      const dc = await dovecot();
      // 150 ms of server latency, so that mpop's pipelined commands really reach the proxy before the answers.
      const link = await delayLink(dc.port, 150);
      links.push(link);
      capture = await record(link.port, async (port) => {
        const r = await mpop({ host: '127.0.0.1', port, user: 'bob', password: 'hungry', keep: false });
        // mpop --debug prints the password: its output is shown only on failure.
        expect(r.code, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`).toBe(0);
        mbox = r.mbox;
      });
      const pipelined = transactions(await showCaptureJson(capture)).filter((t) => t.command?.pipelined);
      expect(pipelined.map((t) => t.command.line)).toEqual(['PASS <redacted 6 octets>', 'RETR 2', 'DELE 2']);
    });

    it('served back to mpop (recorded timing): the same mail, mpop following the recording to the end', async () => {
      const serve = await serveOnce(capture, ['--timing', 'recorded']);
      const r = await mpop({
        host: '127.0.0.1',
        port: serve.port,
        user: 'bob',
        password: 'hungry',
        keep: false,
      });
      const done = await serve.done();
      expect(r.code, r.code === 0 ? '' : r.stderr).toBe(0);
      expect(mpopMbox(r.mbox)).toBe(mpopMbox(mbox));
      expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
      expect(done.code, done.stdout).toBe(0);
    });

    it('against a fresh Dovecot with --allow-delete: equivalent; the new capture pipelines where the recording did', async () => {
      const dc = await dovecot();
      const fresh = join(dc.dir, '..', `replayed-${dc.port}.jsonl`);
      const r = await against(capture, dc.port, ['--allow-delete', '--capture', fresh]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('  same    #8 RETR 2');
      const replayed = await showCaptureJson(fresh);
      newCaptures.push(readFileSync(fresh, 'utf8'));
      expect(
        transactions(replayed)
          .filter((t) => t.command?.pipelined)
          .map((t) => t.command.line),
      ).toEqual(['PASS <redacted 6 octets>', 'RETR 2', 'DELE 2']);
      expect(await statOf(dc.port, 'bob', 'hungry')).toBe('+OK 0 0');
    });
  },
);

describeWithPeers(
  ['curl', 'python3'],
  'the buggy-server sample served to real clients reproduces their symptoms',
  () => {
    const sample = 'captures/buggy-server.jsonl';

    it('curl never finds the end of RETR 1 (its terminator follows a bare LF): it times out, the "." line leaked into the message', async () => {
      // curl asks CAPA first, and skips STAT and LIST: seek follows it to RETR 1.
      const serve = await serveOnce(sample, ['--on-mismatch', 'seek']);
      const r = await curlPop3(url(serve.port, '1'), [], { timeoutMs: 4000 });
      const done = await serve.done();
      expect(r.code).toBe(28); // CURLE_OPERATION_TIMEDOUT
      expect(r.stdout).toContain('\r\n.signature\r\n'); // the unstuffed dot line, passed on as it is
      expect(r.stdout.endsWith('and this line ends in a bare LF\n.')).toBe(true);
      expect(done.stdout).toContain('POP3_UNSTUFFED_DOT');
      expect(done.stdout).toContain('skipped 2 recorded commands ("STAT", "LIST") to answer it');
      expect(done.code).toBe(1);
    });

    it('poplib: LIST promises 250 octets, RETR delivers 188; the client follows the recording (exit 0)', async () => {
      const serve = await serveOnce(sample, []);
      const r = await poplib(
        `
      p = poplib.POP3(HOST, PORT, timeout=10)
      p.user(USER); p.pass_(PASSWORD)
      out(p.stat()); out(p.list()[1])
      resp, lines, octets = p.retr(1)
      out(octets); out(lines[5])
      out(p.dele(1))
      p.close()`,
        { POP_PORT: String(serve.port), POP_USER: 'bob', POP_PASSWORD: 'hungry' },
      );
      const done = await serve.done();
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual([
        '(1, 300)',
        "[b'1 250']",
        '188',
        "b'.signature'",
        "b'+OK'",
      ]);
      expect(done.code, done.stdout).toBe(0);
      expect(done.stdout).toContain('POP3_SIZE_MISMATCH');
    });
  },
);

describeWithPeers(
  ['curl'],
  'curl with STLS: recorded through the proxy, served back and replayed with STLS',
  () => {
    let capture: string;
    let original: Buffer;
    let serverCa: string;
    // The proxy and the replay both take their certificates from pop3scope's CA in $POP3SCOPE_HOME.
    const popCa = join(process.env.POP3SCOPE_HOME!, 'ca.pem');
    const stlsArgs = ['--ssl-reqd', '--cacert', popCa];
    let server: RunningServer | null = null;
    afterAll(async () => {
      await server?.close();
    });
    beforeAll(async () => {
      await CertificateAuthority.loadOrCreate(); // pop3scope's CA, so that curl can be pointed at it from the start
      // The embedded server offers STLS with a certificate from a CA of its own, which the proxy is told to trust.
      const ca = await CertificateAuthority.create();
      const leaf = await ca.leaf(['localhost', '127.0.0.1']);
      const dir = mkdtempSync(join(tmpdir(), 'pop3scope-replay-stls-'));
      serverCa = join(dir, 'server-ca.pem');
      writeFileSync(serverCa, ca.certPem);
      server = await startServer({
        host: '127.0.0.1',
        port: 0,
        demo: true,
        tls: { cert: leaf.certPem, key: leaf.keyPem },
      });
      const port = server.address().port;
      capture = await record(
        port,
        async (proxyPort) => {
          const r = await curlPop3(url(proxyPort, '1'), stlsArgs);
          expect(r.code, r.stderr).toBe(0);
          original = r.stdoutBytes;
        },
        ['--upstream-ca', serverCa],
      );
    });

    it('curl does STLS with the replay (verifying its certificate) and gets the recorded message byte for byte', async () => {
      expect(readFileSync(capture, 'utf8')).toContain('"how":"stls","visibility":"decrypted"');
      const serve = await serveOnce(capture, []);
      const r = await curlPop3(url(serve.port, '1'), stlsArgs);
      const done = await serve.done();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdoutBytes.equals(original)).toBe(true);
      expect(original.equals(bob.messages[0]!)).toBe(true);
      expect(done.code, done.stdout + done.stderr).toBe(0);
      expect(done.stderr).toContain("STLS is answered with a certificate from pop3scope's CA");
      expect(done.stdout).toContain('[r1] C: STLS');
      expect(done.stdout).toContain('[r1] ── TLS (stls, decrypted) ──');
      expect(done.stdout).toContain('[r1] replay: the client followed the recording of s1 to the end');
    });

    it('--against upgrades where the recording did (verifying the server with --upstream-ca): equivalent', async () => {
      const fresh = join(tmpdir(), `pop3scope-replayed-stls-${process.pid}.jsonl`);
      const r = await against(capture, server!.address().port, [
        '--upstream-ca',
        serverCa,
        '--capture',
        fresh,
      ]);
      const recorded = readFileSync(fresh, 'utf8');
      newCaptures.push(recorded);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('  same    #2 STLS');
      expect(r.stdout).toContain('pop3scope replay: equivalent: 1 of 1 session replayed alike');
      // The new session went on inside TLS, as recorded: its capture says so, and the server was verified.
      expect(recorded).toMatch(/"type":"tls".*"how":"stls","visibility":"decrypted".*"verified":true/);
    });

    it('--against a server whose certificate it cannot verify: the replay stops at the handshake, nothing sent in cleartext', async () => {
      const r = await against(capture, server!.address().port);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(
        'replay stopped early: TLS with the server after STLS failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      );
      // Everything recorded inside TLS is missing: none of it went to the server in cleartext.
      expect(r.stdout).toContain('  same    #2 STLS\n  missing #3 CAPA: not in the replay');
      expect(r.stdout).toContain('  missing #4 AUTH CRAM-MD5: not in the replay');
    });
  },
);

describeWithPeers(['dovecot', 'curl'], 'after all of the above: secrets', () => {
  it('no password, base64 password, APOP digest or CRAM-MD5 response in anything a replay printed or recorded', () => {
    expect(printed.length).toBeGreaterThan(0);
    const { needles, cram } = secretNeedles([...proxies.map((p) => readText(p.capturePath)), ...newCaptures]);
    expect(cram).toBeGreaterThan(2); // the recorded challenges, and the new ones the replay answered
    for (const [i, text] of [...printed, ...newCaptures].entries())
      expect(secretsIn(text, needles), `output #${i}`).toEqual([]);
  });
});
