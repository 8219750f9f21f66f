/**
 * Real TLS clients against the embedded server: curl (--ssl-reqd for STLS, pop3s:// for implicit TLS) and
 * Python's poplib (stls() and POP3_SSL) with a strict verifier (VERIFY_X509_STRICT). Each trusts only a CA
 * made for this file, written to a temp dir; every child process gets POP3SCOPE_HOME in a temp dir too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server/server.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { curlPop3, poplib } from '../helpers/clients.js';
import { describeWithPeers } from '../helpers/peers.js';

const [bob] = demoUsers() as [DemoUser];
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-tls-peers-'));
const home = join(dir, 'home');
const caFile = join(dir, 'ca.pem');
const otherCaFile = join(dir, 'other-ca.pem');
const env = { POP3SCOPE_HOME: home };
let tls: { cert: string; key: string };
const servers: RunningServer[] = [];

beforeAll(async () => {
  const ca = await CertificateAuthority.create();
  const leaf = await ca.leaf(['localhost', '127.0.0.1']);
  tls = { cert: leaf.certPem, key: leaf.keyPem };
  writeFileSync(caFile, ca.certPem);
  writeFileSync(otherCaFile, (await CertificateAuthority.create()).certPem);
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh server (curl deletes nothing, but every test gets its own so they cannot interfere). */
async function server(options: ServerOptions = {}): Promise<number> {
  const s = await startServer({ host: '127.0.0.1', port: 0, ...options });
  servers.push(s);
  return s.address().port;
}

describeWithPeers(['curl'], 'curl against the embedded server with TLS', () => {
  it('--ssl-reqd upgrades with STLS, verifies the certificate, and RETR 1 is byte-exact', async () => {
    const port = await server({ tls });
    const r = await curlPop3(
      `pop3://bob:hungry@127.0.0.1:${port}/1`,
      ['--ssl-reqd', '--cacert', caFile, '-v'],
      {
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[0]!)).toBe(true);
    expect(r.stderr).toMatch(/^> STLS\r?$/m);
    expect(r.stderr).toMatch(/^< \+OK Begin TLS negotiation\r?$/m);
    expect(r.stderr).toMatch(/SSL connection using TLSv1\.[23]/);
  });

  it('--ssl-reqd lists the messages over STLS', async () => {
    const port = await server({ tls });
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/`, ['--ssl-reqd', '--cacert', caFile], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['1 498', '2 912']);
  });

  it('--ssl-reqd fails against a server without a certificate (STLS not offered)', async () => {
    const port = await server();
    const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/1`, ['--ssl-reqd', '--cacert', caFile], {
      env,
    });
    expect(r.code).toBe(64); // CURLE_USE_SSL_FAILED
    expect(r.stdout).toBe('');
  });

  it('refuses the certificate when trusting another CA', async () => {
    const port = await server({ tls });
    const r = await curlPop3(
      `pop3://bob:hungry@127.0.0.1:${port}/1`,
      ['--ssl-reqd', '--cacert', otherCaFile],
      {
        env,
      },
    );
    expect(r.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    expect(r.stdout).toBe('');
  });

  it('pop3s:// against implicit TLS: RETR 2 is byte-exact', async () => {
    const port = await server({ tls, implicitTls: true });
    const r = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${port}/2`, ['--cacert', caFile], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[1]!)).toBe(true);
  });

  it('pop3s:// against the STLS (cleartext) port fails the handshake', async () => {
    const port = await server({ tls });
    const r = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${port}/2`, ['--cacert', caFile], {
      env,
      timeoutMs: 10_000,
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});

describeWithPeers(
  ['python3'],
  'Python poplib against the embedded server with TLS (VERIFY_X509_STRICT)',
  () => {
    /** Python lines that build the strict verifying context; indented like the scripts below. */
    const strict = `
      ctx = ssl.create_default_context(cafile=os.environ['CA_FILE'])
      ctx.verify_flags |= ssl.VERIFY_X509_STRICT`;
    const pyEnv = (port: number) => ({
      ...env,
      CA_FILE: caFile,
      POP_PORT: String(port),
      POP_USER: 'bob',
      POP_PASSWORD: 'hungry',
    });

    it('stls(): CAPA before and after, a second STLS refused by the server, login and RETR 1 byte-exact', async () => {
      const port = await server({ tls });
      const r = await poplib(
        `${strict}
      p = poplib.POP3(HOST, PORT, timeout=10)
      out('STLS' in p.capa())
      out(p.stls(context=ctx))
      out(p.sock.version())
      out('STLS' in p.capa())
      try:
          p._shortcmd('STLS')
          out('accepted')
      except poplib.error_proto as e:
          out(e.args[0])
      p.user(USER)
      out(p.pass_(PASSWORD))
      resp, lines, octets = p.retr(1)
      print((b'\\r\\n'.join(lines) + b'\\r\\n').hex())
      out(p.quit())
    `,
        pyEnv(port),
      );
      expect(r.code, r.stderr).toBe(0);
      const out = r.stdout.split('\n');
      expect(out[0]).toBe('True');
      expect(out[1]).toBe("b'+OK Begin TLS negotiation'");
      expect(out[2]).toMatch(/^'TLSv1\.[23]'$/);
      expect(out[3]).toBe('False');
      expect(out[4]).toBe("b'-ERR already using TLS'");
      expect(out[5]).toBe("b'+OK bob has 2 messages (1410 octets)'");
      expect(out[6]).toBe(bob.messages[0]!.toString('hex'));
      expect(out[7]).toMatch(/^b'\+OK pop3scope signing off/);
    });

    it('stls() refuses a certificate from another CA', async () => {
      const port = await server({ tls });
      const r = await poplib(
        `${strict}
      p = poplib.POP3(HOST, PORT, timeout=10)
      try:
          p.stls(context=ctx)
          out('verified')
      except ssl.SSLCertVerificationError as e:
          out(e.verify_message)
    `,
        { ...pyEnv(port), CA_FILE: otherCaFile },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('verified');
      expect(r.stdout).toMatch(/certificate/);
    });

    it('POP3_SSL (implicit TLS): no STLS in CAPA, RETR 2 byte-exact', async () => {
      const port = await server({ tls, implicitTls: true });
      const r = await poplib(
        `${strict}
      p = poplib.POP3_SSL(HOST, PORT, context=ctx, timeout=10)
      out('STLS' in p.capa())
      p.user(USER)
      out(p.pass_(PASSWORD))
      resp, lines, octets = p.retr(2)
      print((b'\\r\\n'.join(lines) + b'\\r\\n').hex())
      p.quit()
    `,
        pyEnv(port),
      );
      expect(r.code, r.stderr).toBe(0);
      const out = r.stdout.split('\n');
      expect(out[0]).toBe('False');
      expect(out[1]).toBe("b'+OK bob has 2 messages (1410 octets)'");
      expect(out[2]).toBe(bob.messages[1]!.toString('hex'));
    });
  },
);
