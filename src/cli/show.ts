/** `pop3scope show CAPTURE… [--session ID] [--format text|json|markdown]`: the offline viewer. */
import type { Command } from 'commander';
import type { EngineEvent, Violation } from '../analysis/types.js';
import { MermaidRecords } from '../diagram/mermaid.js';
import { jsonRecord, withFile } from '../render/json.js';
import { markdownReport } from '../render/markdown.js';
import { styleFor, wantColour } from '../render/style.js';
import { TranscriptPrinter } from '../render/text.js';
import { analyzeCaptures } from './captureInput.js';
import { Output } from './output.js';
import { choiceOption } from './parsers.js';
import { addTraceOptions, type TraceFlags, traceOptions } from './traceOptions.js';

const FORMATS = ['text', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

interface ShowOptions extends TraceFlags {
  session?: string;
  /** Checked by commander (parsers.ts). */
  format: Format;
  color?: boolean;
}

const shown = (file: string) => (file === '-' ? 'stdin' : file);

interface Pending {
  printer: TranscriptPrinter;
  lines: string[];
  violations: { seq: number | null; violation: Violation }[];
  /** Markdown only: the session's JSON records for its Mermaid block (bounded, see MermaidRecords). */
  mermaid: MermaidRecords | null;
}

export async function runShow(files: string[], options: ShowOptions, out = new Output()): Promise<void> {
  const format = options.format;
  const style = styleFor(format === 'text' && wantColour(options.color, out));
  const sessions = new Map<string, Pending>();
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);

  // With several captures, every session says which one it came from (ids repeat across files).
  const several = files.length > 1;
  const sink = async (e: EngineEvent, file: string) => {
    if (format === 'json') {
      const record = jsonRecord(e);
      if (record) await out.lines([JSON.stringify(several ? withFile(record, shown(file)) : record)]);
      return;
    }
    // Text and Markdown group each session's lines and print them when the session ends.
    const key = `${file}\0${e.session}`;
    let pending = sessions.get(key);
    if (!pending) {
      pending = {
        printer: new TranscriptPrinter({ style }),
        lines: [],
        violations: [],
        mermaid: format === 'markdown' ? new MermaidRecords() : null,
      };
      sessions.set(key, pending);
    }
    if (e.type === 'transaction')
      for (const v of e.tx.violations) pending.violations.push({ seq: e.tx.seq, violation: v });
    if (e.type === 'violation') pending.violations.push({ seq: null, violation: e.violation });
    if (pending.mermaid) {
      const record = jsonRecord(e);
      if (record) pending.mermaid.add(record);
    }
    if (e.type !== 'summary') {
      pending.lines.push(...pending.printer.event(e));
      return;
    }
    sessions.delete(key);
    const s = e.summary;
    const from = several ? shown(file) : undefined;
    const head = pending.printer.header(s.session, s.client, s.upstream, s.startedAt, from);
    const all = [...head, ...pending.lines, ...pending.printer.event(e)];
    if (format === 'markdown')
      await out.lines([
        markdownReport({
          summary: s,
          lines: all,
          violations: pending.violations,
          file: from,
          mermaid: pending.mermaid?.sequence() ?? undefined,
        }),
      ]);
    else await out.lines([...all, '']);
  };
  await analyzeCaptures(files, options.session, sink, warn, undefined, await traceOptions(options, warn));
}

export function registerShow(program: Command): void {
  const command = program
    .command('show')
    .description('print the annotated POP3 transcript of capture files and packet traces')
    .argument('<capture...>', 'captures or pcap/pcapng traces, gzipped or not ("-" reads stdin)')
    .option('-s, --session <id>', 'only this session')
    .addOption(choiceOption('-f, --format <format>', 'text, json (JSON Lines) or markdown', FORMATS, 'text'))
    .option('--color', 'colour the text transcript even when stdout is not a terminal')
    .option('--no-color', 'never colour the text transcript');
  addTraceOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  pop3scope show captures/seed-download-and-delete.jsonl
  pop3scope show session.jsonl --session s2 --format json | jq 'select(.type=="summary")'
  pop3scope show bug.jsonl --format markdown > report.md
  cat session.jsonl | pop3scope show -
  tcpdump -i any -w trace.pcap 'tcp port 110'    (then, as any user:)
  pop3scope show trace.pcap
  pop3scope show trace.pcapng --port 1110 --tls-keylog keys.log`,
    )
    .action(async (files: string[], options: ShowOptions) => runShow(files, options));
}
