/**
 * curl and Python poplib through the REAL `pop3scope proxy` against a real Dovecot with TLS: STLS intercepted
 * (the proxy does TLS with Dovecot, then with the client using a leaf from pop3scope's CA) and implicit TLS
 * (--upstream-tls --listen-tls). Each run must show decrypted, redacted transactions, byte-identical bodies and
 * the TLS facts of the capture's `tls` record; SSLKEYLOGFILE gets both handshakes' secrets; a client that does
 * not trust pop3scope's CA is told how to. Shared set-up: tlsPeers.ts.
 */

import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { curlPop3, poplib } from '../helpers/clients.js';
import { describeWithPeers } from '../helpers/peers.js';
import { type ProxyProcess, readText, summaryOf, transactions, withVerb } from '../helpers/proxyProcess.js';
import { privateDir, until } from '../helpers/tlsFixtures.js';
import {
  alice,
  bob,
  CA_PATH,
  cert,
  dc,
  expectTlsFacts,
  HOME,
  lines,
  proxy,
  secretsSuite,
  sha256,
  useTlsPeers,
} from './tlsPeers.js';

useTlsPeers();

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

secretsSuite(['dovecot', 'curl', 'openssl'], { cramSeen: true });
