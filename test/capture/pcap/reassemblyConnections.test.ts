/**
 * TcpReassembler connections: who is the client, mid-stream starts, RST, the reuse of a 4-tuple, late
 * segments after a close, many connections interleaved, and the bounds on connections and held memory.
 */
import { describe, expect, it } from 'vitest';
import { TcpReassembler } from '../../../src/capture/pcap/reassembly.js';
import type { Endpoint, TcpSegment } from '../../../src/capture/pcap/types.js';
import {
  bytesOf,
  CLIENT,
  conversation,
  ID,
  prng,
  retime,
  run,
  SERVER,
  type Seg,
  str,
  text,
} from './reassemblyConversation.js';

const C2S = text('CAPA\r\nUSER a\r\nPASS b\r\nLIST\r\nQUIT\r\n');
const S2C = text(
  '+OK ready\r\n+OK\r\nUIDL\r\n.\r\n+OK\r\n+OK\r\n+OK 1 messages\r\n1 120\r\n.\r\n+OK bye\r\n',
);

describe('TcpReassembler mid-stream', () => {
  const full = conversation({ c2s: C2S, s2c: S2C, cut: () => 5 });
  const middle = full.filter((s) => !s.flags.syn && s.off >= 10);

  it('no SYN: the server is the POP3 port, midStream, each direction starts at its first segment', () => {
    const r = run(middle);
    expect(r.opens).toMatchObject([{ conn: ID, client: CLIENT, server: SERVER, midStream: true }]);
    expect(r.bytes[ID].c2s).toEqual(C2S.subarray(10));
    expect(r.bytes[ID].s2c).toEqual(S2C.subarray(10));
    expect(r.gaps).toEqual([]);
  });

  it('the server side by isServerPort, else the lower port', () => {
    const a: Endpoint = { address: '10.1.1.1', port: 2000 };
    const b: Endpoint = { address: '10.1.1.2', port: 3000 };
    const seg = (src: Endpoint, dst: Endpoint): TcpSegment => ({
      t: 1,
      src,
      dst,
      ipVersion: 4,
      seq: 1,
      ack: 1,
      flags: { syn: false, ack: true, fin: false, rst: false },
      payload: text('x'),
      payloadLength: 1,
    });
    const opened = (s: TcpSegment, isServerPort?: (p: number) => boolean) =>
      new TcpReassembler({ isServerPort }).push(s)[0];
    expect(opened(seg(a, b))).toMatchObject({ client: b, server: a });
    expect(opened(seg(b, a))).toMatchObject({ client: b, server: a });
    expect(opened(seg(a, b), (p) => p === 3000)).toMatchObject({ client: a, server: b });
    expect(opened(seg(b, a), (p) => p === 3000)).toMatchObject({ client: a, server: b });
    expect(opened({ ...seg(a, b), dst: { ...b, port: 995 } })).toMatchObject({ server: { port: 995 } });
  });

  it('older data (retransmissions from before the start) is dropped; data across the start is trimmed', () => {
    const first = middle.find((s) => s.dir === 's2c' && s.payloadLength > 0)!;
    const older = full.find((s) => s.dir === 's2c' && s.off === first.off - 5)!;
    const across: Seg = {
      ...older,
      payload: S2C.subarray(older.off, first.off + 3),
      payloadLength: first.off + 3 - older.off,
    };
    const at = middle.indexOf(first);
    const segs = retime([...middle.slice(0, at + 1), older, across, ...middle.slice(at + 1)]);
    const r = run(segs);
    expect(r.bytes[ID].s2c).toEqual(S2C.subarray(first.off));
    expect(r.gaps).toEqual([]);
    expect(r.conflicts).toEqual([]);
  });

  it('a SYN-ACK first (the SYN not captured): the client is its receiver, both starts known', () => {
    const r = run(full.slice(1));
    expect(r.opens).toMatchObject([{ conn: ID, client: CLIENT, server: SERVER, midStream: false }]);
    expect(r.bytes[ID].c2s).toEqual(C2S);
    expect(r.bytes[ID].s2c).toEqual(S2C);
  });

  it('data before the handshake completes, and a connection whose first segment carries data: open first', () => {
    const [syn, synAck, ack, ...rest] = full;
    const firstData = rest.find((s) => s.dir === 'c2s' && s.payloadLength > 0)!;
    const r = run(retime([syn, firstData, synAck, ack, ...rest.filter((s) => s !== firstData)]));
    expect(r.events[0].type).toBe('open');
    expect(r.bytes[ID].c2s).toEqual(C2S);
    const mid = run(middle.filter((s) => s.payloadLength > 0));
    expect(mid.events.map((e) => e.type).slice(0, 2)).toEqual(['open', 'data']);
  });
});

describe('TcpReassembler closing', () => {
  const segs = conversation({ c2s: C2S, s2c: S2C, cut: () => 8, fin: false });

  it('RST: close by its sender, the held data delivered with its hole as a gap, nothing after it', () => {
    const data = segs.filter((s) => s.dir === 's2c' && s.payloadLength > 0);
    const cut = segs.indexOf(data[3]);
    const rst: TcpSegment = {
      ...segs[cut + 1],
      t: 0,
      flags: { syn: false, ack: false, fin: false, rst: true },
    };
    // no ACKs in this capture: only the RST can declare the hole
    const before = segs
      .slice(0, cut + 1)
      .filter((s) => s !== data[2])
      .map((s) => (s.flags.syn ? s : { ...s, flags: { ...s.flags, ack: false } }));
    const r = run(retime([...before, rst, ...segs.slice(cut + 1)]));
    expect(r.closes).toMatchObject([{ how: 'rst', by: rst.src === CLIENT ? 'client' : 'server' }]);
    expect(r.gaps.map((g) => [g.dir, g.octets, g.why])).toEqual([['s2c', 8, 'not captured before the RST']]);
    expect(r.bytes[ID].s2c).toEqual(new Uint8Array([...S2C.subarray(0, 16), ...S2C.subarray(24, 32)]));
    expect(r.events.at(-1)?.type).toBe('close');
  });

  it('the FIN with a hole open: gap; data after the FIN ignored; close once when both FINs are seen', () => {
    const full = conversation({ c2s: C2S, s2c: S2C, cut: () => 8 });
    const lost = full.find((s) => s.dir === 'c2s' && s.off === 8)!;
    const finC = full.find((s) => s.dir === 'c2s' && s.flags.fin)!;
    const after: TcpSegment = {
      ...finC,
      flags: { ...finC.flags, fin: false },
      seq: finC.seq + 1,
      payload: text('late'),
      payloadLength: 4,
    };
    const capture = full
      .filter((s) => s !== lost)
      .map((s) =>
        s.flags.ack && !s.flags.syn && s.dir === 's2c' ? { ...s, flags: { ...s.flags, ack: false } } : s,
      );
    const at = capture.indexOf(finC);
    const r = run(retime([...capture.slice(0, at + 1), after, finC, ...capture.slice(at + 1)]));
    expect(r.gaps.map((g) => [g.dir, g.octets, g.why])).toEqual([['c2s', 8, 'not captured before the FIN']]);
    expect(r.bytes[ID].c2s).toEqual(new Uint8Array([...C2S.subarray(0, 8), ...C2S.subarray(16)]));
    expect(r.closes).toMatchObject([{ how: 'fin', by: 'client' }]);
  });

  it('late ACKs and retransmitted FINs after the close do not open a phantom connection', () => {
    const full = conversation({ c2s: C2S, s2c: S2C });
    const finS = full.find((s) => s.dir === 's2c' && s.flags.fin)!;
    const r = run(
      retime([
        ...full,
        finS,
        full.at(-1)!,
        { ...full.at(-1)!, flags: { ...finS.flags, fin: false, rst: true } },
      ]),
    );
    expect(r.opens).toHaveLength(1);
    expect(r.closes).toHaveLength(1);
  });

  it('a new SYN on a closed 4-tuple, or a SYN with another ISN, is a new connection (#2, #3)', () => {
    const one = conversation({ c2s: text('QUIT\r\n'), s2c: text('+OK\r\n') });
    const two = conversation({
      c2s: text('NOOP\r\n'),
      s2c: text('+OK 2\r\n'),
      clientIsn: 777777,
      fin: false,
    });
    const three = conversation({ c2s: text('STAT\r\n'), s2c: text('+OK 3\r\n'), clientIsn: 999999 });
    const r = run(retime([...one, ...two, ...three]));
    expect(r.opens.map((o) => o.conn)).toEqual([ID, `${ID}#2`, `${ID}#3`]);
    expect(r.closes.map((c) => [c.conn, c.how])).toEqual([
      [ID, 'fin'],
      [`${ID}#2`, 'capture-end'],
      [`${ID}#3`, 'fin'],
    ]);
    expect(str(r.bytes[`${ID}#2`].c2s)).toBe('NOOP\r\n');
    expect(str(r.bytes[`${ID}#3`].s2c)).toBe('+OK 3\r\n');
  });

  it('a retransmitted SYN is the same connection', () => {
    const full = conversation({ c2s: C2S, s2c: S2C });
    const r = run(retime([full[0], full[0], ...full.slice(1, 3), full[0], ...full.slice(3)]));
    expect(r.opens).toHaveLength(1);
    expect(r.bytes[ID].c2s).toEqual(C2S);
  });

  it('end(): a half-closed connection closes capture-end, by the side that sent its FIN', () => {
    const full = conversation({ c2s: C2S, s2c: S2C });
    const finS = full.find((s) => s.dir === 's2c' && s.flags.fin)!;
    const r = run(full.filter((s) => s !== finS && s !== full.at(-1)));
    expect(r.closes).toMatchObject([{ how: 'capture-end', by: 'client', t: 1e9 }]);
  });
});

describe('TcpReassembler many connections', () => {
  it('interleaved connections (IPv4 and IPv6): each stream exact, events in segment order', () => {
    const rand = prng(42);
    const convs = Array.from({ length: 20 }, (_, i) => {
      const v6 = i % 2 === 1;
      const client = { address: v6 ? `2001:db8::${i + 1}` : `10.0.0.${i + 1}`, port: 40000 + i };
      const server = { address: v6 ? '2001:db8::ff' : '10.0.1.1', port: 110 };
      const c2s = bytesOf(200 + i * 10, i);
      const s2c = bytesOf(2000 + i * 100, i + 1000);
      return {
        client,
        server,
        c2s,
        s2c,
        segs: conversation({ client, server, c2s, s2c, cut: () => 1 + Math.floor(rand() * 300) }),
      };
    });
    const queues = convs.map((c) => [...c.segs]);
    const mixed: Seg[] = [];
    while (queues.some((q) => q.length > 0)) {
      const live = queues.filter((q) => q.length > 0);
      mixed.push(live[Math.floor(rand() * live.length)].shift()!);
    }
    const r = run(retime(mixed));
    expect(r.opens).toHaveLength(20);
    for (const c of convs) {
      const id = `${c.client.address}|${c.client.port}|${c.server.address}|${c.server.port}`;
      expect(r.bytes[id].c2s).toEqual(c.c2s);
      expect(r.bytes[id].s2c).toEqual(c.s2c);
    }
    expect(r.gaps).toEqual([]);
    expect(r.closes.every((c) => c.how === 'fin')).toBe(true);
  });

  it('over maxConnections the least recently active is closed capture-end; its later segments reopen it mid-stream', () => {
    const convs = [0, 1, 2].map((i) =>
      conversation({
        client: { address: '10.0.0.1', port: 1000 + i },
        server: SERVER,
        c2s: text(`c${i}c${i}`),
        s2c: text(`s${i}`),
        cut: () => 2,
      }),
    );
    // conn 0 opens, then 1, then 0 is active again, then 2 opens: 1 is evicted, not 0
    const [a, b, c] = convs;
    const order = retime([
      ...a.slice(0, 4),
      ...b.slice(0, 4),
      a[4],
      ...c.slice(0, 4),
      ...b.slice(4),
      ...a.slice(5),
      ...c.slice(4),
    ]);
    const r = new TcpReassembler({ maxConnections: 2 });
    const events = order.flatMap((s) => [...r.push(s)]);
    expect(r.openConnections).toBeLessThanOrEqual(2);
    const id1 = `10.0.0.1|1001|${SERVER.address}|110`;
    const firstClose = events.find((e) => e.type === 'close');
    expect(firstClose).toMatchObject({ conn: id1, how: 'capture-end', by: null });
    expect(
      events.filter((e) => e.type === 'open').map((e) => e.type === 'open' && [e.conn, e.midStream]),
    ).toContainEqual([`${id1}#2`, true]);
  });

  it('the total held across connections is bounded: a direction adding held bytes over it is flushed', () => {
    const convs = [0, 1, 2, 3].map((i) =>
      conversation({
        client: { address: '10.0.0.1', port: 1000 + i },
        server: SERVER,
        c2s: bytesOf(1000, i),
        s2c: text(''),
        cut: () => 100,
        fin: false,
      }),
    );
    // each connection loses its first data segment: the rest is held
    const segs = convs.flatMap((c) => c.filter((s, k) => k < 3 || (s.payloadLength > 0 && s.off > 0)));
    const r = new TcpReassembler({ maxHeldTotal: 2000 });
    const events = retime(segs).flatMap((s) => [...r.push(s)]);
    const gaps = events.filter((e) => e.type === 'gap');
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    expect(gaps.every((g) => g.type === 'gap' && g.octets === 100)).toBe(true);
    expect(
      events
        .filter((e) => e.type === 'data')
        .reduce((n, e) => n + (e.type === 'data' ? e.bytes.length : 0), 0),
    ).toBeGreaterThan(0);
  });
});
