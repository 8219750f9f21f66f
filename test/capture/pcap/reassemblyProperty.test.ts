/**
 * TcpReassembler properties: for any cutting of the two streams into segments, any ISN (wrap-around
 * included) and any shuffle and duplication within a window, the delivered bytes per direction are exactly
 * the streams, with no gap and no conflict; with one segment missing from the capture, they are the streams
 * minus exactly that range, and one gap of its size is reported (from the peer's ACK, or at the FIN when the
 * capture holds no ACKs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesOf,
  conversation,
  isControl,
  prng,
  retime,
  run,
  type Seg,
  shuffleWithin,
  withAcks,
} from './reassemblyConversation.js';

const caseArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  c2sLength: fc.integer({ min: 0, max: 3000 }),
  s2cLength: fc.integer({ min: 1, max: 6000 }),
  maxSegment: fc.integer({ min: 1, max: 1500 }),
  window: fc.integer({ min: 0, max: 12 }),
  dupRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  clientIsn: fc.oneof(
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 2 ** 32 - 3000, max: 2 ** 32 - 1 }),
  ),
  serverIsn: fc.oneof(
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 2 ** 32 - 6000, max: 2 ** 32 - 1 }),
  ),
  ipv6: fc.boolean(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(k: Case) {
  const rand = prng(k.seed);
  const c2s = bytesOf(k.c2sLength, k.seed);
  const s2c = bytesOf(k.s2cLength, k.seed + 1);
  const client = k.ipv6 ? { address: 'fe80::1:2', port: 51000 } : { address: '10.0.0.1', port: 51000 };
  const server = k.ipv6 ? { address: 'fe80::9', port: 110 } : { address: '10.0.0.9', port: 110 };
  const segs = conversation({
    c2s,
    s2c,
    client,
    server,
    clientIsn: k.clientIsn,
    serverIsn: k.serverIsn,
    cut: () => 1 + Math.floor(rand() * k.maxSegment),
    pick: () => (rand() < 0.5 ? 'c2s' : 's2c'),
  });
  const dup = segs.flatMap((s) => (!isControl(s) && rand() < k.dupRate ? [s, s] : [s]));
  const shuffled = shuffleWithin(dup, k.window, rand, isControl);
  const id = `${client.address}|${client.port}|${server.address}|${server.port}`;
  return { c2s, s2c, shuffled, id, rand };
}

describe('TcpReassembler properties', () => {
  it('any cutting, shuffle and duplication within a window: the exact streams, no gap, no conflict', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const { c2s, s2c, shuffled, id } = build(k);
        const r = run(withAcks(retime(shuffled)));
        expect(r.bytes[id].c2s).toEqual(c2s);
        expect(r.bytes[id].s2c).toEqual(s2c);
        expect(r.gaps).toEqual([]);
        expect(r.conflicts).toEqual([]);
        expect(r.closes.map((c) => c.how)).toEqual(['fin']);
      }),
      { numRuns: 150 },
    );
  });

  it('one segment missing: the streams minus exactly its range and one gap of its size', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), (k, acks) => {
        const { c2s, s2c, shuffled, id, rand } = build(k);
        const data = shuffled.filter((s) => !isControl(s));
        const lost = data[Math.floor(rand() * data.length)];
        const received = withAcks(retime(shuffled));
        const captured = received
          .filter((s) => !(s.dir === lost.dir && s.off === lost.off && !isControl(s)))
          .map((s): Seg => (acks || s.flags.syn ? s : { ...s, flags: { ...s.flags, ack: false } }));
        const r = run(captured);
        const stream = lost.dir === 'c2s' ? c2s : s2c;
        const expected = new Uint8Array([
          ...stream.subarray(0, lost.off),
          ...stream.subarray(lost.off + lost.payloadLength),
        ]);
        expect(r.bytes[id][lost.dir]).toEqual(expected);
        const other = lost.dir === 'c2s' ? 's2c' : 'c2s';
        expect(r.bytes[id][other]).toEqual(lost.dir === 'c2s' ? s2c : c2s);
        expect(r.gaps.map((g) => [g.dir, g.octets])).toEqual([[lost.dir, lost.payloadLength]]);
        expect(r.conflicts).toEqual([]);
        // the gap sits exactly where the bytes were missing
        let before = 0;
        for (const e of r.events) {
          if (e.type === 'gap') break;
          if (e.type === 'data' && e.dir === lost.dir) before += e.bytes.length;
        }
        expect(before).toBe(lost.off);
      }),
      { numRuns: 150 },
    );
  });

  it('fed whole, or one byte per segment: the same streams', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const c2s = bytesOf(200, seed);
      const s2c = bytesOf(300, seed + 100);
      for (const size of [1, 2, 1000]) {
        const r = run(conversation({ c2s, s2c, cut: () => size, clientIsn: 2 ** 32 - 100 }));
        const id = Object.keys(r.bytes)[0];
        expect(r.bytes[id].c2s).toEqual(c2s);
        expect(r.bytes[id].s2c).toEqual(s2c);
        expect(r.gaps).toEqual([]);
      }
    }
  });
});
