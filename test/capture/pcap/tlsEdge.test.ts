import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { TLS_RECORD_MAX_CIPHERTEXT } from '../../../src/capture/pcap/limits.js';
import { TlsConnection, type TlsOutput } from '../../../src/capture/pcap/tlsStream.js';
import { bytewise, ecdsaCert, feed, randomly, recordSession, whole } from './tlsRecording.js';

const rec = (type: number, body: Uint8Array | number[], version = 0x0303) =>
  Buffer.concat([
    Buffer.from([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]),
    Buffer.from(body),
  ]);
const hs = (type: number, body: Uint8Array) =>
  Buffer.concat([
    Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]),
    body,
  ]);
const u16 = (n: number) => [n >> 8, n & 0xff];
const vec2 = (b: Buffer) => Buffer.concat([Buffer.from(u16(b.length)), b]);
const ext = (type: number, data: Buffer) => Buffer.concat([Buffer.from(u16(type)), vec2(data)]);

/** A minimal ClientHello, optionally with an SNI. */
function clientHello(sni: string | null, random = Buffer.alloc(32, 7)): Buffer {
  const exts = sni
    ? ext(0, vec2(Buffer.concat([Buffer.from([0]), vec2(Buffer.from(sni))])))
    : Buffer.alloc(0);
  return hs(
    1,
    Buffer.concat([
      Buffer.from([3, 3]),
      random,
      Buffer.from([0]),
      vec2(Buffer.from([0x13, 0x01])),
      Buffer.from([1, 0]),
      vec2(exts),
    ]),
  );
}

/** A minimal ServerHello selecting `suite`, with supported_versions when `v13`. */
function serverHello(suite: number, v13: boolean, random = Buffer.alloc(32, 9)): Buffer {
  const exts = v13 ? ext(43, Buffer.from([3, 4])) : Buffer.alloc(0);
  return hs(
    2,
    Buffer.concat([
      Buffer.from([3, 3]),
      random,
      Buffer.from([0]),
      Buffer.from(u16(suite)),
      Buffer.from([0]),
      vec2(exts),
    ]),
  );
}

function run(
  steps: readonly (readonly ['c2s' | 's2c', Buffer])[],
  keylog: KeyLog | null = null,
): TlsOutput[] {
  const conn = new TlsConnection(keylog);
  const out = steps.flatMap(([dir, b]) => conn.push(dir, b));
  return [...out, ...conn.end()];
}

describe('TlsConnection on hand-built records', () => {
  it('reads SNI, version and suite from hellos split across records, without keys', () => {
    const ch = clientHello('mail.example.org');
    const sh = serverHello(0xc02f, false);
    for (const split of [1, 3, 40]) {
      const steps: ['c2s' | 's2c', Buffer][] = [];
      for (let i = 0; i < ch.length; i += split)
        steps.push(['c2s', rec(22, ch.subarray(i, i + split), 0x0301)]);
      steps.push(['s2c', rec(22, sh)]);
      expect(run(steps)).toEqual([
        { type: 'facts', sni: 'mail.example.org', version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
        { type: 'opaque', why: 'no TLS key log was given (--tls-keylog)' },
      ]);
    }
  });

  it('names TLS 1.3 from supported_versions, an unknown suite in IANA hex, and no SNI as null', () => {
    const out = run([
      ['c2s', rec(22, clientHello(null))],
      ['s2c', rec(22, serverHello(0x1304, true))],
    ]);
    expect(out[0]).toEqual({
      type: 'facts',
      sni: null,
      version: 'TLSv1.3',
      cipher: 'TLS_AES_128_CCM_SHA256',
    });
    const odd = run([
      ['c2s', rec(22, clientHello(null))],
      ['s2c', rec(22, serverHello(0xc0ff, false))],
    ]);
    expect(odd[0]).toMatchObject({ cipher: '0xC0FF' });
  });

  it('with a key log, an unsupported suite is opaque naming it', () => {
    const keylog = KeyLog.parse(`CLIENT_RANDOM ${'07'.repeat(32)} ${'11'.repeat(48)}\n`);
    const out = run(
      [
        ['c2s', rec(22, clientHello('x'))],
        ['s2c', rec(22, serverHello(0xc013, false))],
      ],
      keylog,
    );
    expect(out[1]).toEqual({
      type: 'opaque',
      why: 'cipher suite ECDHE-RSA-AES128-SHA is not decrypted by pop3scope',
    });
  });

  it('a HelloRetryRequest gives no facts; the real ServerHello after it does', () => {
    const hrrRandom = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
    const out = run([
      ['c2s', rec(22, clientHello('a'))],
      ['s2c', rec(22, serverHello(0x1302, true, hrrRandom))],
      ['s2c', rec(20, [1])],
      ['c2s', rec(20, [1])],
      ['c2s', rec(22, clientHello('a'))],
      ['s2c', rec(22, serverHello(0x1302, true))],
    ]);
    expect(out).toEqual([
      { type: 'facts', sni: 'a', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
      { type: 'opaque', why: 'no TLS key log was given (--tls-keylog)' },
    ]);
  });

  it('reports plaintext alerts, close_notify apart', () => {
    const out = run([
      ['c2s', rec(22, clientHello('a'))],
      ['s2c', rec(21, [2, 40])],
      ['c2s', rec(21, [1, 0])],
    ]);
    expect(out).toEqual([
      { type: 'alert', dir: 's2c', level: 'fatal', description: 'handshake_failure', code: 40 },
      { type: 'close_notify', dir: 'c2s' },
      { type: 'opaque', why: 'the TLS handshake is not complete in the capture (no ServerHello)' },
    ]);
  });

  it('a record claiming more than the largest legal length is malformed, not buffered', () => {
    const big = TLS_RECORD_MAX_CIPHERTEXT + 1;
    const conn = new TlsConnection(null);
    const out = conn.push('c2s', Buffer.from([22, 3, 1, big >> 8, big & 0xff, 1, 2, 3]));
    expect(out).toEqual([
      {
        type: 'opaque',
        dir: 'c2s',
        why: `malformed TLS in the client's stream: a TLS record claims ${big} octets (the most TLS allows is ${TLS_RECORD_MAX_CIPHERTEXT})`,
      },
    ]);
    expect(conn.push('c2s', randomBytes(100000))).toEqual([]);
    // A record of exactly the limit is fine (held until complete).
    const ok = new TlsConnection(null);
    expect(
      ok.push(
        's2c',
        Buffer.from([23, 3, 3, TLS_RECORD_MAX_CIPHERTEXT >> 8, TLS_RECORD_MAX_CIPHERTEXT & 0xff]),
      ),
    ).toEqual([]);
  });

  it('bytes that are not TLS (plain POP3) are malformed, said once', () => {
    const conn = new TlsConnection(null);
    const out = [
      ...conn.push('s2c', Buffer.from('+OK POP3 ready\r\n')),
      ...conn.push('s2c', Buffer.from('more')),
    ];
    expect(out).toEqual([
      {
        type: 'opaque',
        dir: 's2c',
        why: "malformed TLS in the server's stream: not a TLS record (content type 43)",
      },
    ]);
  });

  it('protected records with no handshake captured: opaque, once', () => {
    const conn = new TlsConnection(KeyLog.parse(''));
    const out = [
      ...conn.push('s2c', rec(23, randomBytes(40))),
      ...conn.push('c2s', rec(23, randomBytes(40))),
      ...conn.end(),
    ];
    expect(out).toEqual([
      {
        type: 'opaque',
        why: 'the TLS handshake was not captured (the capture starts inside the TLS session)',
      },
    ]);
  });
});

describe('TlsConnection on real sessions: HelloRetryRequest and resumption', () => {
  it('TLS 1.3 with a HelloRetryRequest (the client offers an X25519 share, the server wants P-256)', async () => {
    const r = await recordSession({
      cert: await ecdsaCert(),
      server: { minVersion: 'TLSv1.3', ecdhCurve: 'P-256' },
      client: { minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256' },
    });
    const s2c = Buffer.concat(r.chunks.filter((c) => c.dir === 's2c').map((c) => c.bytes));
    expect(
      s2c.includes(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')),
    ).toBe(true);
    for (const split of [whole, bytewise, randomly(7)]) {
      const { plain, notes } = feed(r.chunks, KeyLog.parse(r.keylog), split);
      expect(notes.slice(0, 2)).toEqual([
        { type: 'facts', sni: r.servername, version: 'TLSv1.3', cipher: r.cipher },
        { type: 'decrypting' },
      ]);
      expect(plain.c2s.equals(r.written.c2s) && plain.s2c.equals(r.written.s2c)).toBe(true);
    }
  }, 30000);

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version} session resumption decrypts with the resumed session's key log lines, and is opaque without them`, async () => {
      const cert = await ecdsaCert();
      const server = { minVersion: version, maxVersion: version, ticketKeys: Buffer.alloc(48, 5) };
      const first = await recordSession({ cert, server, client: { maxVersion: version } });
      expect(first.session).not.toBeNull();
      const second = await recordSession({
        cert,
        server,
        client: { maxVersion: version, session: first.session! },
      });
      expect(second.reused).toBe(true);
      const { plain, notes } = feed(second.chunks, KeyLog.parse(second.keylog), randomly(3));
      expect(notes[1]).toEqual({ type: 'decrypting' });
      expect(plain.c2s.equals(second.written.c2s) && plain.s2c.equals(second.written.s2c)).toBe(true);
      const without = feed(second.chunks, KeyLog.parse(first.keylog));
      expect(without.notes[1]).toMatchObject({
        type: 'opaque',
        why: expect.stringContaining('has no secrets for this connection'),
      });
    }, 30000);
  }
});
