/**
 * The pcap/pcapng reader on hand-built files: both pcap byte orders and resolutions, pcapng sections in either
 * byte order (switching mid-file), if_tsresol/if_tsoffset, EPB/SPB/PB, skipped blocks, cut-short files and
 * hostile lengths. Every file is fed whole, byte by byte and at random splits, with the same packets out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketFileReader, sniffFormat } from '../../../src/capture/pcap/fileReader.js';
import { MAX_PCAP_BLOCK, MAX_PCAP_INTERFACES } from '../../../src/capture/pcap/limits.js';
import { type Packet, PcapError } from '../../../src/capture/pcap/types.js';
import { prng } from '../../helpers/prng.js';
import {
  block,
  concat,
  epb,
  fields,
  idb,
  pb,
  pcapFile,
  pcapHeader,
  pcapRecord,
  shb,
  spb,
  text,
  tsoffset,
  tsresol,
} from './build.js';

interface Result {
  packets: Array<Omit<Packet, 'data'> & { data: string }>;
  warning: string | null;
  error: string | null;
}

const plain = (p: Packet) => ({ ...p, data: Buffer.from(p.data).toString('hex') });

function feed(chunks: Uint8Array[]): Result {
  const reader = new PacketFileReader();
  const packets: Packet[] = [];
  try {
    for (const c of chunks) packets.push(...reader.push(c));
    return { packets: packets.map(plain), warning: reader.end(), error: null };
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    return { packets: packets.map(plain), warning: null, error: e.message };
  }
}

function randomSplits(bytes: Uint8Array, seed: number): Uint8Array[] {
  const next = prng(seed);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(next() * 40);
    out.push(bytes.slice(at, at + n)); // copies: no chunk shares memory with another
    at += n;
  }
  return out;
}

/** Reads the file whole, byte by byte and at 20 random splittings; all must agree. */
function readEveryWay(bytes: Uint8Array): Result {
  const whole = feed([bytes]);
  expect(feed(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(whole);
  for (let seed = 1; seed <= 20; seed++) expect(feed(randomSplits(bytes, seed))).toEqual(whole);
  return whole;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const A = text('first packet');
const B = text('the second, odd length');

describe('sniffFormat', () => {
  it('knows the magic numbers from 4 bytes', () => {
    expect(sniffFormat(Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4))).toBe('pcap');
    expect(sniffFormat(Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 9))).toBe('pcap');
    expect(sniffFormat(Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d))).toBe('pcap');
    expect(sniffFormat(Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1))).toBe('pcap');
    expect(sniffFormat(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a))).toBe('pcapng');
    expect(sniffFormat(Uint8Array.of(0x1f, 0x8b, 8, 0))).toBe('gzip');
    expect(sniffFormat(text('{"type":"header"'))).toBe('other');
    expect(sniffFormat(Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd5))).toBe('other');
  });
  it('guesses from a prefix that fits one format only, else says other', () => {
    expect(sniffFormat(Uint8Array.of(0x1f, 0x8b))).toBe('gzip');
    expect(sniffFormat(Uint8Array.of(0x0a, 0x0d))).toBe('pcapng');
    expect(sniffFormat(Uint8Array.of(0xa1, 0xb2))).toBe('pcap');
    expect(sniffFormat(Uint8Array.of(0x1f))).toBe('gzip');
    expect(sniffFormat(Uint8Array.of(0x1f, 0x8c))).toBe('other');
    expect(sniffFormat(new Uint8Array(0))).toBe('other');
  });
});

describe('classic pcap', () => {
  for (const le of [false, true]) {
    for (const nanos of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian, ${nanos ? 'ns' : 'µs'} files`, () => {
        const frac = nanos ? 123456789 : 123456;
        const file = pcapFile(le, nanos, 1, [
          { sec: 1700000000, frac, data: A },
          { sec: 1700000001, frac: 0, data: B, originalLength: 1500 },
        ]);
        const r = readEveryWay(file);
        expect(r.error).toBeNull();
        expect(r.warning).toBeNull();
        expect(r.packets).toEqual([
          {
            t: 1700000000123.456 + (nanos ? 0.000789 : 0),
            linkType: 1,
            data: hex(A),
            originalLength: A.length,
            interfaceId: 0,
          },
          { t: 1700000001000, linkType: 1, data: hex(B), originalLength: 1500, interfaceId: 0 },
        ]);
      });
    }
  }

  it("takes the link type from the header's low bits (the FCS bits above are not part of it)", () => {
    const header = pcapHeader(true, false, 0x10000000 | 113);
    const r = readEveryWay(concat(header, pcapRecord(true, { sec: 1, frac: 0, data: A })));
    expect(r.packets[0]!.linkType).toBe(113);
  });

  it('reads a file with no packets, and an empty record', () => {
    expect(readEveryWay(pcapHeader(false, false, 1))).toEqual({ packets: [], warning: null, error: null });
    const r = readEveryWay(pcapFile(false, false, 1, [{ sec: 5, frac: 0, data: new Uint8Array(0) }]));
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0]!.data).toBe('');
  });

  it('warns when the file stops inside a record, keeping the packets before it', () => {
    const file = pcapFile(true, false, 1, [
      { sec: 1, frac: 0, data: A },
      { sec: 2, frac: 0, data: B },
    ]);
    for (const cut of [file.length - 1, file.length - B.length - 10]) {
      const r = readEveryWay(file.subarray(0, cut));
      expect(r.error).toBeNull();
      expect(r.packets.map((p) => p.data)).toEqual([hex(A)]);
      expect(r.warning).toMatch(/^the pcap file ends in the middle of a packet record at offset 52 \(/);
    }
    expect(readEveryWay(file.subarray(0, 10)).warning).toMatch(/ends in the middle of its file header/);
    expect(readEveryWay(file.subarray(0, 2)).warning).toMatch(/ends after 2 bytes, inside its file header/);
  });

  it('refuses a record longer than MAX_PCAP_BLOCK without gathering it', () => {
    const header = pcapHeader(false, false, 1);
    const good = pcapRecord(false, { sec: 1, frac: 0, data: A });
    const hostile = fields(false, [4, 2], [4, 0], [4, 0xffffffff], [4, 0xffffffff]);
    const r = readEveryWay(concat(header, good, hostile, new Uint8Array(100)));
    expect(r.packets.map((p) => p.data)).toEqual([hex(A)]);
    expect(r.error).toBe(
      `pcap record at offset ${24 + good.length} claims 4294967295 captured bytes, more than the ${MAX_PCAP_BLOCK} a record may have: the file is corrupt`,
    );
  });

  it('says the same about a bad magic however the first bytes are split', () => {
    const bad = Uint8Array.of(0x00, 0x0d, 0x0d, 0x0a, 1, 2, 3, 4);
    const message = 'not a pcap or pcapng file: it starts with 00 0d 0d 0a';
    expect(feed([bad]).error).toBe(message);
    expect(feed([bad.subarray(0, 1), bad.subarray(1)]).error).toBe(message);
    expect(feed([bad.subarray(0, 3), bad.subarray(3)]).error).toBe(message);
  });

  it('hands out packets as views of the chunk, copying only a record cut across chunks', () => {
    const file = pcapFile(true, false, 1, [
      { sec: 1, frac: 0, data: A },
      { sec: 2, frac: 0, data: B },
    ]);
    const reader = new PacketFileReader();
    const first = reader.push(file.subarray(0, file.length - 3));
    expect(first).toHaveLength(1);
    expect(first[0]!.data.buffer).toBe(file.buffer);
    const [second] = reader.push(file.slice(file.length - 3));
    expect(second!.data.buffer).not.toBe(file.buffer);
    expect(Buffer.from(second!.data).toString()).toBe('the second, odd length');
  });

  it('refuses what is not pcap: other bytes, gzip, an empty file', () => {
    expect(feed([text('hello world')]).error).toBe('not a pcap or pcapng file: it starts with 68 65 6c 6c');
    expect(feed([Uint8Array.of(0x68)]).error).toBe('not a pcap or pcapng file: it starts with 68');
    expect(feed([Uint8Array.of(0x1f, 0x8b, 8)]).error).toMatch(/gzip-compressed/);
    expect(feed([]).error).toMatch(/empty/);
  });
});

describe('pcapng', () => {
  for (const le of [false, true]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section: EPB, SPB, PB, options, skipped blocks`, () => {
      const file = concat(
        shb(le, [[4, text('test shb')]]),
        idb(le, 1, 0, [[2, text('eth0')]]),
        block(le, 4, fields(le, [2, 1], [2, 4], [4, 0x7f000001], [2, 0], [2, 0])), // NRB
        epb(le, 0, 1700000000_123456n, A, 1514, [[1, text('a comment')]]),
        idb(le, 101, 0, [tsresol(9)]),
        epb(le, 1, 1700000000_123456789n, B),
        spb(le, A),
        pb(le, 0, 1700000002_000000n, B),
        block(le, 5, new Uint8Array(20)), // ISB
        block(le, 0x0bad, text('custom')), // custom block
        block(le, 0x12345678, text('unknown block type')),
        block(le, 10, new Uint8Array(12)), // DSB
      );
      const r = readEveryWay(file);
      expect(r.error).toBeNull();
      expect(r.warning).toBeNull();
      expect(r.packets).toEqual([
        { t: 1700000000123.456, linkType: 1, data: hex(A), originalLength: 1514, interfaceId: 0 },
        { t: 1700000000123.4568, linkType: 101, data: hex(B), originalLength: B.length, interfaceId: 1 },
        { t: 1700000000123.4568, linkType: 1, data: hex(A), originalLength: A.length, interfaceId: 0 },
        { t: 1700000002000, linkType: 1, data: hex(B), originalLength: B.length, interfaceId: 0 },
      ]);
    });
  }

  it('takes ns timestamps apart exactly (past 2^53 units)', () => {
    const r = readEveryWay(
      concat(shb(true), idb(true, 1, 0, [tsresol(9)]), epb(true, 0, 1800000000_123456789n, A)),
    );
    expect(r.packets[0]!.t).toBe(1800000000000 + 123.456789);
  });

  it('honours if_tsresol as a power of 2 and of 10, and if_tsoffset (signed seconds)', () => {
    for (const le of [false, true]) {
      const file = concat(
        shb(le),
        idb(le, 1, 0, [tsresol(0x80 | 10)]), // 1/1024 s
        idb(le, 1, 0, [tsresol(3), tsoffset(le, 1000000000n)]),
        idb(le, 1, 0, [tsoffset(le, -5n)]),
        epb(le, 0, 1024n * 1000n + 512n, A),
        epb(le, 1, 700000000_250n, A),
        epb(le, 2, 10_000001n, A),
      );
      const r = readEveryWay(file);
      expect(r.packets.map((p) => p.t)).toEqual([1000500, 1700000000250, 5000.001]);
    }
  });

  it('follows a new section in the other byte order, forgetting the old interfaces', () => {
    const file = concat(
      shb(true),
      idb(true, 1),
      epb(true, 0, 1000000n, A),
      shb(false),
      idb(false, 113),
      epb(false, 0, 2000000n, B),
      shb(true),
      epb(true, 0, 3000000n, A),
    );
    const r = readEveryWay(file);
    expect(r.packets.map((p) => [p.t, p.linkType])).toEqual([
      [1000, 1],
      [2000, 113],
    ]);
    const offset = file.length - epb(true, 0, 3000000n, A).length;
    expect(r.error).toBe(
      `pcapng packet block at offset ${offset} names interface 0, which the section does not define`,
    );
  });

  it("cuts a simple packet block's data at the interface's snap length", () => {
    const data = text('0123456789abcdef');
    const r = readEveryWay(concat(shb(true), idb(true, 1, 8), spb(true, data, 1500)));
    expect(r.packets[0]).toMatchObject({ data: hex(data.subarray(0, 8)), originalLength: 1500 });
    // and at the original length when that is shorter than the block's (padded) room
    const short = readEveryWay(concat(shb(false), idb(false, 1), spb(false, data.subarray(0, 5), 5)));
    expect(short.packets[0]!.data).toBe(hex(data.subarray(0, 5)));
  });

  it('warns when the file stops inside a block, keeping the packets before it', () => {
    const file = concat(shb(true), idb(true, 1), epb(true, 0, 1n, A), epb(true, 0, 2n, B));
    const r = readEveryWay(file.subarray(0, file.length - 3));
    expect(r.packets.map((p) => p.data)).toEqual([hex(A)]);
    expect(r.warning).toMatch(
      /^the pcapng file ends in the middle of a block at offset \d+ \(\d+ of its \d+ bytes\)/,
    );
    expect(readEveryWay(file.subarray(0, file.length - epb(true, 0, 2n, B).length + 5)).warning).toMatch(
      /ends in the middle of a block at offset \d+ \(5 bytes\)/,
    );
  });

  const bad: Array<[string, (le: boolean) => Uint8Array, RegExp]> = [
    [
      'a length not a multiple of 4',
      (le) => fields(le, [4, 6], [4, 33]),
      /total length 33 is not a multiple of 4$/,
    ],
    ['a length under 12', (le) => fields(le, [4, 6], [4, 8]), /total length 8 is less than 12$/],
    [
      'a huge length',
      (le) => fields(le, [4, 6], [4, 0xfffffffc]),
      /total length 4294967292 is more than the 16777216/,
    ],
    [
      'a trailing length that differs',
      (le) => concat(fields(le, [4, 5], [4, 16], [4, 0]), fields(le, [4, 20])),
      /total length 16 at its start but 20 at its end$/,
    ],
    [
      'an EPB naming no interface',
      (le) => epb(le, 3, 0n, A),
      /names interface 3, which the section does not define$/,
    ],
    [
      'an EPB whose data overruns it',
      (le) => block(le, 6, fields(le, [4, 0], [4, 0], [4, 0], [4, 99], [4, 99])),
      /99 captured bytes do not fit/,
    ],
    [
      'an EPB too short',
      (le) => block(le, 6, fields(le, [4, 0])),
      /enhanced packet block at offset \d+ is 16 bytes long, less than its 32$/,
    ],
  ];
  for (const [what, make, message] of bad) {
    it(`refuses ${what}, naming its offset, after the packets before it`, () => {
      for (const le of [false, true]) {
        const head = concat(shb(le), idb(le, 1), epb(le, 0, 1n, A));
        const r = readEveryWay(concat(head, make(le), new Uint8Array(64)));
        expect(r.packets.map((p) => p.data)).toEqual([hex(A)]);
        expect(r.error).toMatch(new RegExp(`^pcapng .*at offset ${head.length}`));
        expect(r.error).toMatch(message);
      }
    });
  }

  it('refuses a bad byte-order magic and a version other than 1', () => {
    const bom = concat(fields(true, [4, 0x0a0d0d0a], [4, 28], [4, 0x12345678]), new Uint8Array(16));
    expect(readEveryWay(bom).error).toBe(
      'pcapng section header at offset 0: bad byte-order magic 78 56 34 12',
    );
    const v2 = block(true, 0x0a0d0d0a, fields(true, [4, 0x1a2b3c4d], [2, 2], [2, 0], [8, -1n]));
    expect(readEveryWay(v2).error).toBe('pcapng section header at offset 0: version 2.0 is not 1.x');
  });

  it('refuses more than MAX_PCAP_INTERFACES interfaces in a section', () => {
    const one = idb(true, 1);
    const many = new Uint8Array(one.length * (MAX_PCAP_INTERFACES + 1));
    for (let i = 0; i <= MAX_PCAP_INTERFACES; i++) many.set(one, i * one.length);
    const r = feed([shb(true), many]);
    expect(r.error).toMatch(/more than 65536 interfaces$/);
  });

  it('holds no more than the block being gathered, whatever a length claims', () => {
    // A block that claims 16 MiB, fed in 4 KiB chunks and cut short: the reader's buffer grows with what came.
    const reader = new PacketFileReader();
    reader.push(concat(shb(true), idb(true, 1)));
    reader.push(fields(true, [4, 6], [4, MAX_PCAP_BLOCK]));
    for (let i = 0; i < 4; i++) reader.push(new Uint8Array(4096));
    const pending = (reader as unknown as { pending: Uint8Array }).pending;
    expect(pending.length).toBeLessThanOrEqual(2 * (8 + 4 * 4096));
    expect(reader.end()).toMatch(/\(16392 of its 16777216 bytes\)/);
  });

  it('throws the deferred error on the next call, and keeps throwing it', () => {
    const reader = new PacketFileReader();
    const head = concat(shb(true), idb(true, 1), epb(true, 0, 1n, A));
    expect(reader.push(concat(head, fields(true, [4, 6], [4, 7])))).toHaveLength(1);
    expect(() => reader.push(new Uint8Array(4))).toThrow(/not a multiple of 4/);
    expect(() => reader.end()).toThrow(PcapError);
  });

  it('reads a mangled file the same way at any split: packets, then a PcapError or a warning', () => {
    const good = concat(
      shb(true),
      idb(true, 1, 0, [tsresol(9)]),
      epb(true, 0, 5n, A),
      spb(true, B),
      shb(false),
      idb(false, 113),
      pb(false, 0, 7n, A),
      epb(false, 0, 9n, B),
    );
    const pcap = pcapFile(false, true, 1, [
      { sec: 1, frac: 2, data: A },
      { sec: 3, frac: 4, data: B },
    ]);
    fc.assert(
      fc.property(
        fc.constantFrom(good, pcap),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        (file, flips, seed) => {
          const bytes = file.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          expect(feed(randomSplits(bytes, seed))).toEqual(feed([bytes]));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws anything but PcapError on any bytes after a valid start, and agrees across splits', () => {
    const start = concat(shb(true), idb(true, 1));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 1000 }), (junk, seed) => {
        const bytes = concat(start, junk);
        expect(feed(randomSplits(bytes, seed))).toEqual(feed([bytes]));
      }),
      { numRuns: 300 },
    );
  });
});
