/**
 * A tcpdump/Wireshark file (pcap or pcapng) read as a stream of capture records: file bytes → packets
 * (fileReader.ts) → records (trace.ts). Streaming, so a 1 GiB trace is never held; each problem is one
 * CaptureError line naming the file.
 */
import { VERSION } from '../../version.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type CaptureRecord } from '../format.js';
import { CaptureError } from '../reader.js';
import { PacketFileReader } from './fileReader.js';
import { POP3_PORTS, TraceConverter, type TraceOptions } from './trace.js';
import { PcapError } from './types.js';

export async function* readTrace(
  source: AsyncIterable<Buffer | string>,
  name: string,
  warn: (message: string) => void,
  options: TraceOptions = {},
): AsyncGenerator<CaptureRecord> {
  const reader = new PacketFileReader();
  const converter = new TraceConverter(options);
  let headed = false;
  let packets = 0;
  const header = (t: number): CaptureRecord => {
    headed = true;
    return {
      type: 'header',
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      createdAt: new Date(t).toISOString(),
      tool: `packet capture, read by pop3scope ${VERSION}`,
    };
  };
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      for (const packet of reader.push(bytes)) {
        packets++;
        const records = converter.push(packet);
        if (records.length === 0) continue;
        if (!headed) yield header(packet.t);
        yield* records;
      }
    }
    const cut = reader.end();
    // Cut short before its first packet, the file holds nothing to show: that is an error, not a warning.
    if (cut && packets === 0) throw new CaptureError(`${name}: ${cut}`);
    if (cut) warn(`${name}: ${cut}`);
  } catch (error) {
    if (error instanceof PcapError) throw new CaptureError(`${name}: ${error.message}`);
    throw error;
  }
  const last = converter.end();
  const firstT = last.find((r) => r.type !== 'header')?.t ?? 0;
  if (last.length > 0 && !headed) yield header(firstT);
  yield* last;
  if (converter.sessionsFound === 0) {
    const ports = [...POP3_PORTS, ...(options.ports ?? [])].join(', ');
    warn(
      `${name}: no POP3 connection in this trace (server ports ${ports}, or a server greeting "+OK"; --port N reads another port)`,
    );
  }
}
