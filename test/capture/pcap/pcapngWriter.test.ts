/**
 * PcapngWriter without any outside oracle: the block layout byte for byte on a tiny hand-checked file, the
 * framing of every block, checksums recomputed the plain way, sequence/acknowledgement arithmetic, the
 * segmenting of large chunks, notes, and the edge cases (empty data, data before open, close without open).
 * tshark's view of the same files is in pcapngWriter.tshark.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_NOTES } from '../../../src/capture/pcap/limits.js';
import { commentOptions } from '../../../src/capture/pcap/pcapngBlocks.js';
import { PcapngWriter, WINDOW } from '../../../src/capture/pcap/pcapngWriter.js';
import {
  internetChecksum,
  MAX_PAYLOAD_V4,
  MAX_PAYLOAD_V6,
  parseAddress,
} from '../../../src/capture/pcap/synthTcp.js';
import { PcapError } from '../../../src/capture/pcap/types.js';
import {
  blocks,
  bytes,
  checksumsGood,
  concat,
  options,
  type Pkt,
  packets,
  plainChecksum,
  sameBytes,
} from './pcapngWriterHelpers.js';

const client = { address: '192.0.2.10', port: 50000 };
const server = { address: '192.0.2.1', port: 110 };
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const PSH = 0x08;

/** Hex with every "." of `template` standing for one hex digit that is not checked. */
function expectHex(actual: Uint8Array, template: string): void {
  const t = template.replace(/\s+/g, '');
  const a = Buffer.from(actual).toString('hex');
  expect(a.length).toBe(t.length);
  const masked = [...a].map((c, i) => (t[i] === '.' ? '.' : c)).join('');
  expect(masked).toBe(t);
}

describe('block layout (hand-checked)', () => {
  it('writes the SHB and IDB exactly', () => {
    const w = new PcapngWriter({ comment: ['hi'], userAppl: 'x' });
    expectHex(
      w.header(),
      `0a0d0d0a 30000000 4d3c2b1a 0100 0000 ffffffffffffffff
       0100 0200 68690000  0400 0100 78000000  00000000  30000000
       01000000 20000000 6500 0000 00000000  0900 0100 06000000  00000000  20000000`,
    );
  });

  it('writes the SHB without options when none are given', () => {
    const shb = blocks(new PcapngWriter({}).header())[0]!;
    expect(shb.body.length).toBe(16);
  });

  it('writes a SYN as an EPB of a raw IPv4 packet at the µs of the record time', () => {
    const w = new PcapngWriter({});
    const [syn] = w.open('s', { t: 1000.5, client, server });
    // 1000.5 ms = 1000500 µs = 0x0f4434; 44 octets: IPv4 20 + TCP 20 + MSS option 4 (65495 = 0xffd7).
    expectHex(
      syn!,
      `06000000 4c000000 00000000 00000000 34440f00 2c000000 2c000000
       4500 002c .... 4000 4006 .... c000020a c0000201
       c350 006e ........ 00000000 6002 ffff .... 0000 0204ffd7
       4c000000`,
    );
  });

  it('pads comments to 4 octets and ends options with opt_endofopt', () => {
    for (const text of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'é', 'summary\nline 2']) {
      const w = new PcapngWriter({ comment: [text] });
      const shb = blocks(w.header())[0]!;
      const opts = options(shb.body, 16);
      expect(opts).toHaveLength(text === '' ? 0 : 1);
      if (text !== '') expect(Buffer.from(opts[0]!.value).toString('utf8')).toBe(text);
    }
  });

  it('splits a comment longer than one option holds at a character boundary', () => {
    const text = `${'a'.repeat(65534)}éz`;
    const parts = commentOptions(text);
    expect(parts.map((p) => p.value.length)).toEqual([65534, 3]);
    expect(parts.map((p) => Buffer.from(p.value).toString('utf8')).join('')).toBe(text);
  });

  it('frames every block of a whole session correctly', () => {
    const w = new PcapngWriter({ comment: ['c'] });
    const file = concat([
      w.header(),
      ...w.open('s', { t: 1, client, server, comment: 'open' }),
      ...w.data('s', 's2c', bytes('+OK\r\n'), 2, 'x'),
      ...w.data('s', 'c2s', new Uint8Array(70001).fill(0x41), 3),
      ...w.close('s', 4, 'client', 'bye'),
    ]);
    const types = blocks(file).map((b) => b.type);
    expect(types.slice(0, 2)).toEqual([0x0a0d0d0a, 1]);
    expect(types.slice(2).every((t) => t === 6)).toBe(true);
    expect(packets(file).every(checksumsGood)).toBe(true);
  });
});

/** Runs a script of calls on one writer and returns the decoded packets. */
function run(script: (w: PcapngWriter) => Uint8Array[][]): Pkt[] {
  const w = new PcapngWriter({});
  return packets(concat([w.header(), ...script(w).flat()]));
}

/** Sequence bookkeeping a receiver would do: every packet's seq continues its side, every ack is current. */
function checkConversation(pkts: Pkt[]): { c2s: Uint8Array; s2c: Uint8Array } {
  const key = (p: Pkt) => `${p.src}:${p.sport}`;
  const next = new Map<string, number>();
  const lastAck = new Map<string, number>();
  const sent = new Map<string, Uint8Array[]>();
  let clientKey = '';
  for (const p of pkts) {
    const k = key(p);
    const other = `${p.dst}:${p.dport}`;
    if (p.flags === SYN) clientKey = k;
    if (next.has(k)) expect(p.seq, 'seq continues').toBe(next.get(k));
    if (p.flags & ACK) {
      expect(p.ack, 'ack = all the other side sent').toBe(next.get(other));
      lastAck.set(other, p.ack);
    }
    if (p.payload.length > 0) {
      const unacked = (p.seq + p.payload.length - (lastAck.get(k) ?? 0)) >>> 0;
      expect(unacked, 'never at or past the window edge').toBeLessThan(WINDOW);
      expect(p.flags).toBe(PSH | ACK);
    }
    expect(p.window).toBe(WINDOW);
    expect(checksumsGood(p)).toBe(true);
    const len = p.payload.length + (p.flags & (SYN | FIN) ? 1 : 0);
    next.set(k, (p.seq + len) >>> 0);
    if (!sent.has(k)) sent.set(k, []);
    sent.get(k)!.push(p.payload);
  }
  const serverKey = [...sent.keys()].find((k) => k !== clientKey)!;
  return { c2s: concat(sent.get(clientKey) ?? []), s2c: concat(sent.get(serverKey) ?? []) };
}

describe('TCP conversation', () => {
  it('handshakes, acknowledges and closes with consistent numbers', () => {
    const pkts = run((w) => [
      w.open('s', { t: 1, client, server }),
      w.data('s', 's2c', bytes('+OK hi\r\n'), 2),
      w.data('s', 'c2s', bytes('QUIT\r\n'), 3),
      w.data('s', 's2c', bytes('+OK bye\r\n'), 4),
      w.close('s', 5, 'server'),
    ]);
    expect(pkts.map((p) => p.flags)).toEqual([
      SYN,
      SYN | ACK,
      ACK,
      PSH | ACK,
      PSH | ACK,
      PSH | ACK,
      FIN | ACK,
      FIN | ACK,
      ACK,
    ]);
    expect(pkts[6]!.sport).toBe(110);
    expect(pkts.every((p) => p.ip === 4)).toBe(true);
    const { c2s, s2c } = checkConversation(pkts);
    expect(Buffer.from(c2s).toString()).toBe('QUIT\r\n');
    expect(Buffer.from(s2c).toString()).toBe('+OK hi\r\n+OK bye\r\n');
    expect(pkts.map((p) => p.ts)).toEqual([1000, 1000, 1000, 2000, 3000, 4000, 5000, 5000, 5000]);
  });

  it('increments the IPv4 id per sender, TTL 64, DF set', () => {
    const pkts = run((w) => [w.open('s', { t: 1, client, server }), w.close('s', 2, 'client')]);
    const fromClient = pkts.filter((p) => p.sport === 50000).map((p) => p.ipId);
    expect(fromClient.slice(1).map((id, i) => (id - fromClient[i]! + 65536) % 65536)).toEqual([1, 1, 1]);
    for (const p of pkts) {
      expect(p.raw[8]).toBe(64);
      expect(p.raw[6]! & 0x40).toBe(0x40);
    }
  });

  it('derives the ISNs from the session name: reproducible, different per session', () => {
    const isn = (name: string) =>
      run((w) => [w.open(name, { t: 1, client, server })])
        .slice(0, 2)
        .map((p) => p.seq);
    expect(isn('a')).toEqual(isn('a'));
    expect(isn('a')).not.toEqual(isn('b'));
  });

  it('cuts a large chunk into segments within IP (IPv4 and IPv6), acknowledging before the window fills', () => {
    for (const [c, s, max] of [
      [client, server, MAX_PAYLOAD_V4],
      [{ address: '2001:db8::10', port: 50000 }, { address: '2001:db8::1', port: 110 }, MAX_PAYLOAD_V6],
    ] as const) {
      const body = new Uint8Array(200_000).map((_, i) => i & 0xff);
      const pkts = run((w) => [w.open('s', { t: 1, client: c, server: s }), w.data('s', 's2c', body, 2)]);
      const data = pkts.filter((p) => p.payload.length > 0);
      expect(data.map((p) => p.payload.length)).toEqual([max, max, max, 200_000 - 3 * max]);
      // The client's SYN and handshake ACK, then one ACK before each segment that would fill the window.
      expect(pkts.filter((p) => p.payload.length === 0 && p.sport === 50000)).toHaveLength(2 + 3);
      expect(sameBytes(checkConversation(pkts).s2c, body)).toBe(true);
    }
  });

  it('gives back every byte at the chunk boundaries fed, whatever the chunks (random splits)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 140_000 })), { maxLength: 8 }),
        (chunks) => {
          const sent = { c2s: [] as Uint8Array[], s2c: [] as Uint8Array[] };
          const pkts = run((w) => [
            w.open('s', { t: 1, client, server }),
            ...chunks.map(([toServer, n], i) => {
              const b = new Uint8Array(n).fill(i + 1);
              const dir = toServer ? 'c2s' : 's2c';
              sent[dir].push(b);
              return w.data('s', dir, b, 2 + i);
            }),
            w.close('s', 99, 'client'),
          ]);
          const got = checkConversation(pkts);
          expect(sameBytes(got.c2s, concat(sent.c2s))).toBe(true);
          expect(sameBytes(got.s2c, concat(sent.s2c))).toBe(true);
        },
      ),
      { seed: 14, numRuns: 40 },
    );
  });

  it('wraps sequence numbers past 2^32', () => {
    // The ISN comes from the session name: take the first name whose client ISN is within 5 MB of 2^32,
    // so the 6 MB sent below must wrap (the search is deterministic, ~1 in 860 names).
    const isn = (name: string) => run((w) => [w.open(name, { t: 1, client, server })])[0]!.seq;
    let name = '';
    for (let i = 0; !name; i++) if (isn(`wrap${i}`) > 2 ** 32 - 5_000_000) name = `wrap${i}`;
    const chunk = new Uint8Array(60_000);
    const pkts = run((w) => {
      const out = [w.open(name, { t: 1, client, server })];
      for (let i = 0; i < 100; i++) out.push(w.data(name, 'c2s', chunk, 2));
      out.push(w.close(name, 3, 'client'));
      return out;
    });
    const seqs = pkts.filter((p) => p.sport === 50000).map((p) => p.seq);
    expect(
      seqs.some((s, i) => i > 0 && s < seqs[i - 1]!),
      'the sequence numbers wrapped',
    ).toBe(true);
    expect(checkConversation(pkts).c2s.length).toBe(6_000_000);
  });
});

describe('comments', () => {
  it('puts the open comment on the SYN and the close comment on the first FIN', () => {
    const pkts = run((w) => [
      w.open('s', { t: 1, client, server, comment: 'opened' }),
      w.data('s', 's2c', bytes('+OK\r\n'), 2, 'greeting'),
      w.close('s', 3, 'client', 'summary\nviolations: none'),
    ]);
    expect(pkts.map((p) => p.comments)).toEqual([
      ['opened'],
      [],
      [],
      ['greeting'],
      ['summary\nviolations: none'],
      [],
      [],
    ]);
    expect(pkts[4]!.flags).toBe(FIN | ACK);
  });

  it('writes a note as a clean ACK from the side with something to acknowledge', () => {
    const pkts = run((w) => [
      w.open('s', { t: 1, client, server }),
      w.data('s', 's2c', bytes('+OK\r\n'), 2),
      w.comment('s', 3, 'after the greeting'),
    ]);
    const note = pkts.at(-1)!;
    expect(note.comments).toEqual(['after the greeting']);
    expect([note.sport, note.flags, note.payload.length, note.ts]).toEqual([50000, ACK, 0, 3000]);
    expect(note.ack).not.toBe(pkts[2]!.ack);
  });

  it('holds a note while all is acknowledged, for the next packet (never a duplicate ACK)', () => {
    const w = new PcapngWriter({});
    w.open('s', { t: 1, client, server });
    expect(w.comment('s', 2, 'decrypted from TLS')).toEqual([]);
    expect(w.comment('s', 2, 'second')).toEqual([]);
    const [greeting] = packets(concat([w.header(), ...w.data('s', 's2c', bytes('+OK\r\n'), 3)]));
    expect(greeting!.comments).toEqual(['decrypted from TLS', 'second']);
    w.comment('s', 4, 'acks the greeting');
    expect(w.comment('s', 5, 'now all is acknowledged')).toEqual([]);
    const [fin] = packets(concat([w.header(), ...w.close('s', 6, 'server', 'summary')]));
    expect(fin!.comments).toEqual(['now all is acknowledged', 'summary']);
  });

  it('holds at most MAX_PENDING_NOTES notes; the next one is written at once', () => {
    const w = new PcapngWriter({});
    w.open('s', { t: 1, client, server });
    for (let i = 0; i < MAX_PENDING_NOTES; i++) expect(w.comment('s', 2, `n${i}`)).toEqual([]);
    const [ack] = packets(concat([w.header(), ...w.comment('s', 3, 'one too many')]));
    expect(ack!.comments).toEqual([
      ...Array.from({ length: MAX_PENDING_NOTES }, (_, i) => `n${i}`),
      'one too many',
    ]);
    expect([ack!.flags, ack!.payload.length]).toEqual([ACK, 0]);
  });
});

describe('edge cases', () => {
  it('writes nothing for zero-length data; a comment with it is a note', () => {
    const w = new PcapngWriter({});
    w.open('s', { t: 1, client, server });
    w.data('s', 's2c', bytes('+OK\r\n'), 2);
    expect(w.data('s', 'c2s', new Uint8Array(0), 3)).toEqual([]);
    const [note] = packets(concat([w.header(), ...w.data('s', 'c2s', new Uint8Array(0), 3, 'n')]));
    expect([note!.comments, note!.payload.length]).toEqual([['n'], 0]);
  });

  it('refuses data or a note before open, after close, and a second open (PcapError)', () => {
    const w = new PcapngWriter({});
    expect(() => w.data('s', 'c2s', bytes('x'), 1)).toThrow(PcapError);
    expect(() => w.comment('s', 1, 'x')).toThrow(/session s: comment before its open/);
    w.open('s', { t: 1, client, server });
    expect(() => w.open('s', { t: 1, client, server })).toThrow(PcapError);
    w.close('s', 2, 'client');
    expect(() => w.data('s', 'c2s', bytes('x'), 3)).toThrow(/data before its open \(or after its close\)/);
  });

  it('ignores a close without open, or a second close', () => {
    const w = new PcapngWriter({});
    expect(w.close('never', 1, 'client', 'x')).toEqual([]);
    w.open('s', { t: 1, client, server });
    expect(w.close('s', 2, 'server')).toHaveLength(3);
    expect(w.close('s', 2, 'server')).toEqual([]);
  });

  it('writes an IPv4-mapped IPv6 client beside an IPv4 server as IPv4', () => {
    const pkts = run((w) => [
      w.open('s', { t: 1, client: { address: '::ffff:192.0.2.10', port: 50000 }, server }),
    ]);
    expect(pkts.map((p) => [p.ip, p.src])).toEqual([
      [4, '192.0.2.10'],
      [4, '192.0.2.1'],
      [4, '192.0.2.10'],
    ]);
    expect(pkts.every(checksumsGood)).toBe(true);
  });

  it('keeps counters only for open sessions', () => {
    const w = new PcapngWriter({});
    for (let i = 0; i < 50; i++) w.open(`s${i}`, { t: 1, client, server });
    expect(w.openSessions).toBe(50);
    for (let i = 0; i < 50; i++) w.close(`s${i}`, 2, 'client');
    expect(w.openSessions).toBe(0);
  });

  it('refuses addresses, ports and times it cannot write, with a one-line PcapError', () => {
    const w = new PcapngWriter({});
    const bad: Array<[Parameters<PcapngWriter['open']>[1], RegExp]> = [
      [{ t: 1, client: { address: 'mail.example.com', port: 1 }, server }, /"mail\.example\.com"/],
      [{ t: 1, client: { address: '::1', port: 1 }, server }, /not both IPv4 or both IPv6/],
      [{ t: 1, client: { ...client, port: 65536 }, server }, /client port 65536/],
      [{ t: 1, client, server: { ...server, port: 1.5 } }, /server port 1\.5/],
      [{ t: Number.NaN, client, server }, /time NaN/],
      [{ t: -5, client, server }, /time -5/],
    ];
    for (const [args, message] of bad) {
      let error: unknown;
      try {
        w.open('s', args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PcapError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
    expect(w.openSessions).toBe(0);
  });
});

describe('internetChecksum', () => {
  it('equals the plain word-by-word sum, aligned or not, odd lengths, several parts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000, size: 'max' }),
        fc.nat(3),
        fc.uint8Array({ maxLength: 200, size: 'max' }),
        (data, offset, tail) => {
          const head = new Uint8Array(offset + data.length);
          head.set(data, offset);
          const part = head.subarray(offset); // at an odd byteOffset half of the time
          const even = part.subarray(0, part.length & ~1);
          expect(internetChecksum(part)).toBe(~plainChecksum(part) & 0xffff);
          expect(internetChecksum(even, tail)).toBe(~plainChecksum(even, tail) & 0xffff);
        },
      ),
      { seed: 1071, numRuns: 300 },
    );
    // All ones: the largest sum, where a carry lost shows.
    const ones = new Uint8Array(65535).fill(0xff);
    expect(internetChecksum(ones)).toBe(~plainChecksum(ones) & 0xffff);
  });
});

describe('parseAddress', () => {
  const hex = (a: string) => Buffer.from(parseAddress(a).bytes).toString('hex');
  it('reads IPv4 and the IPv6 forms node prints', () => {
    expect(hex('192.0.2.1')).toBe('c0000201');
    expect(hex('::1')).toBe(`${'0'.repeat(31)}1`);
    expect(hex('::')).toBe('0'.repeat(32));
    expect(hex('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(hex('2001:db8:0:0:1:0:0:1')).toBe('20010db8000000000001000000000001');
    expect(hex('::ffff:127.0.0.1')).toBe('00000000000000000000ffff7f000001');
    expect(hex('fe80::1%lo')).toBe('fe800000000000000000000000000001');
    expect(hex('[::1]')).toBe(hex('::1'));
    expect(parseAddress('::1').family).toBe(6);
  });

  it('refuses anything else', () => {
    for (const a of [
      '',
      'localhost',
      '1.2.3',
      '1.2.3.256',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      ':1',
      'g::',
    ]) {
      expect(() => parseAddress(a), a).toThrow(PcapError);
    }
  });
});
