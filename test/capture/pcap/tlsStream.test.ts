import { describe, expect, it } from 'vitest';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { TlsConnection, type TlsOutput } from '../../../src/capture/pcap/tlsStream.js';
import {
  bytewise,
  type Cert,
  ecdsaCert,
  feed,
  type Recording,
  randomly,
  recordSession,
  rsaCert,
  whole,
} from './tlsRecording.js';

let ecdsa: Promise<Cert> | null = null;
let rsa: Promise<Cert> | null = null;
const ecdsaOnce = () => (ecdsa ??= ecdsaCert());
const rsaOnce = () => (rsa ??= rsaCert());

const cases: readonly {
  name: string;
  cert: () => Promise<Cert>;
  version: 'TLSv1.2' | 'TLSv1.3';
  ciphers: string;
}[] = [
  { name: 'TLS 1.3 AES-128-GCM', cert: ecdsaOnce, version: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
  { name: 'TLS 1.3 AES-256-GCM', cert: ecdsaOnce, version: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' },
  { name: 'TLS 1.3 ChaCha20', cert: ecdsaOnce, version: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  {
    name: 'TLS 1.2 ECDSA AES-128-GCM',
    cert: ecdsaOnce,
    version: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  },
  {
    name: 'TLS 1.2 ECDSA AES-256-GCM',
    cert: ecdsaOnce,
    version: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  },
  {
    name: 'TLS 1.2 ECDSA ChaCha20',
    cert: ecdsaOnce,
    version: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  },
  {
    name: 'TLS 1.2 RSA AES-128-GCM',
    cert: rsaOnce,
    version: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
  },
  {
    name: 'TLS 1.2 RSA AES-256-GCM',
    cert: rsaOnce,
    version: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
  },
  { name: 'TLS 1.2 RSA ChaCha20', cert: rsaOnce, version: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
];

function session(c: (typeof cases)[number]): Promise<Recording> {
  return c.cert().then((cert) =>
    recordSession({
      cert,
      server: { minVersion: c.version, maxVersion: c.version, ciphers: c.ciphers },
      client: { minVersion: c.version, maxVersion: c.version, ciphers: c.ciphers },
    }),
  );
}

describe('TlsConnection decrypts real node:tls sessions given their key log', () => {
  for (const c of cases) {
    it(`${c.name}: whole, byte by byte and at random splits`, async () => {
      const rec = await session(c);
      expect(rec.protocol).toBe(c.version);
      expect(rec.cipher).toBe(c.ciphers);
      const keylog = KeyLog.parse(rec.keylog);
      expect(keylog.badLines).toBe(0);
      for (const split of [whole, bytewise, randomly(1), randomly(2)]) {
        const { plain, notes } = feed(rec.chunks, keylog, split);
        expect(notes[0]).toEqual({
          type: 'facts',
          sni: rec.servername,
          version: rec.protocol,
          cipher: rec.cipher,
        });
        expect(notes[1]).toEqual({ type: 'decrypting' });
        expect(notes.filter((n) => n.type === 'opaque')).toEqual([]);
        expect(plain.c2s.equals(rec.written.c2s)).toBe(true);
        expect(plain.s2c.equals(rec.written.s2c)).toBe(true);
        expect(notes).toContainEqual({ type: 'close_notify', dir: 'c2s' });
      }
      // The large writes really spanned several records, and the wire chunks differ from the records.
      expect(rec.chunks.filter((k) => k.dir === 's2c').length).toBeGreaterThan(1);
    }, 30000);
  }
});

describe('TlsConnection without usable keys is opaque, with the facts', () => {
  let rec13: Promise<Recording> | null = null;
  let rec12: Promise<Recording> | null = null;
  const r13 = () => (rec13 ??= session(cases[0]!));
  const r12 = () => (rec12 ??= session(cases[6]!));

  it('no key log: facts, then opaque saying so, no plaintext', async () => {
    for (const rec of [await r13(), await r12()]) {
      const { out, notes } = feed(rec.chunks, null);
      expect(notes[0]).toEqual({
        type: 'facts',
        sni: rec.servername,
        version: rec.protocol,
        cipher: rec.cipher,
      });
      expect(notes[1]).toEqual({ type: 'opaque', why: 'no TLS key log was given (--tls-keylog)' });
      expect(notes.filter((n) => n.type === 'opaque')).toHaveLength(1);
      expect(out.some((o) => o.type === 'plaintext' || o.type === 'decrypting')).toBe(false);
    }
  });

  it('a key log without this client random says so', async () => {
    const other = await session(cases[0]!);
    const rec = await r13();
    const { notes, plain } = feed(rec.chunks, KeyLog.parse(other.keylog));
    expect(notes[1]).toMatchObject({
      type: 'opaque',
      why: expect.stringMatching(
        /^the key log has no secrets for this connection \(client random [0-9a-f]{64}\)$/,
      ),
    });
    expect(plain.c2s.length + plain.s2c.length).toBe(0);
  });

  it('a wrong secret: opaque "authentication failed", never garbage plaintext (1.3 and 1.2)', async () => {
    for (const rec of [await r13(), await r12()]) {
      // Flip one hex digit of every secret.
      const wrong = rec.keylog.replace(
        /^(\S+ \S+ )(.)/gm,
        (_m, head: string, d: string) => head + (d === '0' ? '1' : '0'),
      );
      const { notes, plain } = feed(rec.chunks, KeyLog.parse(wrong));
      expect(notes[1]).toEqual({ type: 'decrypting' });
      const opaque = notes.filter((n) => n.type === 'opaque');
      expect(opaque).toHaveLength(1);
      expect(opaque[0]).toMatchObject({ why: expect.stringContaining('failed authentication') });
      expect(plain.c2s.length + plain.s2c.length).toBe(0);
    }
  });

  it('a TLS 1.2 CBC suite is opaque, naming the suite', async () => {
    const cipher = 'ECDHE-RSA-AES128-SHA256';
    const rec = await recordSession({
      cert: await rsaOnce(),
      server: { maxVersion: 'TLSv1.2', ciphers: cipher },
      client: { maxVersion: 'TLSv1.2', ciphers: cipher },
    });
    expect(rec.cipher).toBe(cipher);
    const { notes } = feed(rec.chunks, KeyLog.parse(rec.keylog));
    expect(notes[0]).toEqual({ type: 'facts', sni: rec.servername, version: 'TLSv1.2', cipher });
    expect(notes[1]).toEqual({ type: 'opaque', why: `cipher suite ${cipher} is not decrypted by pop3scope` });
  });

  it('a gap stops only its direction, said once', async () => {
    const rec = await r13();
    const conn = new TlsConnection(KeyLog.parse(rec.keylog));
    const out: TlsOutput[] = [];
    let lost = false;
    let plainAfter = 0;
    let s2cSeen = 0;
    for (const c of rec.chunks) {
      if (c.dir === 's2c' && ++s2cSeen === 4 && !lost) {
        out.push(...conn.gap('s2c', c.bytes.length));
        out.push(...conn.gap('s2c', 10));
        lost = true;
        continue;
      }
      for (const o of conn.push(c.dir, c.bytes)) {
        out.push(o);
        if (lost && o.type === 'plaintext' && o.dir === 's2c') plainAfter++;
      }
    }
    const dirOpaque = out.filter((o) => o.type === 'opaque');
    expect(dirOpaque).toHaveLength(1);
    expect(dirOpaque[0]).toMatchObject({ dir: 's2c', why: expect.stringContaining('were not captured') });
    expect(plainAfter).toBe(0);
    const c2s = Buffer.concat(
      out.flatMap((o) => (o.type === 'plaintext' && o.dir === 'c2s' ? [o.bytes] : [])),
    );
    expect(c2s.equals(rec.written.c2s)).toBe(true);
  });
});
