/**
 * Reads classic pcap and pcapng files into packets, sans-IO and streaming: bytes are pushed in chunks of any
 * size, packets come out. A record or block that lies whole inside a chunk is read in place (the packet's data
 * is a view of the chunk, nothing copied); only a block cut across chunks is gathered in a small pending
 * buffer, never larger than MAX_PCAP_BLOCK whatever a length field claims.
 *
 * Formats: pcap (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/) in both byte orders with µs or ns
 * timestamps; pcapng (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/) with any number of
 * sections, each in its own byte order, interfaces with if_tsresol and if_tsoffset, and the EPB, SPB and the
 * obsolete Packet Block. Other blocks (NRB, ISB, DSB, custom, unknown) are checked for their length and skipped.
 */
import { MAX_PCAP_BLOCK, MAX_PCAP_INTERFACES } from './limits.js';
import { type Packet, PcapError } from './types.js';

export type FileFormat = 'pcap' | 'pcapng' | 'gzip' | 'other';

/** How many leading bytes sniffFormat needs for a sure answer (fewer give a guess, see there). */
export const SNIFF_BYTES = 4;

const MAGICS: ReadonlyArray<readonly [readonly number[], FileFormat]> = [
  [[0xa1, 0xb2, 0xc3, 0xd4], 'pcap'], // big-endian, µs
  [[0xd4, 0xc3, 0xb2, 0xa1], 'pcap'], // little-endian, µs
  [[0xa1, 0xb2, 0x3c, 0x4d], 'pcap'], // big-endian, ns
  [[0x4d, 0x3c, 0xb2, 0xa1], 'pcap'], // little-endian, ns
  [[0x0a, 0x0d, 0x0d, 0x0a], 'pcapng'], // the SHB's block type, the same in both byte orders
  [[0x1f, 0x8b], 'gzip'],
];

function startsLike(first: Uint8Array, magic: readonly number[]): boolean {
  const n = Math.min(first.length, magic.length);
  for (let i = 0; i < n; i++) if (first[i] !== magic[i]) return false;
  return true;
}

/**
 * The file's format by its magic number. SNIFF_BYTES (4) bytes decide; with fewer, the answer is the one
 * format whose magic starts with them (a guess, to be confirmed with more bytes), or 'other' when none or
 * several do (an empty input is 'other').
 */
export function sniffFormat(first: Uint8Array): FileFormat {
  const fits = MAGICS.filter(([magic]) => startsLike(first, magic));
  if (fits.length === 0) return 'other';
  if (first.length >= SNIFF_BYTES || first.length >= fits[0]![0].length) return fits[0]![1];
  const formats = new Set(fits.map(([, f]) => f));
  return formats.size === 1 ? fits[0]![1] : 'other';
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2; // the obsolete Packet Block
const SPB = 3;
const EPB = 6;

/** A pcapng interface: its link type and how its timestamps count. */
interface Interface {
  readonly linkType: number;
  readonly snapLength: number;
  /** Timestamp units per second (if_tsresol; 10^6 by default). */
  readonly unitsPerSecond: number;
  /** if_tsoffset, in milliseconds. */
  readonly offsetMs: number;
}

/**
 * A 64-bit timestamp (hi, lo) in `units` per second, in ms since 1970. The seconds and the remainder are taken
 * apart exactly (a long division in 16-bit digits: a ns timestamp is past 2^53, so a plain float division would
 * lose the fraction) whenever the unit is a whole number up to 2^32, which covers every resolution in use.
 */
function timestampMs(hi: number, lo: number, units: number): number {
  if (!Number.isInteger(units) || units > 0x100000000) return ((hi * 0x100000000 + lo) / units) * 1000;
  const q1 = Math.floor(hi / units);
  let r = hi - q1 * units;
  let x = r * 0x10000 + (lo >>> 16);
  const q2 = Math.floor(x / units);
  r = x - q2 * units;
  x = r * 0x10000 + (lo & 0xffff);
  const q3 = Math.floor(x / units);
  r = x - q3 * units;
  return (q1 * 0x100000000 + q2 * 0x10000 + q3) * 1000 + (r * 1000) / units;
}

type State = 'magic' | 'pcapHeader' | 'pcap' | 'pcapng';

/**
 * The streaming reader. push() returns the packets the chunk completed; end() says whether the file stopped
 * inside a record. A packet's data is a view of the pushed chunk (or of a buffer of the reader's own for a
 * record cut across chunks): the reader never writes into it, so it stays valid as long as the caller does not
 * reuse the chunk's memory.
 *
 * A malformed file raises PcapError, one line naming the problem and its offset. Packets before the problem are
 * never lost: if the chunk that holds it completed packets before it, push returns them and the error is thrown
 * by the next push or end; otherwise push throws at once.
 */
export class PacketFileReader {
  private state: State = 'magic';
  private format: 'pcap' | 'pcapng' = 'pcap';
  private littleEndian = false;
  private nanoseconds = false;
  private linkType = 0;
  private interfaces: Interface[] = [];
  private lastT = 0;
  /** The file offset of the next record or block (everything before it is read). */
  private offset = 0;
  private pending: Uint8Array | null = null;
  private pendingView: DataView | null = null;
  private pendingLength = 0;
  private failure: PcapError | null = null;

  push(chunk: Uint8Array): Packet[] {
    if (this.failure) throw this.failure;
    const out: Packet[] = [];
    try {
      let pos = this.pendingLength > 0 ? this.fillPending(chunk, out) : 0;
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const end = chunk.length;
      while (pos < end) {
        const length = this.frame(chunk, view, pos, end - pos);
        if (length < 0 || pos + length > end) break;
        this.parse(chunk, view, pos, length, out);
        this.offset += length;
        pos += length;
      }
      if (pos < end) this.stash(chunk, pos);
    } catch (error) {
      if (!(error instanceof PcapError)) throw error;
      this.failure = error;
      this.pending = null;
      this.pendingLength = 0;
      if (out.length === 0) throw error;
    }
    return out;
  }

  /** The file is over: a warning line when it stopped inside a record or block (all before it was read). */
  end(): string | null {
    if (this.failure) throw this.failure;
    if (this.state === 'magic' && this.pendingLength === 0) {
      throw new PcapError('the file is empty: not a pcap or pcapng file');
    }
    const have = this.pendingLength;
    if (have === 0) return null;
    if (this.state === 'magic') {
      this.sniff(this.pending!.subarray(0, have));
      return `the file ends after ${have} bytes, inside its file header: nothing is read`;
    }
    const framed = this.frame(this.pending!, this.pendingView!, 0, have);
    const need = Math.abs(framed);
    this.pending = null;
    this.pendingLength = 0;
    const what =
      this.state === 'pcapHeader'
        ? 'its file header'
        : this.format === 'pcap'
          ? 'a packet record'
          : 'a block';
    const known = framed > 0 ? `${have} of its ${need} bytes` : `${have} bytes`;
    return `the ${this.format} file ends in the middle of ${what} at offset ${this.offset} (${known}); all before it was read`;
  }

  /** Gathers the cut unit from the chunk's start; returns where the chunk's own units begin. */
  private fillPending(chunk: Uint8Array, out: Packet[]): number {
    let pos = 0;
    for (;;) {
      const have = this.pendingLength;
      const framed = this.frame(this.pending!, this.pendingView!, 0, have);
      const need = Math.abs(framed);
      if (have < need) {
        const take = Math.min(need - have, chunk.length - pos);
        this.reserve(need, have + take);
        this.pending!.set(chunk.subarray(pos, pos + take), have);
        this.pendingLength += take;
        pos += take;
        if (this.pendingLength < need) return pos;
        continue; // a complete header may now tell the unit's full length
      }
      this.parse(this.pending!, this.pendingView!, 0, need, out);
      this.offset += need;
      this.pending = null; // its packets keep views of it: the next cut unit gets a buffer of its own
      this.pendingView = null;
      this.pendingLength = 0;
      return pos;
    }
  }

  /** Makes room for `want` bytes of a unit of `need` bytes (need ≤ MAX_PCAP_BLOCK: frame checked it). */
  private reserve(need: number, want: number): void {
    const old = this.pending!;
    if (old.length >= want) return;
    const grown = new Uint8Array(Math.min(need, Math.max(want, old.length * 2)));
    grown.set(old.subarray(0, this.pendingLength));
    this.pending = grown;
    this.pendingView = new DataView(grown.buffer);
  }

  private stash(chunk: Uint8Array, pos: number): void {
    const rest = chunk.length - pos;
    this.pending = new Uint8Array(Math.max(rest, 64));
    this.pending.set(chunk.subarray(pos));
    this.pendingView = new DataView(this.pending.buffer);
    this.pendingLength = rest;
  }

  /** The format of the file's first bytes, or the error saying it is none the reader reads. */
  private sniff(first: Uint8Array): 'pcap' | 'pcapng' {
    const format = sniffFormat(first);
    if (format === 'gzip') this.fail('the file is gzip-compressed: decompress it before reading it as pcap');
    if (format === 'other') this.fail(`not a pcap or pcapng file: it starts with ${hex(first)}`);
    return format;
  }

  private fail(message: string): never {
    throw new PcapError(message);
  }

  /**
   * The length of the unit (file header, record or block) at `off`, or minus the number of bytes needed to
   * know it. Checks the length before anything is gathered, so a hostile length is refused, not allocated.
   */
  private frame(buf: Uint8Array, view: DataView, off: number, avail: number): number {
    if (this.state === 'magic') {
      // Judged on 4 bytes only (or on what end() has), so the message is the same however the file is split.
      if (avail < SNIFF_BYTES) return -SNIFF_BYTES;
      const format = this.sniff(buf.subarray(off, off + SNIFF_BYTES));
      this.format = format;
      if (format === 'pcap') {
        this.littleEndian = buf[off] !== 0xa1;
        this.nanoseconds = buf[off + 2] === 0x3c || buf[off + 1] === 0x3c;
        this.state = 'pcapHeader';
      } else this.state = 'pcapng';
    }
    if (this.state === 'pcapHeader') return 24;
    if (this.state === 'pcap') {
      if (avail < 16) return -16;
      const captured = view.getUint32(off + 8, this.littleEndian);
      if (captured > MAX_PCAP_BLOCK - 16) {
        this.fail(
          `pcap record at offset ${this.offset} claims ${captured} captured bytes, more than the ${MAX_PCAP_BLOCK} a record may have: the file is corrupt`,
        );
      }
      return 16 + captured;
    }
    if (avail < 8) return -8;
    let littleEndian = this.littleEndian;
    if (view.getUint32(off, false) === SHB) {
      if (avail < 12) return -12;
      littleEndian = this.sectionByteOrder(view, off);
    }
    const length = view.getUint32(off + 4, littleEndian);
    const problem =
      length % 4 !== 0
        ? 'is not a multiple of 4'
        : length < 12
          ? 'is less than 12'
          : length > MAX_PCAP_BLOCK
            ? `is more than the ${MAX_PCAP_BLOCK} a block may have`
            : null;
    if (problem) this.fail(`pcapng block at offset ${this.offset}: its total length ${length} ${problem}`);
    return length;
  }

  private sectionByteOrder(view: DataView, off: number): boolean {
    const magic = view.getUint32(off + 8, false);
    if (magic === 0x1a2b3c4d) return false;
    if (magic === 0x4d3c2b1a) return true;
    const bytes = new Uint8Array(view.buffer, view.byteOffset + off + 8, 4);
    return this.fail(`pcapng section header at offset ${this.offset}: bad byte-order magic ${hex(bytes)}`);
  }

  private parse(buf: Uint8Array, view: DataView, off: number, length: number, out: Packet[]): void {
    const le = this.littleEndian;
    if (this.state === 'pcapHeader') {
      // LinkType is the low 26 bits; the top bits say whether the frames carry an FCS (and its length).
      this.linkType = view.getUint32(off + 20, le) & 0x03ffffff;
      this.state = 'pcap';
      return;
    }
    if (this.state === 'pcap') {
      const fraction = view.getUint32(off + 4, le);
      const t = view.getUint32(off, le) * 1000 + (this.nanoseconds ? fraction / 1e6 : fraction / 1e3);
      const data = buf.subarray(off + 16, off + length);
      out.push({
        t,
        linkType: this.linkType,
        data,
        originalLength: view.getUint32(off + 12, le),
        interfaceId: 0,
      });
      this.lastT = t;
      return;
    }
    this.parseBlock(buf, view, off, length, out);
  }

  private parseBlock(buf: Uint8Array, view: DataView, off: number, length: number, out: Packet[]): void {
    const isSection = view.getUint32(off, false) === SHB;
    if (isSection) this.littleEndian = this.sectionByteOrder(view, off);
    const le = this.littleEndian;
    const type = view.getUint32(off, le);
    const trailer = view.getUint32(off + length - 4, le);
    const at = `at offset ${this.offset}`;
    if (trailer !== length) {
      this.fail(`pcapng block ${at}: total length ${length} at its start but ${trailer} at its end`);
    }
    const tooShort = (min: number, name: string) => {
      if (length < min) this.fail(`pcapng ${name} ${at} is ${length} bytes long, less than its ${min}`);
    };
    if (isSection) {
      tooShort(28, 'section header');
      const major = view.getUint16(off + 12, le);
      if (major !== 1) {
        this.fail(`pcapng section header ${at}: version ${major}.${view.getUint16(off + 14, le)} is not 1.x`);
      }
      this.interfaces = [];
    } else if (type === IDB) {
      tooShort(20, 'interface description');
      if (this.interfaces.length >= MAX_PCAP_INTERFACES) {
        this.fail(`pcapng interface description ${at}: more than ${MAX_PCAP_INTERFACES} interfaces`);
      }
      this.interfaces.push(this.parseInterface(view, off, length));
    } else if (type === EPB || type === PB) {
      tooShort(32, type === EPB ? 'enhanced packet block' : 'packet block');
      const id = type === EPB ? view.getUint32(off + 8, le) : view.getUint16(off + 8, le);
      const face = this.interfaces[id];
      if (!face)
        this.fail(`pcapng packet block ${at} names interface ${id}, which the section does not define`);
      const captured = view.getUint32(off + 20, le);
      if (captured > length - 32) {
        this.fail(`pcapng packet block ${at}: ${captured} captured bytes do not fit its length ${length}`);
      }
      const hi = view.getUint32(off + 12, le);
      const lo = view.getUint32(off + 16, le);
      const t = timestampMs(hi, lo, face.unitsPerSecond) + face.offsetMs;
      const data = buf.subarray(off + 28, off + 28 + captured);
      const originalLength = view.getUint32(off + 24, le);
      out.push({ t, linkType: face.linkType, data, originalLength, interfaceId: id });
      this.lastT = t;
    } else if (type === SPB) {
      tooShort(16, 'simple packet block');
      const face = this.interfaces[0];
      if (!face) this.fail(`pcapng simple packet block ${at}, but the section defines no interface`);
      const originalLength = view.getUint32(off + 8, le);
      // The captured length is not written: the least of the original length, the snap length and the room.
      let captured = Math.min(originalLength, length - 16);
      if (face.snapLength > 0) captured = Math.min(captured, face.snapLength);
      const data = buf.subarray(off + 12, off + 12 + captured);
      // An SPB has no timestamp: it gets the previous packet's time (the file's order is the capture's).
      out.push({ t: this.lastT, linkType: face.linkType, data, originalLength, interfaceId: 0 });
    }
  }

  private parseInterface(view: DataView, off: number, length: number): Interface {
    const le = this.littleEndian;
    let unitsPerSecond = 1e6;
    let offsetMs = 0;
    const end = off + length - 4;
    // Options: code, length, value padded to 4 bytes; a malformed option ends the list (the rest is ignored).
    for (let p = off + 16; p + 4 <= end; ) {
      const code = view.getUint16(p, le);
      const size = view.getUint16(p + 2, le);
      if (code === 0 || p + 4 + size > end) break;
      if (code === 9 && size >= 1) {
        const v = view.getUint8(p + 4); // if_tsresol: 10^-v, or 2^-v when the top bit is set
        unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      } else if (code === 14 && size >= 8) {
        const hi = view.getInt32(p + (le ? 8 : 4), le); // if_tsoffset: signed seconds
        const lo = view.getUint32(p + (le ? 4 : 8), le);
        offsetMs = (hi * 0x100000000 + lo) * 1000;
      }
      p += 4 + ((size + 3) & ~3);
    }
    return {
      linkType: view.getUint16(off + 8, le),
      snapLength: view.getUint32(off + 12, le),
      unitsPerSecond,
      offsetMs,
    };
  }
}
