/**
 * Real clients (curl, Python poplib, fetchmail, mpop) through the REAL `pop3scope proxy` process against a real
 * Dovecot with TLS: STLS on its cleartext port (intercepted: the proxy does TLS with Dovecot, then with the client
 * using a leaf from pop3scope's CA) and implicit TLS on its POP3S port (--upstream-tls --listen-tls). Each run
 * must show decrypted, redacted transactions, byte-identical message bodies and the TLS facts of the capture's
 * `tls` record. Then the failures a user meets: a client that does not trust pop3scope's CA, an upstream whose
 * certificate nobody vouches for (and --insecure-upstream), STLS passthrough, SSLKEYLOGFILE. The last suite
 * stops every proxy and searches everything each wrote for the demo accounts' secrets.
 *
 * Every child process gets POP3SCOPE_HOME in a private temp dir (set in process.env below), so the real
 * ~/.config/pop3scope is never read or written. mpop --debug prints passwords: its stdout is shown only on failure.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { runCli } from '../helpers/cli.js';
import { curlPop3, mpop, poplib } from '../helpers/clients.js';
import { type Dovecot, makeSelfSignedCert, type SelfSignedCert, startDovecot } from '../helpers/dovecot.js';
import { describeWithPeers, itWithPeers, missingPeers } from '../helpers/peers.js';
import {
  expectNoSecretsFrom,
  type JsonRecord,
  type ProxyProcess,
  readText,
  secretNeedles,
  secretsIn,
  startProxyProcess,
  summaryOf,
  transactions,
  withVerb,
} from '../helpers/proxyProcess.js';
import { fetchmailStlsCramMd5, privateDir, tempHome, until, Wire, withEnv } from '../helpers/tlsFixtures.js';

// Before anything is spawned: every proxy, `pop3scope ca` and client of this file inherits it.
const HOME = tempHome();
process.env.POP3SCOPE_HOME = HOME;
const CA_PATH = join(HOME, 'ca.pem');

const [bob, alice] = demoUsers() as [DemoUser, DemoUser];
const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Everything this file starts; stopped at the end (the secrets suite stops the proxies first). */
const proxies: ProxyProcess[] = [];
let dc: Dovecot;
let cert: SelfSignedCert;
/** The key log files given to proxies through SSLKEYLOGFILE. */
const keylogs: string[] = [];

beforeAll(async () => {
  // Without them every suite below is skipped (or failed, under CI) by describeWithPeers.
  if (missingPeers(['dovecot', 'openssl']).length > 0) return;
  cert = makeSelfSignedCert();
  dc = await startDovecot({ tls: cert });
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await dc?.stop();
  cert?.remove();
}, 30_000);

/** Starts a proxy with these extra flags; `keylog` sets SSLKEYLOGFILE for that proxy process alone. */
async function proxy(upstreamPort: number, extraArgs: string[], keylog?: string): Promise<ProxyProcess> {
  const start = () => startProxyProcess(upstreamPort, { extraArgs });
  const px = await (keylog ? withEnv({ SSLKEYLOGFILE: keylog }, start) : start());
  proxies.push(px);
  if (keylog) keylogs.push(keylog);
  return px;
}

/** The one record of `type` among `records` (throws when there is not exactly one). */
function one(records: readonly JsonRecord[], type: string): JsonRecord {
  const found = records.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} record, found ${found.length}`);
  return found[0]!;
}

/** The raw capture records (as written, not re-analysed) of one session. */
function rawCapture(px: ProxyProcess, session: string): JsonRecord[] {
  return readText(px.capturePath)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonRecord)
    .filter((r) => r.session === session);
}

/** What the tls record must say about Dovecot's certificate when it was verified against --upstream-ca. */
function verifiedUpstream(): Record<string, unknown> {
  const x = new X509Certificate(cert.certPem);
  return {
    subject: 'CN=localhost',
    issuer: 'CN=localhost',
    validFrom: x.validFrom,
    validTo: x.validTo,
    verified: true,
    verifyError: null,
  };
}

/**
 * The TLS facts every decrypted session must carry, live and in the capture (raw and read back by `show`):
 * how, visibility "decrypted", the client's version/cipher/SNI, Dovecot's certificate, verified.
 */
async function expectTlsFacts(
  px: ProxyProcess,
  live: JsonRecord[],
  how: 'stls' | 'implicit',
  sni: string | null,
) {
  const expected = {
    how,
    visibility: 'decrypted',
    client: { version: 'TLSv1.3', sni },
    upstream: verifiedUpstream(),
  };
  const session = summaryOf(live).session as string;
  const liveTls = one(live, 'tls');
  expect(liveTls).toMatchObject(expected);
  expect(liveTls.client.cipher).toMatch(/^TLS_(AES|CHACHA20)_/);
  expect(liveTls.upstream.version).toBe('TLSv1.3'); // Dovecot 2.3 with OpenSSL 3
  expect(liveTls).not.toHaveProperty('insecureUpstream');
  await until(() => rawCapture(px, session).some((r) => r.type === 'close'), 'the close record on disk');
  const raw = rawCapture(px, session);
  expect(one(raw, 'tls')).toMatchObject(expected);
  expect(one(raw, 'open').tls).toBe(how === 'implicit' ? 'implicit' : 'none');
  const shown = await px.captureSession(session);
  expect(one(shown, 'tls')).toMatchObject(expected);
  expect(summaryOf(shown).tls).toBe(how);
  return { session, shown };
}

describe('pop3scope ca in a private POP3SCOPE_HOME', () => {
  it('ca init creates the CA in $POP3SCOPE_HOME (key 0600); path and show name it; a second init keeps it', () => {
    const init = runCli(['ca', 'init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`created: ${CA_PATH}`);
    expect(statSync(join(HOME, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    const fingerprint = new X509Certificate(readFileSync(CA_PATH)).fingerprint256;
    expect(init.stdout).toContain(`SHA-256 ${fingerprint}`);
    const again = runCli(['ca', 'init']);
    expect(again.stdout).toContain(`already there: ${CA_PATH}`);
    expect(runCli(['ca', 'path']).stdout).toBe(`${CA_PATH}\n`);
    const show = runCli(['ca', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`SHA-256 ${fingerprint}`);
    expect(show.stdout).toContain(`curl --cacert ${CA_PATH}`);
  });
});

describeWithPeers(['dovecot', 'curl', 'openssl'], 'curl through the proxy with TLS', () => {
  let stls: ProxyProcess;
  let implicit: ProxyProcess;
  const keyDir = privateDir();
  const stlsKeys = join(keyDir, 'stls-keys.log');
  const implicitKeys = join(keyDir, 'implicit-keys.log');
  beforeAll(async () => {
    if (!existsSync(CA_PATH)) runCli(['ca', 'init']);
    [stls, implicit] = await Promise.all([
      proxy(dc.port, ['--upstream-ca', cert.certFile], stlsKeys),
      proxy(dc.pop3sPort!, ['--upstream-tls', '--listen-tls', '--upstream-ca', cert.certFile], implicitKeys),
    ]);
  });

  /** curl against `host` (localhost, so that curl sends SNI) resolved to 127.0.0.1 on `port`. */
  const viaLocalhost = (port: number) => ['--resolve', `localhost:${port}:127.0.0.1`];

  it('--ssl-reqd --cacert <pop3scope CA>: RETR through STLS is byte-identical; decrypted, redacted, TLS facts', async () => {
    const direct = await curlPop3(`pop3://bob:hungry@127.0.0.1:${dc.port}/1`, [
      '--ssl-reqd',
      '--cacert',
      cert.certFile,
    ]);
    expect(direct.code, direct.stderr).toBe(0);
    const mark = stls.mark();
    const r = await curlPop3(`pop3://bob:hungry@localhost:${stls.port}/1`, [
      '--ssl-reqd',
      '--cacert',
      CA_PATH,
      ...viaLocalhost(stls.port),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[0]!)).toBe(true);
    expect(r.stdoutBytes.equals(direct.stdoutBytes)).toBe(true);
    const live = await stls.next(mark);
    // Decrypted: what curl said after TLS is parsed; CRAM-MD5's response is hidden.
    const verbs = transactions(live).map((t) => t.command?.verb ?? null);
    expect(verbs.slice(0, 3)).toEqual([null, 'CAPA', 'STLS']);
    expect(verbs).toEqual(expect.arrayContaining(['AUTH', 'RETR', 'QUIT']));
    expect(withVerb(live, 'STLS')[0]!.response).toMatchObject({
      status: '+OK',
      text: 'Begin TLS negotiation now.',
    });
    const capas = withVerb(live, 'CAPA').map((t) => t.response.listing as string[]);
    expect(capas[0]).toContain('STLS');
    // After TLS curl asks CAPA again; Dovecot no longer offers STLS.
    expect(capas[1]).not.toContain('STLS');
    const auth = withVerb(live, 'AUTH')[0]!;
    expect(auth.sasl).toMatchObject({ mechanism: 'CRAM-MD5', outcome: 'success' });
    expect(auth.sasl.steps.find((s: JsonRecord) => s.from === 'client').text).toBe(
      'user="bob" digest=<redacted 32 octets>',
    );
    expect(withVerb(live, 'RETR')[0]!.response).toMatchObject({
      status: '+OK',
      bodyOctets: 498,
      complete: true,
    });
    expect(summaryOf(live)).toMatchObject({
      user: 'bob',
      auth: 'SASL CRAM-MD5',
      tls: 'stls',
      retrieved: [1],
    });
    await expectTlsFacts(stls, live, 'stls', 'localhost');
  });

  it('STLS carries a big message and dot-stuffed lines byte for byte (alice 1 and 3)', async () => {
    for (const n of [1, 3]) {
      const r = await curlPop3(`pop3://alice:wonderland@127.0.0.1:${stls.port}/${n}`, [
        '--ssl-reqd',
        '--cacert',
        CA_PATH,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const direct = await curlPop3(`pop3://alice:wonderland@127.0.0.1:${dc.port}/${n}`, [
        '--ssl-reqd',
        '--cacert',
        cert.certFile,
      ]);
      expect(r.stdoutBytes.equals(direct.stdoutBytes), `message ${n}`).toBe(true);
      expect(r.stdoutBytes.equals(alice.messages[n - 1]!), `message ${n}`).toBe(true);
    }
  });

  it('pop3s:// --cacert <pop3scope CA> through --listen-tls --upstream-tls: LIST and RETR, implicit TLS facts', async () => {
    const mark = implicit.mark();
    const r = await curlPop3(`pop3s://bob:hungry@localhost:${implicit.port}/2`, [
      '--cacert',
      CA_PATH,
      ...viaLocalhost(implicit.port),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[1]!)).toBe(true);
    const live = await implicit.next(mark);
    expect(withVerb(live, 'RETR')[0]!.response).toMatchObject({ status: '+OK', bodyOctets: 912 });
    expect(withVerb(live, 'STLS')).toEqual([]);
    expect(summaryOf(live)).toMatchObject({ user: 'bob', tls: 'implicit' });
    await expectTlsFacts(implicit, live, 'implicit', 'localhost');

    const list = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${implicit.port}/`, ['--cacert', CA_PATH]);
    expect(list.code, list.stderr).toBe(0);
    expect(lines(list.stdout)).toEqual(['1 498', '2 912']);
  });

  it('a client that does not trust pop3scope’s CA (Dovecot’s cert as --cacert) fails; the close says how to trust it', async () => {
    const mark = stls.mark();
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${stls.port}/`, [
      '--ssl-reqd',
      '--cacert',
      cert.certFile,
    ]);
    expect(r.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    expect(r.stdout).toBe('');
    const summary = summaryOf(await stls.next(mark));
    expect(summary.closedBy).toBe('proxy');
    expect(summary.closeReason).toMatch(
      /^the client's TLS handshake failed \(.+\): make the client trust pop3scope's CA: see "pop3scope ca show"$/,
    );
    expect(summary.closeReason).toMatch(/unknown ca|bad certificate|certificate/);
    // No login happened: curl stopped at the handshake.
    expect(summary.user).toBeNull();

    const mark2 = implicit.mark();
    const s = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${implicit.port}/`, ['--cacert', cert.certFile]);
    expect(s.code).toBe(60);
    const implicitSummary = summaryOf(await implicit.next(mark2));
    expect(implicitSummary.closedBy).toBe('proxy');
    expect(implicitSummary.closeReason).toMatch(
      /^TLS with the client failed: .+; make the client trust pop3scope's CA: see "pop3scope ca show"$/,
    );
  });

  it.each([
    ['STLS', 'pop3'],
    ['implicit TLS', 'pop3s'],
  ] as const)(
    'SSLKEYLOGFILE (%s) gets both handshakes’ secrets, curl’s own lines among them, and is mode 0600',
    async (_, scheme) => {
      const px = scheme === 'pop3' ? stls : implicit;
      const keylog = scheme === 'pop3' ? stlsKeys : implicitKeys;
      // curl writes its own key log too (SSLKEYLOGFILE for curl alone): the proxy was the server of that handshake,
      // so the very same lines must be in the proxy's file.
      const curlKeys = join(privateDir(), 'curl-keys.log');
      const mark = px.mark();
      const tlsArgs = scheme === 'pop3' ? ['--ssl-reqd', '--cacert', CA_PATH] : ['--cacert', CA_PATH];
      const r = await curlPop3(`${scheme}://bob:hungry@127.0.0.1:${px.port}/`, tlsArgs, {
        env: { SSLKEYLOGFILE: curlKeys },
      });
      expect(r.code, r.stderr).toBe(0);
      await px.next(mark);
      const mine = lines(readText(curlKeys));
      expect(mine.length, 'curl wrote its own key log').toBeGreaterThanOrEqual(4);
      // The proxy appends in the background: wait until curl's handshake is in.
      await until(
        () => mine.every((l) => readText(keylog).includes(l)),
        'curl’s key log lines in the proxy’s',
      );
      const text = readText(keylog);
      for (const label of [
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_TRAFFIC_SECRET_0',
        'SERVER_TRAFFIC_SECRET_0',
      ]) {
        expect(text).toMatch(new RegExp(`^${label} [0-9a-f]{64} [0-9a-f]{64,96}$`, 'm'));
      }
      for (const l of lines(text)) expect(l).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
      // The handshake with Dovecot (the proxy as client) is logged too: client randoms that are not curl's.
      const curlRandoms = new Set(mine.map((l) => l.split(' ')[1]));
      const others = new Set(
        lines(text)
          .map((l) => l.split(' ')[1])
          .filter((x) => !curlRandoms.has(x)),
      );
      expect(others.size).toBeGreaterThan(0);
      expect(statSync(keylog).mode & 0o777).toBe(0o600);
    },
  );
});

describeWithPeers(
  ['dovecot', 'python3', 'openssl'],
  'Python poplib through the proxy with TLS (strict verification)',
  () => {
    let stls: ProxyProcess;
    let implicit: ProxyProcess;
    beforeAll(async () => {
      if (!existsSync(CA_PATH)) runCli(['ca', 'init']);
      [stls, implicit] = await Promise.all([
        proxy(dc.port, ['--upstream-ca', cert.certFile]),
        proxy(dc.pop3sPort!, ['--upstream-tls', '--listen-tls', '--upstream-ca', cert.certFile]),
      ]);
    });

    // The bodies are printed as sha256 of the reassembled message (poplib strips CRLFs and unstuffs dots).
    const SESSION = `
    import hashlib
    ctx = ssl.create_default_context(cafile=os.environ['CA'])
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    if os.environ['MODE'] == 'stls':
        p = poplib.POP3(HOST, PORT, timeout=10)
        out(p.stls(context=ctx))
    else:
        p = poplib.POP3_SSL(HOST, PORT, context=ctx, timeout=10)
    out(p.sock.version())
    out(p.sock.getpeercert()['subject'])
    out(p.user(USER))
    out(p.pass_(PASSWORD))
    count, size = p.stat()
    out((count, size))
    for n in range(1, count + 1):
        resp, body, octets = p.retr(n)
        out(hashlib.sha256(b'\\r\\n'.join(body) + b'\\r\\n').hexdigest())
    out(p.quit())`;

    async function run(mode: 'stls' | 'tls', port: number, ca: string, user = 'bob', password = 'hungry') {
      return poplib(SESSION, {
        POP_HOST: 'localhost',
        POP_PORT: String(port),
        POP_USER: user,
        POP_PASSWORD: password,
        CA: ca,
        MODE: mode,
      });
    }

    it('stls(context) with VERIFY_X509_STRICT: bodies byte-identical, transactions decrypted and redacted', async () => {
      for (const [user, password, messages] of [
        ['bob', 'hungry', bob.messages],
        ['alice', 'wonderland', alice.messages],
      ] as const) {
        const direct = await run('stls', dc.port, cert.certFile, user, password);
        expect(direct.stderr).toBe('');
        const mark = stls.mark();
        const p = await run('stls', stls.port, CA_PATH, user, password);
        expect(p.stderr).toBe('');
        const out = lines(p.stdout);
        expect(out[0]).toBe("b'+OK Begin TLS negotiation now.'");
        expect(out[1]).toBe("'TLSv1.3'");
        expect(out[2]).toBe("((('commonName', 'localhost'),),)"); // pop3scope's leaf, not Dovecot's
        expect(out.slice(6, 6 + messages.length)).toEqual(messages.map((m) => `'${sha256(m)}'`));
        // Everything but the certificate's subject is identical to the direct session.
        const d = lines(direct.stdout);
        expect([...out.slice(0, 2), ...out.slice(3)]).toEqual([...d.slice(0, 2), ...d.slice(3)]);
        const live = await stls.next(mark);
        expect(withVerb(live, 'PASS')[0]!.command.line).toBe(`PASS <redacted ${password.length} octets>`);
        expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual(
          messages.map((m) => m.length),
        );
        expect(summaryOf(live)).toMatchObject({ user, auth: 'USER/PASS', tls: 'stls' });
        await expectTlsFacts(stls, live, 'stls', 'localhost');
      }
    });

    it('POP3_SSL with VERIFY_X509_STRICT through --listen-tls --upstream-tls: identical bodies, implicit TLS facts', async () => {
      const direct = await run('tls', dc.pop3sPort!, cert.certFile);
      expect(direct.stderr).toBe('');
      const mark = implicit.mark();
      const p = await run('tls', implicit.port, CA_PATH);
      expect(p.stderr).toBe('');
      const out = lines(p.stdout);
      expect(out).toEqual([
        "'TLSv1.3'",
        "((('commonName', 'localhost'),),)",
        "b'+OK'",
        "b'+OK Logged in.'",
        '(2, 1410)',
        `'${sha256(bob.messages[0]!)}'`,
        `'${sha256(bob.messages[1]!)}'`,
        "b'+OK Logging out.'",
      ]);
      expect(out).toEqual(lines(direct.stdout));
      const live = await implicit.next(mark);
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        tls: 'implicit',
        retrieved: [1, 2],
      });
      await expectTlsFacts(implicit, live, 'implicit', 'localhost');
    });
  },
);

describeWithPeers(['dovecot', 'openssl'], 'fetchmail and mpop through the proxy with STLS', () => {
  let stls: ProxyProcess;
  beforeAll(async () => {
    if (!existsSync(CA_PATH)) runCli(['ca', 'init']);
    stls = await proxy(dc.port, ['--upstream-ca', cert.certFile]);
  });

  /** The messages in an mbox, without From_ lines and fetchmail's Received header, LF line endings. */
  const bodies = (mbox: string) =>
    mbox
      .split(/^From .*\n/m)
      .filter(Boolean)
      .map((m) => m.replace(/^Received: .*\n(?:[ \t].*\n)*/gm, ''));

  itWithPeers(
    ['fetchmail'],
    'fetchmail upgrades with STLS (verifying pop3scope’s leaf) and logs in with CRAM-MD5; bodies identical',
    async () => {
      const account = { user: 'bob', password: 'hungry' } as const;
      const direct = await fetchmailStlsCramMd5({ ...account, port: dc.port, caFile: cert.certFile });
      expect(direct.code, direct.stdout + direct.stderr).toBe(0);
      const mark = stls.mark();
      const r = await fetchmailStlsCramMd5({ ...account, port: stls.port, caFile: CA_PATH });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
      const live = await stls.next(mark);
      const verbs = transactions(live).map((t) => t.command?.verb ?? null);
      expect(verbs.indexOf('STLS')).toBeGreaterThan(0);
      expect(verbs.indexOf('AUTH')).toBeGreaterThan(verbs.indexOf('STLS'));
      expect(withVerb(live, 'AUTH')[0]!.sasl).toMatchObject({ mechanism: 'CRAM-MD5', outcome: 'success' });
      expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual([498, 912]);
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'SASL CRAM-MD5',
        tls: 'stls',
        retrieved: [1, 2],
      });
      expect(bodies(r.mbox)).toEqual(bodies(direct.mbox));
      // fetchmail hands each message to the MDA with LF line endings, after its own Received header.
      for (const m of bob.messages) expect(r.mbox).toContain(m.toString('utf8').replace(/\r\n/g, '\n'));
      // fetchmail sends its sslcommonname as SNI.
      await expectTlsFacts(stls, live, 'stls', 'localhost');
    },
  );

  itWithPeers(
    ['mpop'],
    'mpop with tls_starttls on: both messages, bodies identical, decrypted and redacted',
    async () => {
      const account = { host: '127.0.0.1', user: 'bob', password: 'hungry', keep: true } as const;
      const direct = await mpop({ ...account, port: dc.port, tls: { mode: 'stls', caFile: cert.certFile } });
      expect(direct.code, direct.code === 0 ? '' : `${direct.stdout}\n${direct.stderr}`).toBe(0);
      const mark = stls.mark();
      const r = await mpop({ ...account, port: stls.port, tls: { mode: 'stls', caFile: CA_PATH } });
      // mpop --debug prints the password: its output only on failure.
      expect(r.code, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
      expect(bodies(r.mbox)).toEqual(bodies(direct.mbox));
      for (const m of bob.messages) expect(r.mbox).toContain(m.toString('utf8').replace(/\r\n/g, '\n'));
      const live = await stls.next(mark);
      expect(withVerb(live, 'STLS')[0]!.response.status).toBe('+OK');
      expect(withVerb(live, 'PASS')[0]!.command.line).toBe('PASS <redacted 6 octets>');
      expect(withVerb(live, 'RETR').map((t) => [t.command.args, t.response.bodyOctets])).toEqual([
        [['1'], 498],
        [['2'], 912],
      ]);
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        tls: 'stls',
        retrieved: [1, 2],
      });
      // mpop sends the IP address it dials as SNI (RFC 6066 says not to; the proxy records what it got).
      await expectTlsFacts(stls, live, 'stls', '127.0.0.1');
    },
  );
});

describeWithPeers(['dovecot', 'curl', 'openssl'], 'an upstream certificate nobody vouches for', () => {
  let stlsUnverified: ProxyProcess;
  let implicitUnverified: ProxyProcess;
  let stlsInsecure: ProxyProcess;
  let implicitInsecure: ProxyProcess;
  beforeAll(async () => {
    if (!existsSync(CA_PATH)) runCli(['ca', 'init']);
    [stlsUnverified, implicitUnverified, stlsInsecure, implicitInsecure] = await Promise.all([
      proxy(dc.port, []),
      proxy(dc.pop3sPort!, ['--upstream-tls']),
      proxy(dc.port, ['--insecure-upstream']),
      proxy(dc.pop3sPort!, ['--upstream-tls', '--listen-tls', '--insecure-upstream']),
    ]);
  });

  it('STLS without --upstream-ca: the client gets -ERR [SYS/TEMP] ... TLS with the server failed, never +OK', async () => {
    const mark = stlsUnverified.mark();
    const c = await Wire.connect(stlsUnverified.port);
    expect(await c.line()).toMatch(/^\+OK Dovecot/);
    const answer = await c.cmd('STLS');
    expect(answer).toMatch(/^-ERR \[SYS\/TEMP\] pop3scope: TLS with the server failed \(.+\)\r\n$/);
    expect(answer).toMatch(/self[- ]signed certificate/);
    await c.ended;
    const summary = summaryOf(await stlsUnverified.next(mark));
    expect(summary.closedBy).toBe('proxy');
    expect(summary.closeReason).toBe(answer.replace(/^-ERR \[SYS\/TEMP\] pop3scope: /, '').trimEnd());
    // curl sees the same refusal and gives up.
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${stlsUnverified.port}/`, [
      '--ssl-reqd',
      '--cacert',
      CA_PATH,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('--upstream-tls without --upstream-ca: the connection is refused and the session says why', async () => {
    const mark = implicitUnverified.mark();
    const c = await Wire.connect(implicitUnverified.port);
    const line = await c.line();
    expect(line).toMatch(/^-ERR \[SYS\/TEMP\] pop3scope: .*self[- ]signed certificate.*\r\n$/);
    await c.ended;
    const summary = summaryOf(await implicitUnverified.next(mark));
    expect(summary.closedBy).toBe('proxy');
    expect(summary.closeReason).toMatch(/self[- ]signed certificate/);
    expect(summary.closeReason).toContain(`127.0.0.1:${dc.pop3sPort}`);
  });

  // A certificate that fails verification is not a refused connection: the server was reached, so the reason
  // reads like STLS's ("TLS with the server failed (...)"), never "cannot reach".
  it('--upstream-tls without --upstream-ca: the reason says TLS with the server failed, not "cannot reach"', async () => {
    const mark = implicitUnverified.mark();
    const c = await Wire.connect(implicitUnverified.port);
    const line = await c.line();
    await c.ended;
    const summary = summaryOf(await implicitUnverified.next(mark));
    expect(line).toMatch(
      /^-ERR \[SYS\/TEMP\] pop3scope: TLS with the server failed \(.*self[- ]signed certificate\)\r\n$/,
    );
    expect(summary.closeReason).not.toMatch(/cannot reach/);
  });

  it('--insecure-upstream makes STLS work; the tls record says verified false and insecureUpstream true', async () => {
    const mark = stlsInsecure.mark();
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${stlsInsecure.port}/1`, [
      '--ssl-reqd',
      '--cacert',
      CA_PATH,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[0]!)).toBe(true);
    const live = await stlsInsecure.next(mark);
    const expected = {
      how: 'stls',
      visibility: 'decrypted',
      upstream: { subject: 'CN=localhost', issuer: 'CN=localhost', verified: false },
      insecureUpstream: true,
    };
    expect(one(live, 'tls')).toMatchObject(expected);
    expect(one(live, 'tls').upstream.verifyError).toMatch(/SELF_SIGNED|self[- ]signed/i);
    const shown = await stlsInsecure.captureSession(summaryOf(live).session);
    expect(one(shown, 'tls')).toMatchObject(expected);
  });

  it('--insecure-upstream with --upstream-tls --listen-tls works too, and says so', async () => {
    const mark = implicitInsecure.mark();
    const r = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${implicitInsecure.port}/`, ['--cacert', CA_PATH]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(['1 498', '2 912']);
    const live = await implicitInsecure.next(mark);
    expect(one(live, 'tls')).toMatchObject({
      how: 'implicit',
      visibility: 'decrypted',
      upstream: { verified: false },
      insecureUpstream: true,
    });
  });
});

describeWithPeers(['dovecot', 'curl', 'openssl'], 'STLS passthrough', () => {
  let pass: ProxyProcess;
  beforeAll(async () => {
    pass = await proxy(dc.port, ['--stls', 'passthrough']);
  });

  it('curl --cacert <Dovecot’s cert> works end to end; the summary says opaque and counts the bytes', async () => {
    const mark = pass.mark();
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${pass.port}/2`, [
      '--ssl-reqd',
      '--cacert',
      cert.certFile,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[1]!)).toBe(true);
    const live = await pass.next(mark);
    // Only the cleartext part is parsed: the greeting, CAPA and STLS.
    expect(transactions(live).map((t) => t.command?.verb ?? null)).toEqual([null, 'CAPA', 'STLS']);
    expect(one(live, 'tls')).toMatchObject({ how: 'stls', visibility: 'opaque' });
    const summary = summaryOf(live);
    expect(summary.tls).toBe('opaque');
    expect(summary.user).toBeNull();
    // The encrypted bytes are counted: the 912-octet message and two handshakes' worth of certificates.
    expect(summary.bytes.s2c).toBeGreaterThan(912 + 500);
    expect(summary.bytes.c2s).toBeGreaterThan(300);
    const shown = await pass.captureSession(summary.session);
    expect(summaryOf(shown)).toMatchObject({ tls: 'opaque', bytes: summary.bytes });
  });
});

describeWithPeers(['dovecot', 'curl', 'openssl'], 'after all of the above: shutdown and secrets', () => {
  it('every proxy exits 0 on SIGINT; no password, base64 password, PLAIN blob or CRAM-MD5 response anywhere', async () => {
    expect(proxies.length).toBeGreaterThan(0);
    const codes = await Promise.all(proxies.map((p) => p.stop()));
    expect(codes).toEqual(proxies.map(() => 0));
    const captures = proxies.map((p) => readText(p.capturePath));
    const { needles, cram } = secretNeedles(captures);
    expect(cram, 'CRAM-MD5 challenges were seen (curl, fetchmail)').toBeGreaterThan(0);
    for (const n of ['hungry', 'wonderland', 'aHVuZ3J5', 'd29uZGVybGFuZA', 'AGJvYgBodW5ncnk=']) {
      expect(needles.map((x) => x.text)).toContain(n);
    }
    expectNoSecretsFrom(proxies, needles);
    for (const file of keylogs) expect(secretsIn(readText(file), needles), file).toEqual([]);
  });
});
