import { describe, expect, it } from 'vitest';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import type { StreamDir } from '../../../src/capture/pcap/types.js';
import { type Chunk, ecdsaCert, feed, prng, randomly, recordSession } from './tlsRecording.js';

/** One random mutation of a recording: flip, overwrite, insert, delete or truncate bytes of one chunk. */
function mutate(chunks: readonly Chunk[], rnd: () => number): Chunk[] {
  const out = chunks.map((c) => ({ dir: c.dir, bytes: Buffer.from(c.bytes) }));
  const pick = Math.floor(rnd() * out.length);
  const c = out[pick]!;
  const at = Math.floor(rnd() * c.bytes.length);
  const r = rnd();
  let bytes = c.bytes;
  if (r < 0.35) bytes[at] = bytes[at]! ^ (1 << Math.floor(rnd() * 8));
  else if (r < 0.5) bytes[at] = Math.floor(rnd() * 256);
  else if (r < 0.65)
    bytes = Buffer.concat([
      bytes.subarray(0, at),
      Buffer.from([Math.floor(rnd() * 256)]),
      bytes.subarray(at),
    ]);
  else if (r < 0.8)
    bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + Math.floor(rnd() * 40))]);
  else if (r < 0.9) return out.slice(0, pick).concat([{ dir: c.dir, bytes: bytes.subarray(0, at) }]);
  else return out.filter((_, i) => i !== pick);
  out[pick] = { dir: c.dir, bytes };
  return out;
}

describe('TlsConnection on mutated real recordings', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: never throws, and what it decrypts is always a prefix of what was sent`, async () => {
      const rec = await recordSession({
        cert: await ecdsaCert(),
        server: { minVersion: version, maxVersion: version },
      });
      const keylog = KeyLog.parse(rec.keylog);
      const rnd = prng(version === 'TLSv1.3' ? 13 : 12);
      let opaque = 0;
      for (let i = 0; i < 1500; i++) {
        const chunks = mutate(rec.chunks, rnd);
        const { out, plain } = feed(chunks, i % 2 ? keylog : null, randomly(i));
        for (const dir of ['c2s', 's2c'] as StreamDir[])
          expect(rec.written[dir].subarray(0, plain[dir].length).equals(plain[dir])).toBe(true);
        expect(out.filter((o) => o.type === 'opaque' && !o.dir).length).toBeLessThanOrEqual(1);
        expect(out.filter((o) => o.type === 'facts').length).toBeLessThanOrEqual(1);
        if (out.some((o) => o.type === 'opaque')) opaque++;
      }
      // Most mutations break something, and that is said.
      expect(opaque).toBeGreaterThan(750);
    }, 60000);
  }

  it('random bytes in both directions never throw', () => {
    const rnd = prng(99);
    for (let i = 0; i < 300; i++) {
      const chunks: Chunk[] = [];
      for (let k = 0; k < 6; k++) {
        const b = Buffer.alloc(3 + Math.floor(rnd() * 300));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
        // Mostly plausible record headers, so the parsers behind the framer get exercised.
        if (rnd() < 0.8) b.set([20 + Math.floor(rnd() * 5), 3, Math.floor(rnd() * 5)], 0);
        chunks.push({ dir: rnd() < 0.5 ? 'c2s' : 's2c', bytes: b });
      }
      expect(() => feed(chunks, KeyLog.parse(''), randomly(i))).not.toThrow();
    }
  });
});
