/**
 * `pop3scope report CAPTURE... -o FILE`: one self-contained HTML file (web/html.ts) with every session's
 * sequence diagram, the bytes of each arrow, the mailbox over time and the summary; it opens from file:// and
 * as an email attachment, and loads nothing. Records are written out as each session ends, so a 1 GiB
 * capture needs no more memory than its open sessions. FILE appears whole or not at all: the report is
 * written to FILE.partial and renamed at the end; on an error the partial file is removed and an existing
 * FILE kept.
 */
import type { Command } from 'commander';
import type { EngineEvent } from '../analysis/types.js';
import { PcapError } from '../capture/pcap/types.js';
import { withFile } from '../render/json.js';
import { recordMaker } from '../render/wireBytes.js';
import { PageBundleError, pageBundle, ReportWriter } from '../web/html.js';
import { counted } from '../words.js';
import { AtomicFile } from './atomicFile.js';
import { analyzeCaptures } from './captureInput.js';
import { CliError } from './errors.js';
import { addTraceOptions, type TraceFlags, traceOptions } from './traceOptions.js';

interface ReportOptions extends TraceFlags {
  output: string;
  session?: string;
  title?: string;
  withBodies?: boolean;
}

const shown = (file: string) => (file === '-' ? 'stdin' : file);

export async function runReport(files: string[], o: ReportOptions): Promise<void> {
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);
  try {
    pageBundle();
  } catch (error) {
    if (error instanceof PageBundleError) throw new CliError(error.message);
    throw error;
  }
  const trace = await traceOptions(o, warn);
  const title = o.title ?? `pop3scope report — ${files.map(shown).join(', ')}`;
  // FILE.partial until the end: the report appears whole or not at all.
  const out = new AtomicFile(o.output, { temp: `${o.output}.partial`, mode: 0o644 });
  const writer = new ReportWriter(out, {
    mode: 'report',
    title,
    ...(o.withBodies ? { withBodies: true } : {}),
  });
  // With several captures, every record says which one it came from (session ids repeat across files).
  const several = files.length > 1;
  // The records with each arrow's exact bytes (bodies cut to a head unless --with-bodies); one converter per
  // analysed stream, so a new one for each capture.
  const bodies = o.withBodies ? 'whole' : 'summary';
  let toRecord = recordMaker({ bodies });
  const fileDone = () => {
    toRecord = recordMaker({ bodies });
  };
  const sink = async (e: EngineEvent, file: string) => {
    const record = toRecord(e);
    if (record) await writer.add(several ? withFile(record, shown(file)) : record);
  };
  try {
    await analyzeCaptures(files, o.session, sink, warn, fileDone, trace);
    const stats = await writer.finish();
    await out.finish();
    process.stderr.write(`pop3scope: wrote ${o.output} (${counted(stats.sessions, 'session')})\n`);
  } catch (error) {
    out.abandon();
    if (error instanceof PcapError) throw new CliError(error.message);
    throw error;
  }
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(
      'write one self-contained HTML file: every session as a sequence diagram, click for the bytes',
    )
    .argument('<capture...>', 'captures or pcap/pcapng traces, gzipped or not ("-" reads stdin)')
    .requiredOption('-o, --output <file>', 'the HTML file to write (replaced whole, or not at all)')
    .option('-s, --session <id>', 'only this session')
    .option('--title <text>', 'the page title (default: "pop3scope report — " and the captures)')
    .option('--with-bodies', 'keep message bodies in the file (each up to a size cap); default: summarised');
  addTraceOptions(command)
    .addHelpText(
      'after',
      `
The file needs no network and no server: open it in a browser (file://) or send it as an attachment.
Passwords are redacted as everywhere in pop3scope. Click an arrow to see its bytes, what it means, its latency.

Examples:
  pop3scope report captures/seed-download-and-delete.jsonl -o seed.html
  pop3scope report captures/*.jsonl -o all.html --title "Tuesday's lab"
  pop3scope report trace.pcap --tls-keylog keys.log -o trace.html
  pop3scope report session.jsonl --session s2 --with-bodies -o s2.html`,
    )
    .action(async (files: string[], options: ReportOptions) => runReport(files, options));
}
