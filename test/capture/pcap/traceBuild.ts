/**
 * Packet traces for the trace converter's tests, built with the real pcapng writer (valid IPv4/IPv6 TCP
 * conversations), one block per array element so a test can leave a packet out, and read back through the
 * real pipeline: PacketFileReader → TraceConverter → capture records → CaptureAnalyzer → engine events.
 */
import type { EngineEvent } from '../../../src/analysis/types.js';
import { CaptureAnalyzer } from '../../../src/capture/analyze.js';
import { type CaptureRecord, dataBytes } from '../../../src/capture/format.js';
import { PacketFileReader } from '../../../src/capture/pcap/fileReader.js';
import { enhancedPacketBlock } from '../../../src/capture/pcap/pcapngBlocks.js';
import { PcapngWriter } from '../../../src/capture/pcap/pcapngWriter.js';
import { type IpAddress, TCP_ACK, tcpPacket } from '../../../src/capture/pcap/synthTcp.js';
import { TraceConverter, type TraceOptions } from '../../../src/capture/pcap/trace.js';
import type { Endpoint, StreamDir } from '../../../src/capture/pcap/types.js';
import { jsonRecord } from '../../../src/render/json.js';
import { TranscriptPrinter } from '../../../src/render/text.js';
import { prng } from '../../helpers/prng.js';

export const T0 = 1_772_442_900_000;
const TCP_RST = 0x04;

export const ep = (address: string, port: number): Endpoint => ({ address, port });

/** A pcapng trace under construction: `blocks[0]` is the header, every later element one packet. */
export class TraceBuilder {
  readonly writer = new PcapngWriter({ comment: ['test trace'] });
  readonly blocks: Uint8Array[] = [this.writer.header()];
  t = T0;

  private add(packets: Uint8Array[]): number[] {
    const first = this.blocks.length;
    this.blocks.push(...packets);
    return packets.map((_, i) => first + i);
  }

  /** SYN, SYN-ACK, ACK: returns their block indexes. */
  open(session: string, client: Endpoint, server: Endpoint): number[] {
    this.t += 1;
    return this.add(this.writer.open(session, { t: this.t, client, server }));
  }

  /** Bytes in one direction (one segment unless huge): returns the block indexes. */
  send(session: string, dir: StreamDir, bytes: string | Uint8Array): number[] {
    this.t += 10;
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    return this.add(this.writer.data(session, dir, b, this.t));
  }

  c = (session: string, text: string | Uint8Array) => this.send(session, 'c2s', text);
  s = (session: string, text: string | Uint8Array) => this.send(session, 's2c', text);

  close(session: string, by: 'client' | 'server'): number[] {
    this.t += 10;
    return this.add(this.writer.close(session, this.t, by));
  }

  /**
   * An RST from `by` after the last packet `lastIndex` (a data or ACK packet of this connection): its
   * sequence numbers are read back from that packet. The writer never sends RSTs, so it is built here.
   */
  rst(lastIndex: number, by: 'client' | 'server', client: Endpoint): number[] {
    const block = this.blocks[lastIndex]!;
    const pkt = block.subarray(28); // block header 8 + EPB fields 20
    const v6 = pkt[0]! >> 4 === 6;
    const ip = v6 ? 40 : 20;
    const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
    const total = v6 ? 40 + view.getUint16(4) : view.getUint16(2);
    const tcpLen = (pkt[ip + 12]! >> 4) * 4;
    const payload = total - ip - tcpLen;
    const seq = view.getUint32(ip + 4);
    const ack = view.getUint32(ip + 8);
    const srcAddr = pkt.subarray(v6 ? 8 : 12, v6 ? 24 : 16);
    const dstAddr = pkt.subarray(v6 ? 24 : 16, v6 ? 40 : 20);
    const fromIsClient = view.getUint16(ip) === client.port;
    const senderIsBy = (by === 'client') === fromIsClient;
    const family = v6 ? 6 : 4;
    const a = { family, bytes: Uint8Array.from(senderIsBy ? srcAddr : dstAddr) } as IpAddress;
    const b = { family, bytes: Uint8Array.from(senderIsBy ? dstAddr : srcAddr) } as IpAddress;
    const ports = [view.getUint16(ip), view.getUint16(ip + 2)];
    this.t += 10;
    const packet = tcpPacket({
      src: a,
      dst: b,
      srcPort: senderIsBy ? ports[0]! : ports[1]!,
      dstPort: senderIsBy ? ports[1]! : ports[0]!,
      seq: senderIsBy ? (seq + payload) >>> 0 : ack,
      ack: senderIsBy ? ack : (seq + payload) >>> 0,
      flags: TCP_RST | TCP_ACK,
      window: 0,
      ipId: 1,
      payload: new Uint8Array(0),
    });
    return this.add([enhancedPacketBlock(0, Math.round(this.t * 1000), packet, [])]);
  }

  /** The file, leaving out the blocks at `drop`. */
  file(drop: readonly number[] = []): Buffer {
    return Buffer.concat(this.blocks.filter((_, i) => !drop.includes(i)));
  }
}

export { prng };

/** Cuts `bytes` into chunks: whole, one byte each, or at seeded random points. */
export function cut(bytes: Uint8Array, how: 'whole' | 'bytewise' | number): Uint8Array[] {
  if (how === 'whole') return [bytes];
  if (how === 'bytewise') return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const rnd = prng(how);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const k = 1 + Math.floor(rnd() * 200);
    out.push(bytes.subarray(at, at + k));
    at += k;
  }
  return out;
}

export const SPLITS: ReadonlyArray<'whole' | 'bytewise' | number> = ['whole', 'bytewise', 7, 1234];

/** The capture records a trace file turns into, fed in the given chunks. */
export function traceRecords(
  file: Uint8Array,
  options: TraceOptions = {},
  how: 'whole' | 'bytewise' | number = 'whole',
): CaptureRecord[] {
  const reader = new PacketFileReader();
  const converter = new TraceConverter(options);
  const out: CaptureRecord[] = [];
  for (const chunk of cut(file, how))
    for (const packet of reader.push(chunk)) out.push(...converter.push(packet));
  const problem = reader.end();
  if (problem) throw new Error(`reader: ${problem}`);
  out.push(...converter.end());
  return out;
}

/** The engine's events for capture records, as `show` makes them. */
export function engineEvents(records: readonly CaptureRecord[]): EngineEvent[] {
  const analyzer = new CaptureAnalyzer();
  const out: EngineEvent[] = [];
  for (const r of records) out.push(...analyzer.record(r));
  out.push(...analyzer.end());
  return out;
}

/** Everything the engine's events render to: JSON lines and text transcript lines. */
export function rendered(events: readonly EngineEvent[]): string {
  const printer = new TranscriptPrinter();
  const lines: string[] = [];
  for (const e of events) {
    const j = jsonRecord(e);
    if (j) lines.push(JSON.stringify(j));
    lines.push(...printer.event(e));
  }
  return lines.join('\n');
}

/** The data records of one session and direction, concatenated. */
export function streamOf(records: readonly CaptureRecord[], session: string, dir: StreamDir): Buffer {
  const parts: Buffer[] = [];
  for (const r of records)
    if (r.type === 'data' && r.session === session && r.dir === dir) parts.push(dataBytes(r));
  return Buffer.concat(parts);
}
