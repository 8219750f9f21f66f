/**
 * A tiny builder of pcap and pcapng files and of the packets inside them, for the reader's and decoder's tests:
 * every field is written by hand here, so a test states exactly which byte order, resolution or option it
 * exercises (independent of the pcapng writer under test elsewhere).
 */

export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Fixed-width fields in a byte order: [width, value] pairs (width 1, 2, 4 or 8; 8 takes a bigint). */
export function fields(le: boolean, ...items: Array<[1 | 2 | 4 | 8, number | bigint]>): Uint8Array {
  const out = new Uint8Array(items.reduce((n, [w]) => n + w, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [w, v] of items) {
    if (w === 1) view.setUint8(at, Number(v));
    else if (w === 2) view.setUint16(at, Number(v), le);
    else if (w === 4) view.setUint32(at, Number(v) >>> 0, le);
    else view.setBigInt64(at, BigInt(v), le);
    at += w;
  }
  return out;
}

const pad4 = (b: Uint8Array) => concat(b, new Uint8Array((4 - (b.length % 4)) % 4));

// ---- classic pcap ----

export interface PcapRecord {
  readonly sec: number;
  readonly frac: number;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

export function pcapHeader(le: boolean, nanos: boolean, linkType: number, snapLength = 262144): Uint8Array {
  return fields(
    le,
    [4, nanos ? 0xa1b23c4d : 0xa1b2c3d4],
    [2, 2],
    [2, 4],
    [4, 0],
    [4, 0],
    [4, snapLength],
    [4, linkType],
  );
}

export function pcapRecord(le: boolean, r: PcapRecord): Uint8Array {
  const head = fields(
    le,
    [4, r.sec],
    [4, r.frac],
    [4, r.data.length],
    [4, r.originalLength ?? r.data.length],
  );
  return concat(head, r.data);
}

export function pcapFile(le: boolean, nanos: boolean, linkType: number, records: PcapRecord[]): Uint8Array {
  return concat(pcapHeader(le, nanos, linkType), ...records.map((r) => pcapRecord(le, r)));
}

// ---- pcapng ----

export type Option = [code: number, value: Uint8Array];

export function options(le: boolean, opts: Option[]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  return concat(
    ...opts.map(([c, v]) => concat(fields(le, [2, c], [2, v.length]), pad4(v))),
    fields(le, [2, 0], [2, 0]),
  );
}

/** A block: type, total length, body (padded), total length. */
export function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = pad4(body);
  const length = padded.length + 12;
  return concat(fields(le, [4, type], [4, length]), padded, fields(le, [4, length]));
}

export function shb(le: boolean, opts: Option[] = []): Uint8Array {
  return block(
    le,
    0x0a0d0d0a,
    concat(fields(le, [4, 0x1a2b3c4d], [2, 1], [2, 0], [8, -1n]), options(le, opts)),
  );
}

export function idb(le: boolean, linkType: number, snapLength = 0, opts: Option[] = []): Uint8Array {
  return block(le, 1, concat(fields(le, [2, linkType], [2, 0], [4, snapLength]), options(le, opts)));
}

export const tsresol = (v: number): Option => [9, Uint8Array.of(v)];
export const tsoffset = (le: boolean, seconds: bigint): Option => [14, fields(le, [8, seconds])];

/** An EPB; `ts` is the 64-bit timestamp in the interface's units. */
export function epb(
  le: boolean,
  iface: number,
  ts: bigint,
  data: Uint8Array,
  orig = data.length,
  opts: Option[] = [],
) {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  const head = fields(le, [4, iface], [4, hi], [4, lo], [4, data.length], [4, orig]);
  return block(le, 6, concat(head, pad4(data), options(le, opts)));
}

export function spb(le: boolean, data: Uint8Array, orig = data.length): Uint8Array {
  return block(le, 3, concat(fields(le, [4, orig]), data));
}

/** The obsolete Packet Block (type 2). */
export function pb(le: boolean, iface: number, ts: bigint, data: Uint8Array, orig = data.length): Uint8Array {
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  const head = fields(le, [2, iface], [2, 0], [4, hi], [4, lo], [4, data.length], [4, orig]);
  return block(le, 2, concat(head, data));
}

// ---- packets ----

export interface TcpSpec {
  readonly sport?: number;
  readonly dport?: number;
  readonly seq?: number;
  readonly ack?: number;
  /** FIN 1, SYN 2, RST 4, PSH 8, ACK 16 */
  readonly flags?: number;
  readonly payload?: Uint8Array;
  /** Bytes of TCP options (a multiple of 4). */
  readonly optionBytes?: number;
}

export function tcp(s: TcpSpec = {}): Uint8Array {
  const opt = s.optionBytes ?? 0;
  const head = fields(
    false,
    [2, s.sport ?? 50000],
    [2, s.dport ?? 110],
    [4, s.seq ?? 1000],
    [4, s.ack ?? 2000],
    [1, ((20 + opt) / 4) << 4],
    [1, s.flags ?? 0x18],
    [2, 65535],
    [2, 0],
    [2, 0],
  );
  return concat(head, new Uint8Array(opt).fill(1), s.payload ?? new Uint8Array(0));
}

const v4 = (a: string) => Uint8Array.from(a.split('.').map(Number));

export interface Ipv4Spec {
  readonly src?: string;
  readonly dst?: string;
  readonly protocol?: number;
  readonly totalLength?: number;
  /** flags and fragment offset field (0x2000 = more fragments) */
  readonly fragment?: number;
  readonly optionBytes?: number;
}

export function ipv4(payload: Uint8Array, s: Ipv4Spec = {}): Uint8Array {
  const ihl = 20 + (s.optionBytes ?? 0);
  const head = fields(
    false,
    [1, 0x40 | (ihl / 4)],
    [1, 0],
    [2, s.totalLength ?? ihl + payload.length],
    [2, 1],
    [2, s.fragment ?? 0x4000],
    [1, 64],
    [1, s.protocol ?? 6],
    [2, 0],
  );
  return concat(head, v4(s.src ?? '10.0.0.1'), v4(s.dst ?? '10.0.0.2'), new Uint8Array(ihl - 20), payload);
}

/** 16 address bytes from 8 groups. */
export const v6 = (...groups: number[]) => fields(false, ...groups.map((g): [2, number] => [2, g]));

export interface Ipv6Spec {
  readonly src?: Uint8Array;
  readonly dst?: Uint8Array;
  /** extension headers: [type, total length in bytes (a multiple of 8)] in order; the last points at `next` */
  readonly ext?: Array<[number, number]>;
  readonly next?: number;
  readonly payloadLength?: number;
}

export function ipv6(payload: Uint8Array, s: Ipv6Spec = {}): Uint8Array {
  const ext = s.ext ?? [];
  const headers: Uint8Array[] = [];
  for (let i = 0; i < ext.length; i++) {
    const [, length] = ext[i]!;
    const next = i + 1 < ext.length ? ext[i + 1]![0] : (s.next ?? 6);
    const h = new Uint8Array(length);
    h[0] = next;
    h[1] = length / 8 - 1;
    headers.push(h);
  }
  const body = concat(...headers, payload);
  const first = ext.length > 0 ? ext[0]![0] : (s.next ?? 6);
  const head = fields(false, [4, 0x60000000], [2, s.payloadLength ?? body.length], [1, first], [1, 64]);
  return concat(
    head,
    s.src ?? v6(0xfe80, 0, 0, 0, 0, 0, 0, 1),
    s.dst ?? v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2),
    body,
  );
}

export function ethernet(type: number, payload: Uint8Array, vlans: Array<[tpid: number, id: number]> = []) {
  const macs = Uint8Array.of(2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2);
  const tags = vlans.map(([tpid, id]) => fields(false, [2, tpid], [2, id]));
  return concat(macs, ...tags, fields(false, [2, type]), payload);
}

export function sll(protocol: number, payload: Uint8Array): Uint8Array {
  return concat(
    fields(false, [2, 0], [2, 1], [2, 6]),
    Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0),
    fields(false, [2, protocol]),
    payload,
  );
}

export function sll2(protocol: number, payload: Uint8Array): Uint8Array {
  const head = fields(false, [2, protocol], [2, 0], [4, 1], [2, 1], [1, 0], [1, 6]);
  return concat(head, Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0), payload);
}

export const text = (s: string) => new TextEncoder().encode(s);
