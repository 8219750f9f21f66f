/**
 * `pop3scope export CAPTURE --pcapng OUT`: a capture (or a packet trace) as a pcapng file Wireshark opens, each
 * session a synthetic TCP conversation of its recorded (masked) bytes, pop3scope's findings as packet comments
 * (render/pcapng.ts). The file appears whole or not at all: it is written beside OUT and renamed at the end.
 */
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CaptureAnalyzer } from '../capture/analyze.js';
import { openRecords } from '../capture/input.js';
import { PcapError } from '../capture/pcap/types.js';
import { PcapngExport } from '../render/pcapng.js';
import { AtomicFile } from './atomicFile.js';
import { CliError } from './errors.js';
import { addTraceOptions, type TraceFlags, traceOptions } from './traceOptions.js';

interface ExportOptions extends TraceFlags {
  pcapng?: string;
  session?: string;
}

/** Where the bytes go: a file that appears whole at the end (cli/atomicFile.ts), or stdout ("-"). */
class Destination {
  private readonly file: AtomicFile | null;
  private failure: Error | null = null;

  constructor(private readonly path: string) {
    if (path !== '-') {
      this.file = new AtomicFile(path, {
        temp: join(dirname(path), `.${basename(path)}.${process.pid}.partial`),
        mode: 0o600,
        exclusive: true,
      });
      return;
    }
    if (process.stdout.isTTY)
      throw new CliError(
        '--pcapng -: pcapng is binary; write it to a file, or pipe it (e.g. into tshark -r -)',
      );
    this.file = null;
    process.stdout.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(blocks: readonly Uint8Array[]): Promise<void> {
    for (const b of blocks) {
      if (this.file) {
        await this.file.write(b);
        continue;
      }
      this.check();
      if (!process.stdout.write(b))
        await Promise.race([once(process.stdout, 'drain'), once(process.stdout, 'error')]);
    }
    this.check();
  }

  async finish(): Promise<void> {
    await this.file?.finish();
  }

  /** Something went wrong: nothing half-written is left behind. */
  abandon(): void {
    this.file?.abandon();
  }

  private check(): void {
    if (!this.failure) return;
    const code = (this.failure as NodeJS.ErrnoException).code;
    throw new CliError(`cannot write ${this.path}: ${code ?? this.failure.message}`);
  }
}

export async function runExport(file: string, o: ExportOptions): Promise<void> {
  if (o.pcapng === undefined)
    throw new CliError('say what to export to: --pcapng OUT (a file, or - for stdout)');
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);
  const trace = await traceOptions(o, warn);
  const records = await openRecords(file, { warn, trace });
  const wanted = o.session === undefined ? undefined : (id: string) => id === o.session;
  const analyzer = new CaptureAnalyzer(wanted);
  const pcapng = new PcapngExport(file === '-' ? 'stdin' : file);
  const out = new Destination(o.pcapng);
  const started = new Set<string>();
  let sessions = 0;
  try {
    await out.write([pcapng.header()]);
    for await (const r of records) {
      if (r.type === 'header' || (wanted && !wanted(r.session))) continue;
      const blocks: Uint8Array[] = [];
      if (!started.has(r.session)) {
        // Data without an open record (a capture cut at its start) still gets a conversation of its own.
        started.add(r.session);
        sessions++;
        const open = r.type === 'open' ? r : null;
        blocks.push(
          ...pcapng.start({
            session: r.session,
            t: r.t,
            client: open?.client ?? '?',
            upstream: open?.upstream ?? '?',
            tls: open?.tls ?? 'none',
          }),
        );
      }
      for (const e of analyzer.record(r)) for (const b of pcapng.event(e)) blocks.push(b);
      await out.write(blocks);
    }
    const last: Uint8Array[] = [];
    for (const e of analyzer.end()) for (const b of pcapng.event(e)) last.push(b);
    await out.write(last);
    if (o.session !== undefined && sessions === 0) throw new CliError(`no session "${o.session}" in ${file}`);
    await out.finish();
  } catch (error) {
    out.abandon();
    if (error instanceof PcapError) throw new CliError(`${o.pcapng}: ${error.message}`);
    throw error;
  }
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write a capture (or a packet trace) as pcapng for Wireshark, passwords redacted')
    .argument('<capture>', 'a capture or a pcap/pcapng trace, gzipped or not ("-" reads stdin)')
    .option('--pcapng <out>', 'the pcapng file to write ("-": stdout); each session a TCP conversation')
    .option('-s, --session <id>', 'only this session');
  addTraceOptions(command)
    .addHelpText(
      'after',
      `
Each session becomes a synthetic TCP conversation between its recorded addresses and ports, its data segments
cut where the bytes arrived, at their recorded times; the summary and violations are packet comments. Secrets
are masked as in captures, and the section header says so. Decrypted STLS/POP3S sessions are written decrypted.

Examples:
  pop3scope export captures/seed-download-and-delete.jsonl --pcapng seed.pcapng
  wireshark seed.pcapng                       (or: tshark -r seed.pcapng -Y pop)
  pop3scope export session.jsonl --pcapng - | tshark -r - -d tcp.port==1110,pop -Y pop
  pop3scope export trace.pcap --tls-keylog keys.log --pcapng decrypted.pcapng`,
    )
    .action(async (file: string, options: ExportOptions) => runExport(file, options));
}
