/**
 * The upstream side of TLS through the REAL `pop3scope proxy`: a Dovecot certificate nobody vouches for (refused,
 * with the reason; --insecure-upstream lets it through and says so) and STLS passthrough (opaque, counted).
 * Shared set-up: tlsPeers.ts.
 */
import { existsSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { curlPop3 } from '../helpers/clients.js';
import { describeWithPeers } from '../helpers/peers.js';
import { type ProxyProcess, summaryOf, transactions } from '../helpers/proxyProcess.js';
import { Wire } from '../helpers/tlsFixtures.js';
import { bob, CA_PATH, cert, dc, lines, one, proxy, secretsSuite, useTlsPeers } from './tlsPeers.js';

useTlsPeers();

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

secretsSuite(['dovecot', 'curl', 'openssl'], { cramSeen: true });
