/**
 * TcpReassembler: a POP3 conversation cut into segments, fed in order, shuffled, duplicated, overlapping,
 * with segments dropped, across sequence wrap-around, from the middle, reset, cut by the snap length.
 */
import { describe, expect, it } from 'vitest';
import type { TcpSegment } from '../../../src/capture/pcap/types.js';
import {
  bytesOf,
  CLIENT,
  conversation,
  ID,
  isControl,
  prng,
  retime,
  run,
  SERVER,
  type Seg,
  shuffleWithin,
  str,
  text,
  withAcks,
} from './reassemblyConversation.js';

/** A capture of one direction only: what the other side acknowledged is not known. */
const noAck = (s: Seg): Seg => (s.flags.syn ? s : { ...s, flags: { ...s.flags, ack: false } });

const C2S = text('USER alice\r\nPASS secret\r\nSTAT\r\nRETR 1\r\nQUIT\r\n'.repeat(5));
const S2C = bytesOf(3000, 7);

describe('TcpReassembler in order', () => {
  it('delivers both streams exactly, open first, close by the first FIN sender', () => {
    const r = run(conversation({ c2s: C2S, s2c: S2C, cut: () => 37 }));
    expect(r.opens).toEqual([
      { type: 'open', conn: ID, t: 1000, client: CLIENT, server: SERVER, midStream: false },
    ]);
    expect(r.bytes[ID].c2s).toEqual(C2S);
    expect(r.bytes[ID].s2c).toEqual(S2C);
    expect(r.gaps).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(r.closes).toEqual([{ type: 'close', conn: ID, t: expect.any(Number), by: 'client', how: 'fin' }]);
    expect(r.events.at(-1)?.type).toBe('close');
  });

  it('hands the in-order payload on as is (no copy)', () => {
    const segs = conversation({ c2s: C2S, s2c: S2C });
    const r = run(segs);
    const data = r.events.filter((e) => e.type === 'data');
    const payloads = segs.filter((s) => s.payloadLength > 0).map((s) => s.payload);
    expect(data.map((e) => (e.type === 'data' ? e.bytes : null))).toEqual(payloads);
    data.forEach((e, i) => {
      if (e.type === 'data') expect(e.bytes).toBe(payloads[i]);
    });
  });

  it('data events carry the time of the segment that completed them, directions interleaved as captured', () => {
    const segs = conversation({ c2s: text('abc'), s2c: text('+OK\r\n'), cut: () => 1 });
    const r = run(segs);
    const wire = segs.filter((s) => s.payloadLength > 0).map((s) => `${s.dir}@${s.t}`);
    expect(
      r.events.filter((e) => e.type === 'data').map((e) => `${e.type === 'data' && e.dir}@${e.t}`),
    ).toEqual(wire);
  });

  it('works with the ISN near 2^32 (sequence numbers wrap inside the data)', () => {
    const r = run(
      conversation({ c2s: C2S, s2c: S2C, clientIsn: 2 ** 32 - 10, serverIsn: 2 ** 32 - 1, cut: () => 7 }),
    );
    expect(r.bytes[ID].c2s).toEqual(C2S);
    expect(r.bytes[ID].s2c).toEqual(S2C);
    expect(r.gaps).toEqual([]);
    expect(r.closes[0].how).toBe('fin');
  });

  it('IPv6 endpoints', () => {
    const client = { address: '2001:db8::1', port: 40000 };
    const server = { address: '::1', port: 995 };
    const r = run(conversation({ c2s: C2S, s2c: S2C, client, server }));
    const id = '2001:db8::1|40000|::1|995';
    expect(r.opens[0]).toMatchObject({ conn: id, client, server, midStream: false });
    expect(r.bytes[id].c2s).toEqual(C2S);
    expect(r.bytes[id].s2c).toEqual(S2C);
  });

  it('data on the SYN (TCP Fast Open) is stream data after the ISN', () => {
    const segs = conversation({ c2s: text('CAPA\r\n'), s2c: text('+OK\r\n'), cut: () => 100 });
    const syn = segs[0];
    const first = segs.find((s) => s.dir === 'c2s' && s.payloadLength > 0)!;
    const fused: TcpSegment = { ...syn, payload: first.payload, payloadLength: first.payloadLength };
    const r = run(segs.map((s) => (s === syn ? fused : s)));
    expect(str(r.bytes[ID].c2s)).toBe('CAPA\r\n');
    expect(r.conflicts).toEqual([]);
  });
});

describe('TcpReassembler out of order', () => {
  it('holds segments until the hole fills, then delivers in stream order at the filling time', () => {
    const segs = conversation({ c2s: text('aaabbbccc'), s2c: text(''), cut: () => 3, fin: false });
    const data = segs.filter((s) => s.payloadLength > 0);
    const order = retime([segs[0], segs[1], segs[2], data[2], data[1], data[0]]);
    const r = run(order);
    expect(str(r.bytes[ID].c2s)).toBe('aaabbbccc');
    const events = r.events.filter((e) => e.type === 'data');
    expect(events.map((e) => e.t)).toEqual([order[5].t, order[5].t, order[5].t]);
    expect(r.gaps).toEqual([]);
  });

  it('shuffled and duplicated within a window: exact streams, no gap, no conflict', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = prng(seed);
      const segs = conversation({ c2s: C2S, s2c: S2C, cut: () => 1 + Math.floor(rand() * 60) });
      const dup = segs.flatMap((s) => (!isControl(s) && rand() < 0.2 ? [s, s] : [s]));
      const shuffled = withAcks(retime(shuffleWithin(dup, 6, rand, isControl)));
      const r = run(shuffled);
      expect(r.bytes[ID].c2s).toEqual(C2S);
      expect(r.bytes[ID].s2c).toEqual(S2C);
      expect(r.gaps).toEqual([]);
      expect(r.conflicts).toEqual([]);
    }
  });

  it('an overlap with the same bytes is silent; with different bytes it is a conflict and the first copy wins', () => {
    const segs = conversation({ c2s: text('0123456789'), s2c: text(''), cut: () => 10, fin: false });
    const [syn, synAck, ack, data] = segs;
    const seg = (off: number, s: string): Seg => ({
      ...data,
      off,
      seq: (data.seq + off) >>> 0,
      payload: text(s),
      payloadLength: s.length,
    });
    // one-sided (no acks after): held overlap, then delivered overlap
    const same = run(retime([syn, synAck, ack, seg(4, '456'), seg(5, '5678'), data, seg(2, '234')]));
    expect(str(same.bytes[ID].c2s)).toBe('0123456789');
    expect(same.conflicts).toEqual([]);
    const held = run(retime([syn, synAck, ack, seg(4, '456'), seg(3, '3XY7'), data]));
    expect(str(held.bytes[ID].c2s)).toBe('0123456789');
    expect(held.conflicts.map((c) => c.octets)).toEqual([3]);
    const delivered = run(retime([syn, synAck, ack, data, seg(8, '8Z'), seg(0, 'Q1')]));
    expect(str(delivered.bytes[ID].c2s)).toBe('0123456789');
    expect(delivered.conflicts.map((c) => c.octets)).toEqual([1, 1]);
  });
});

describe('TcpReassembler regressions', () => {
  it('a retransmission compared after an ACK emptied the recent ring (crashed: read a cleared slot)', () => {
    const segs = conversation({
      c2s: text('01234567'),
      s2c: text(''),
      cut: () => 4,
      fin: false,
      pick: () => 'c2s',
    });
    const [syn, synAck, ack, a, b] = segs;
    const pureAck: TcpSegment = {
      ...synAck,
      flags: { syn: false, ack: true, fin: false, rst: false },
      seq: synAck.seq + 1,
      ack: a.seq + 4,
    };
    const changed: TcpSegment = { ...b, payload: text('45X7') };
    const r = run(retime([syn, synAck, ack, a, pureAck, b, changed]));
    expect(str(r.bytes[ID].c2s)).toBe('01234567');
    expect(r.conflicts.map((c) => c.octets)).toEqual([1]);
  });
});

describe('TcpReassembler missing segments', () => {
  const segs = conversation({ c2s: C2S, s2c: S2C, cut: () => 50 });
  const lostIndex = segs.findIndex((s) => s.dir === 's2c' && s.off === 1000);
  const lost = segs[lostIndex];
  const expected = new Uint8Array([...S2C.subarray(0, 1000), ...S2C.subarray(1050)]);

  it('the peer acknowledged what the capture missed: a gap at once, of the hole size', () => {
    const r = run(segs.filter((s) => s !== lost));
    expect(r.gaps).toEqual([
      { type: 'gap', conn: ID, dir: 's2c', t: expect.any(Number), octets: 50, why: expect.any(String) },
    ]);
    const ackIndex = segs.findIndex(
      (s, i) => i > lostIndex && s.dir === 'c2s' && s.flags.ack && ((s.ack - lost.seq) | 0) > 50,
    );
    expect(r.gaps[0].t).toBe(segs[ackIndex].t);
    expect(r.bytes[ID].s2c).toEqual(expected);
    expect(r.bytes[ID].c2s).toEqual(C2S);
  });

  it('without acks (one-sided capture): the FIN declares the hole', () => {
    const oneSided = segs.filter((s) => s !== lost && (s.dir === 's2c' || s.flags.syn)).map(noAck);
    const r = run(oneSided);
    expect(r.gaps.map((g) => [g.dir, g.octets])).toEqual([['s2c', 50]]);
    expect(r.bytes[ID].s2c).toEqual(expected);
    expect(r.closes).toMatchObject([{ how: 'capture-end', by: 'server' }]);
  });

  it('with no FIN either, end() declares it', () => {
    const r = run(
      segs.filter((s) => s !== lost && s.dir === 's2c' && !s.flags.fin && !s.flags.syn).map(noAck),
    );
    expect(r.gaps.map((g) => [g.dir, g.octets, g.t])).toEqual([['s2c', 50, 1e9]]);
    expect(r.closes).toMatchObject([{ how: 'capture-end', by: null, t: 1e9 }]);
  });

  it('bounded memory: over maxHeldPerDirection the hole becomes a gap and the held data is delivered', () => {
    const oneSided = segs.filter((s) => s !== lost && s.dir === 's2c').map(noAck);
    const r = run(oneSided, { maxHeldPerDirection: 200 });
    expect(r.gaps.map((g) => g.octets)).toEqual([50]);
    const at = r.events.findIndex((e) => e.type === 'gap');
    // the 5th held segment (250 > 200 bytes) declared it
    const t = oneSided[oneSided.findIndex((s) => s.off === 1050) + 4].t;
    expect(r.events[at].t).toBe(t);
    expect(r.bytes[ID].s2c).toEqual(expected);
  });

  it('a segment cut by the snap length: its captured bytes, then a gap for the rest', () => {
    const cutSegs = segs.map((s) => (s === lost ? { ...s, payload: s.payload.subarray(0, 20) } : s));
    const r = run(cutSegs);
    expect(r.gaps.map((g) => [g.dir, g.octets])).toEqual([['s2c', 30]]);
    expect(r.bytes[ID].s2c).toEqual(new Uint8Array([...S2C.subarray(0, 1020), ...S2C.subarray(1050)]));
    // held (out of order) and cut: the same
    const later = retime(shuffleWithin(cutSegs, 0, prng(1), isControl));
    const i = later.findIndex((s) => s.off === 1000 && s.dir === 's2c');
    [later[i], later[i + 1]] = [later[i + 1], later[i]];
    const r2 = run(withAcks(retime(later)));
    expect(r2.gaps.map((g) => [g.dir, g.octets])).toEqual([['s2c', 30]]);
  });
});
