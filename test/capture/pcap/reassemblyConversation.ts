/**
 * Builds TCP conversations for the reassembly tests: two byte streams cut into segments, with a handshake,
 * acknowledgements that say what each side had received, and FINs; and collects what the reassembler made of
 * them (the bytes per direction, gaps, conflicts, and the event order rules checked on the way).
 */
import { expect } from 'vitest';
import { TcpReassembler, type TcpReassemblerOptions } from '../../../src/capture/pcap/reassembly.js';
import type { Endpoint, StreamEvent, TcpSegment } from '../../../src/capture/pcap/types.js';
import { prng } from '../../helpers/prng.js';
import { concat } from './build.js';

export type Dir = 'c2s' | 's2c';

/** A segment plus what the builder knows of it (its direction and stream offset). */
export interface Seg extends TcpSegment {
  readonly dir: Dir;
  /** Stream offset of the first payload byte (for SYN/FIN-only segments, where they sit). */
  readonly off: number;
}

export interface ConversationSpec {
  readonly client?: Endpoint;
  readonly server?: Endpoint;
  readonly clientIsn?: number;
  readonly serverIsn?: number;
  readonly c2s: Uint8Array;
  readonly s2c: Uint8Array;
  /** Segment sizes per direction, e.g. fixed 100, or a random cutter. */
  readonly cut?: (dir: Dir, remaining: number) => number;
  /** Which direction sends the next data segment (default alternates). */
  readonly pick?: () => Dir;
  readonly handshake?: boolean;
  readonly fin?: boolean;
}

export const CLIENT: Endpoint = { address: '192.0.2.1', port: 50000 };
export const SERVER: Endpoint = { address: '192.0.2.2', port: 110 };

export { prng };

export function bytesOf(length: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(r() * 256);
  return out;
}

const NOFLAGS = { syn: false, ack: true, fin: false, rst: false };

/** The conversation in wire order, with every segment's ack = what its sender had received (in order). */
export function conversation(spec: ConversationSpec): Seg[] {
  const client = spec.client ?? CLIENT;
  const server = spec.server ?? SERVER;
  const isn = { c2s: (spec.clientIsn ?? 1000) >>> 0, s2c: (spec.serverIsn ?? 5000) >>> 0 };
  const streams = { c2s: spec.c2s, s2c: spec.s2c };
  const cut = spec.cut ?? (() => 100);
  let turn: Dir = 's2c';
  const pick = spec.pick ?? (() => (turn = turn === 'c2s' ? 's2c' : 'c2s'));
  const pos = { c2s: 0, s2c: 0 };
  const segs: Seg[] = [];
  let t = 1000;
  const ipVersion = client.address.includes(':') ? 6 : 4;
  const make = (dir: Dir, off: number, payload: Uint8Array, flags: Partial<typeof NOFLAGS>): Seg => ({
    t: t++,
    dir,
    off,
    src: dir === 'c2s' ? client : server,
    dst: dir === 'c2s' ? server : client,
    ipVersion,
    seq: (isn[dir] + 1 + off) >>> 0,
    ack: 0,
    flags: { ...NOFLAGS, ...flags },
    payload,
    payloadLength: payload.length,
  });
  if (spec.handshake !== false) {
    segs.push({ ...make('c2s', 0, new Uint8Array(0), { syn: true, ack: false }), seq: isn.c2s });
    segs.push({ ...make('s2c', 0, new Uint8Array(0), { syn: true }), seq: isn.s2c });
    segs.push(make('c2s', 0, new Uint8Array(0), {}));
  }
  while (pos.c2s < streams.c2s.length || pos.s2c < streams.s2c.length) {
    let dir = pick();
    if (pos[dir] >= streams[dir].length) dir = dir === 'c2s' ? 's2c' : 'c2s';
    const n = Math.max(1, Math.min(cut(dir, streams[dir].length - pos[dir]), streams[dir].length - pos[dir]));
    segs.push(make(dir, pos[dir], streams[dir].subarray(pos[dir], pos[dir] + n), {}));
    pos[dir] += n;
  }
  if (spec.fin !== false) {
    segs.push(make('c2s', pos.c2s, new Uint8Array(0), { fin: true }));
    segs.push(make('s2c', pos.s2c, new Uint8Array(0), { fin: true }));
    segs.push(make('c2s', pos.c2s + 1, new Uint8Array(0), {}));
  }
  return withAcks(segs, isn, spec.handshake !== false);
}

/**
 * Sets every segment's ack to what its sender had received contiguously when it sent it, in the order of
 * `received` (every segment the peer got, captured or not). A capture that later misses some still has acks
 * that tell the truth, as a real one would.
 */
export function withAcks(
  received: readonly Seg[],
  isn?: { c2s: number; s2c: number },
  handshake = true,
): Seg[] {
  const baseOf = (dir: Dir): number => {
    const s = received.find((x) => x.dir === dir && !x.flags.syn);
    return s ? (s.seq - s.off - 1) >>> 0 : 0;
  };
  const base = isn ?? { c2s: baseOf('c2s'), s2c: baseOf('s2c') };
  const got = { c2s: new Set<number>(), s2c: new Set<number>() };
  const upto = { c2s: 0, s2c: 0 };
  const finAt: { c2s: number | null; s2c: number | null } = { c2s: null, s2c: null };
  const synSeen = { c2s: false, s2c: false };
  return received.map((s) => {
    const peer: Dir = s.dir === 'c2s' ? 's2c' : 'c2s';
    let result = s;
    if (s.flags.ack) {
      const fin = finAt[peer] !== null && upto[peer] >= finAt[peer]! ? 1 : 0;
      const ack = (base[peer] + (synSeen[peer] || !handshake ? 1 : 0) + upto[peer] + fin) >>> 0;
      result = { ...s, ack };
    }
    if (s.flags.syn) synSeen[s.dir] = true;
    for (let i = 0; i < s.payloadLength; i++) got[s.dir].add(s.off + i);
    while (got[s.dir].has(upto[s.dir])) upto[s.dir]++;
    if (s.flags.fin) finAt[s.dir] = s.off + s.payloadLength;
    return result;
  });
}

/** Moves each data segment at most `window` places (handshake and FINs stay where they are). */
export function shuffleWithin<T>(
  items: readonly T[],
  window: number,
  r: () => number,
  keep: (x: T) => boolean,
): T[] {
  const out = [...items];
  for (let i = 0; i < out.length; i++) {
    if (keep(out[i])) continue;
    const j = Math.min(out.length - 1, i + Math.floor(r() * (window + 1)));
    if (keep(out[j])) continue;
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export const isControl = (s: Seg): boolean => s.flags.syn || s.flags.fin || s.payloadLength === 0;

export interface Result {
  readonly events: StreamEvent[];
  readonly bytes: Record<string, { c2s: Uint8Array; s2c: Uint8Array }>;
  readonly gaps: Extract<StreamEvent, { type: 'gap' }>[];
  readonly conflicts: Extract<StreamEvent, { type: 'conflict' }>[];
  readonly opens: Extract<StreamEvent, { type: 'open' }>[];
  readonly closes: Extract<StreamEvent, { type: 'close' }>[];
}

/** Feeds the segments, then end(), and checks the event rules every result must keep. */
export function run(segments: readonly TcpSegment[], options?: TcpReassemblerOptions, endAt = 1e9): Result {
  const r = new TcpReassembler(options);
  const events: StreamEvent[] = [];
  for (const s of segments) events.push(...r.push(s));
  events.push(...r.end(endAt));
  return collect(events);
}

export function collect(events: StreamEvent[]): Result {
  const chunks: Record<string, { c2s: Uint8Array[]; s2c: Uint8Array[] }> = {};
  const state = new Map<string, 'open' | 'closed'>();
  let lastT = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    expect(e.t, 'events come out in time order').toBeGreaterThanOrEqual(lastT);
    lastT = e.t;
    if (e.type === 'open') {
      expect(state.has(e.conn), `one open per connection (${e.conn})`).toBe(false);
      state.set(e.conn, 'open');
      chunks[e.conn] = { c2s: [], s2c: [] };
      continue;
    }
    expect(state.get(e.conn), `${e.type} of ${e.conn} between its open and its close`).toBe('open');
    if (e.type === 'close') state.set(e.conn, 'closed');
    if (e.type === 'data') {
      expect(e.bytes.length).toBeGreaterThan(0);
      chunks[e.conn][e.dir].push(e.bytes);
    }
    if (e.type === 'gap' || e.type === 'conflict') expect(e.octets).toBeGreaterThan(0);
  }
  for (const [conn, s] of state) expect(s, `${conn} is closed`).toBe('closed');
  const bytes: Result['bytes'] = {};
  for (const [conn, c] of Object.entries(chunks))
    bytes[conn] = { c2s: concat(...c.c2s), s2c: concat(...c.s2c) };
  const of = <K extends StreamEvent['type']>(type: K) =>
    events.filter((e): e is Extract<StreamEvent, { type: K }> => e.type === type);
  return {
    events,
    bytes,
    gaps: of('gap'),
    conflicts: of('conflict'),
    opens: of('open'),
    closes: of('close'),
  };
}

export const ID = `${CLIENT.address}|${CLIENT.port}|${SERVER.address}|${SERVER.port}`;

/** Capture times in list order (a shuffled list was captured in that order). */
export function retime<T extends TcpSegment>(segs: readonly T[], t0 = 1000): T[] {
  return segs.map((s, i) => ({ ...s, t: t0 + i }));
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
