/**
 * What the TLS peer tests (tls-peers-*.test.ts) share: a real Dovecot with TLS (STLS on its cleartext port,
 * implicit TLS on its POP3S port), the REAL `pop3scope proxy` processes started in front of it, the checks of
 * the TLS facts a decrypted session must carry, and the closing secrets search.
 *
 * Importing this module sets POP3SCOPE_HOME to a private temp dir (in process.env) before anything is spawned,
 * so the real ~/.config/pop3scope is never read or written. mpop --debug prints passwords: its stdout is shown
 * only on failure.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { type Dovecot, makeSelfSignedCert, type SelfSignedCert, startDovecot } from '../helpers/dovecot.js';
import { describeWithPeers, missingPeers, type PeerName } from '../helpers/peers.js';
import {
  type JsonRecord,
  type ProxyProcess,
  parseWrittenLines,
  readText,
  startProxyProcess,
  summaryOf,
} from '../helpers/proxyProcess.js';
import { expectNoSecretsFrom, secretNeedles, secretsIn } from '../helpers/proxySecrets.js';
import { tempHome, until, withEnv } from '../helpers/tlsFixtures.js';

// Before anything is spawned: every proxy, `pop3scope ca` and client of the importing file inherits it.
export const HOME = tempHome();
process.env.POP3SCOPE_HOME = HOME;
export const CA_PATH = join(HOME, 'ca.pem');

export const [bob, alice] = demoUsers() as [DemoUser, DemoUser];
export const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Everything this file starts; stopped at the end (the secrets suite stops the proxies first). */
export const proxies: ProxyProcess[] = [];
export let dc: Dovecot;
export let cert: SelfSignedCert;
/** The key log files given to proxies through SSLKEYLOGFILE. */
export const keylogs: string[] = [];

/** Starts a proxy with these extra flags; `keylog` sets SSLKEYLOGFILE for that proxy process alone. */
export async function proxy(
  upstreamPort: number,
  extraArgs: string[],
  keylog?: string,
): Promise<ProxyProcess> {
  const start = () => startProxyProcess(upstreamPort, { extraArgs });
  const px = await (keylog ? withEnv({ SSLKEYLOGFILE: keylog }, start) : start());
  proxies.push(px);
  if (keylog) keylogs.push(keylog);
  return px;
}

/** The one record of `type` among `records` (throws when there is not exactly one). */
export function one(records: readonly JsonRecord[], type: string): JsonRecord {
  const found = records.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} record, found ${found.length}`);
  return found[0]!;
}

/** The raw capture records (as written, not re-analysed) of one session. */
export function rawCapture(px: ProxyProcess, session: string): JsonRecord[] {
  // Polled by until() while the proxy writes: a half-written last line is not a record yet.
  return parseWrittenLines(readText(px.capturePath)).filter((r) => r.session === session);
}

/** What the tls record must say about Dovecot's certificate when it was verified against --upstream-ca. */
export function verifiedUpstream(): Record<string, unknown> {
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
export async function expectTlsFacts(
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

/** Registers, in the calling test file, Dovecot's start before its suites and the stop of all it started after. */
export function useTlsPeers(): void {
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
}

/**
 * The last suite of a file: stops every proxy the file started (each must exit 0 on SIGINT) and searches all
 * each wrote — captures, logs, live output, key logs — for the demo accounts' secrets in every form.
 */
export function secretsSuite(peers: readonly PeerName[], o: { cramSeen: boolean }): void {
  describeWithPeers(peers, 'after all of the above: shutdown and secrets', () => {
    it('every proxy exits 0 on SIGINT; no password, base64 password, PLAIN blob or CRAM-MD5 response anywhere', async () => {
      expect(proxies.length).toBeGreaterThan(0);
      const codes = await Promise.all(proxies.map((p) => p.stop()));
      expect(codes).toEqual(proxies.map(() => 0));
      const captures = proxies.map((p) => readText(p.capturePath));
      const { needles, cram } = secretNeedles(captures);
      if (o.cramSeen) expect(cram, 'CRAM-MD5 challenges were seen (curl, fetchmail)').toBeGreaterThan(0);
      for (const n of ['hungry', 'wonderland', 'aHVuZ3J5', 'd29uZGVybGFuZA', 'AGJvYgBodW5ncnk=']) {
        expect(needles.map((x) => x.text)).toContain(n);
      }
      expectNoSecretsFrom(proxies, needles);
      for (const file of keylogs) expect(secretsIn(readText(file), needles), file).toEqual([]);
    });
  });
}
