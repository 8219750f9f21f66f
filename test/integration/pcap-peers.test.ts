/**
 * Packet traces of real sessions: tcpdump records loopback while real clients (curl, Python poplib, fetchmail,
 * a pipelining node:net client, curl with STLS) talk THROUGH the real `pop3scope proxy` process to Dovecot and
 * to the embedded server. One tcpdump records both legs (client↔proxy and proxy↔server), and `show TRACE
 * --format json` must tell each leg's session exactly as `show CAPTURE --format json` tells the proxy's own
 * capture of it (comparable() in helpers/tcpdump.ts lists what may differ and why). No secret may appear in
 * what `show` prints of a trace, in any format, though the trace itself holds the passwords in clear.
 *
 * The traces live in a private temp dir removed when the test process ends (POP3SCOPE_KEEP_TRACES keeps them).
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { runCli } from '../helpers/cli.js';
import { curlPop3, fetchmail, poplib, type RunResult } from '../helpers/clients.js';
import { type Dovecot, makeSelfSignedCert, type SelfSignedCert, startDovecot } from '../helpers/dovecot.js';
import { describeWithPeers, type PeerName } from '../helpers/peers.js';
import { type ProxyProcess, startProxyProcess, summaryOf, withVerb } from '../helpers/proxyProcess.js';
import {
  bySession,
  clientView,
  comparable,
  describeWithTcpdump,
  type Recorded,
  recordThroughProxy,
  showTraceJson,
  tracePath,
} from '../helpers/tcpdump.js';
import { tempHome, withEnv } from '../helpers/tlsFixtures.js';

// Before any proxy is spawned: pop3scope's CA (for the intercepted STLS) lives in a private home.
const HOME = tempHome();
process.env.POP3SCOPE_HOME = HOME;
const CA_PATH = `${HOME}/ca.pem`;

interface Upstream {
  readonly port: number;
  stop(): Promise<void>;
}

const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);

/** Sends `script` in ONE write right after the greeting, and reads until the server closes. */
function pipelined(port: number, script: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let sent = false;
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (!sent && Buffer.concat(got).includes('\r\n')) {
        sent = true;
        socket.write(script);
      }
    });
    const done = (code: number) => {
      const stdoutBytes = Buffer.concat(got);
      resolve({
        code,
        signal: null,
        timedOut: false,
        stdout: stdoutBytes.toString('latin1'),
        stderr: '',
        stdoutBytes,
      });
    };
    socket.on('error', () => done(1));
    socket.on('close', () => done(0));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

function suite(
  name: string,
  peers: readonly PeerName[],
  startUpstream: (cert: SelfSignedCert) => Promise<Upstream>,
) {
  describeWithPeers(peers, `packet traces through the proxy to ${name}`, () => {
    let cert: SelfSignedCert;
    let up: Upstream;
    let px: ProxyProcess;
    const proxyKeys = tracePath('proxy-keys.log');

    beforeAll(async () => {
      cert = makeSelfSignedCert();
      up = await startUpstream(cert);
      runCli(['ca', 'init']);
      // The proxy's own key log (both of its handshakes) lets show decrypt the proxy↔server leg of STLS too.
      px = await withEnv({ SSLKEYLOGFILE: proxyKeys }, () =>
        startProxyProcess(up.port, { extraArgs: ['--upstream-ca', cert.certFile] }),
      );
    }, 60_000);
    afterAll(async () => {
      await px?.stop();
      await up?.stop();
      cert?.remove();
    }, 30_000);

    const recorded = (client: () => Promise<RunResult>, tlsKeylog?: string) =>
      recordThroughProxy({ px, upstream: `127.0.0.1:${up.port}`, run: client, tlsKeylog });

    /** The trace itself holds the password in clear (so the secrets search above means something). */
    const inClear = (x: Recorded<unknown>, needle: string) => readFileSync(x.traceFile).includes(needle);

    it('curl (CRAM-MD5, LIST): both legs of the trace tell the session as the proxy’s capture does', async () => {
      const x = await recorded(() => curlPop3(`pop3://bob:hungry@127.0.0.1:${px.port}/`));
      expect(x.result.code, x.result.stderr).toBe(0);
      expect(lines(x.result.stdout)).toEqual(['1 498', '2 912']);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      expect(x.clientLeg.summary).toMatchObject({ user: 'bob', auth: 'SASL CRAM-MD5', tls: 'none' });
      expect(withVerb(x.clientLeg.records, 'LIST')[0]!.response.listing).toEqual(['1 498', '2 912']);
    });

    it('poplib USER/PASS, LIST, RETR, DELE, QUIT: same transactions and summary; PASS shown redacted', async () => {
      const x = await recorded(() =>
        poplib(
          `
          p = poplib.POP3(HOST, PORT, timeout=10)
          p.user(USER); p.pass_(PASSWORD)
          out(p.list()[1])
          out(len(p.retr(1)[1]))
          out(p.dele(1))
          out(p.quit())`,
          { POP_PORT: String(px.port), POP_USER: 'bob', POP_PASSWORD: 'hungry' },
        ),
      );
      expect(x.result.stderr).toBe('');
      expect(lines(x.result.stdout)[0]).toBe("[b'1 498', b'2 912']");
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      expect(inClear(x, 'PASS hungry')).toBe(true);
      const pass = withVerb(x.clientLeg.records, 'PASS')[0]!;
      expect(pass.command.line).not.toContain('hungry');
      expect(x.clientLeg.summary).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        retrieved: [1],
        marked: [1],
        removed: [1],
      });
    });

    it('fetchmail keep (USER/PASS, LIST n + RETR n): same transactions and summary on both legs', async () => {
      const x = await recorded(() =>
        fetchmail({ host: '127.0.0.1', port: px.port, user: 'bob', password: 'hungry', keep: true }),
      );
      expect(x.result.code, x.result.stderr).toBe(0);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      expect(x.clientLeg.summary).toMatchObject({ user: 'bob', mode: 'download-and-keep', removed: [] });
      expect(withVerb(x.clientLeg.records, 'RETR').length).toBeGreaterThan(0);
    });

    it('a pipelined session (all commands in one write): pipelined flags and pairing as in the capture', async () => {
      const x = await recorded(() =>
        pipelined(
          px.port,
          'CAPA\r\nUSER bob\r\nPASS hungry\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nNOOP\r\nQUIT\r\n',
        ),
      );
      expect(x.result.stdout).toMatch(/\+OK[^\r]*\r\n$/);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      const verbs = x.clientLeg.records.filter((t) => t.type === 'transaction' && t.command);
      expect(verbs.map((t) => t.command.verb)).toEqual([
        'CAPA',
        'USER',
        'PASS',
        'STAT',
        'LIST',
        'UIDL',
        'RETR',
        'NOOP',
        'QUIT',
      ]);
      expect(verbs.slice(1).every((t) => t.command.pipelined === true)).toBe(true);
      expect(withVerb(x.clientLeg.records, 'RETR')[0]!.response).toMatchObject({
        status: '+OK',
        complete: true,
      });
    });

    it('curl --ssl-reqd (STLS intercepted by the proxy): decrypted with curl’s SSLKEYLOGFILE on the client leg', async () => {
      const curlKeys = tracePath('curl-keys.log');
      const x = await recorded(
        () =>
          curlPop3(
            `pop3://bob:hungry@localhost:${px.port}/1`,
            ['--ssl-reqd', '--cacert', CA_PATH, '--resolve', `localhost:${px.port}:127.0.0.1`],
            { env: { SSLKEYLOGFILE: curlKeys } },
          ),
        curlKeys,
      );
      expect(x.result.code, x.result.stderr).toBe(0);
      expect(x.result.stdoutBytes.length).toBeGreaterThan(0);
      expect(x.clientLeg.summary).toMatchObject({ user: 'bob', tls: 'stls', retrieved: [1] });
      const tls = x.clientLeg.records.find((r) => r.type === 'tls')!;
      expect(tls).toMatchObject({ how: 'stls', visibility: 'decrypted', client: { sni: 'localhost' } });
      // curl's keys know nothing of the proxy↔server handshake: that leg is opaque after STLS.
      expect(x.serverLeg.records.find((r) => r.type === 'tls')).toMatchObject({ visibility: 'opaque' });
      // With the proxy's own key log (both its handshakes), the proxy↔server leg is decrypted too.
      const both = bySession(await showTraceJson(x.traceFile, { port: x.flags.port, tlsKeylog: proxyKeys }));
      const legs = [...both.values()];
      const serverLeg = legs.find((l) => summaryOf(l).upstream === `127.0.0.1:${up.port}`)!;
      const clientLeg = legs.find((l) => summaryOf(l).upstream === `127.0.0.1:${px.port}`)!;
      expect(clientView(clientLeg)).toEqual(comparable(x.fromProxy));
      expect(serverLeg.find((r) => r.type === 'tls')).toMatchObject({ how: 'stls', visibility: 'decrypted' });
      expect(summaryOf(serverLeg)).toMatchObject({ user: 'bob', tls: 'stls', retrieved: [1] });
    });

    it('fetchmail delete (LAST, TOP n 99999999, DELE): same transactions and summary on both legs', async () => {
      const x = await recorded(() =>
        fetchmail({
          host: '127.0.0.1',
          port: px.port,
          user: 'alice',
          password: 'wonderland',
          keep: false,
          fetchall: false,
        }),
      );
      expect([0, 1]).toContain(x.result.code);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      expect(inClear(x, 'wonderland')).toBe(true);
      expect(withVerb(x.clientLeg.records, 'TOP').length).toBeGreaterThan(0);
      expect(x.clientLeg.summary).toMatchObject({ user: 'alice', removed: [1, 2, 3] });
    });
  });
}

describeWithTcpdump('packet traces of real sessions (tcpdump on lo)', () => {
  suite('Dovecot', ['dovecot', 'curl', 'python3', 'fetchmail', 'openssl'], async (cert) => {
    const dc: Dovecot = await startDovecot({ tls: cert });
    return { port: dc.port, stop: () => dc.stop() };
  });

  suite('the embedded server', ['curl', 'python3', 'fetchmail', 'openssl'], async (cert) => {
    const srv: RunningServer = await startServer({
      host: '127.0.0.1',
      port: 0,
      demo: true,
      tls: { cert: cert.certPem, key: cert.keyPem },
    });
    return { port: srv.address().port, stop: () => srv.close() };
  });
});
