/** `pop3scope check CAPTURE… [--format text|json]`: lists violations and exits 1 when any is an error (for CI jobs). */

import type { Command } from 'commander';
import type { Violation } from '../analysis/types.js';
import type { Severity } from '../protocol/violations.js';
import { JSON_VERSION, type JsonCheckRecord } from '../render/json.js';
import { violationLine } from '../render/text.js';
import { counted } from '../words.js';
import { analyzeCaptures } from './captureInput.js';
import { CliError } from './errors.js';
import { Output } from './output.js';
import { choiceOption } from './parsers.js';
import { addTraceOptions, type TraceFlags, traceOptions } from './traceOptions.js';

const FORMATS = ['text', 'json'] as const;

interface CheckOptions extends TraceFlags {
  session?: string;
  /** Checked by commander (parsers.ts). */
  format?: (typeof FORMATS)[number];
}

/** What one file's check found (the JSON object of --format json, docs/json-output.md). */
interface FileResult {
  file: string;
  version: typeof JSON_VERSION;
  sessions: number;
  /** Counts per violation code. */
  violations: Record<string, number>;
  severities: Record<Severity, number>;
  /** What `check` of this file alone exits with: 1 when any error-severity violation exists. */
  exit: 0 | 1;
}

const fresh = (file: string): FileResult => ({
  file: file === '-' ? 'stdin' : file,
  version: JSON_VERSION,
  sessions: 0,
  violations: {},
  severities: { error: 0, warning: 0, info: 0 },
  exit: 0,
});

export async function runCheck(files: string[], options: CheckOptions, out = new Output()): Promise<number> {
  const json = options.format === 'json';
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);
  const trace = await traceOptions(options, warn);
  const counts = { error: 0, warning: 0, info: 0 };
  let sessions = 0;
  let current: FileResult | null = null;
  const report = async (file: string, session: string, seq: number | null, v: Violation) => {
    counts[v.severity]++;
    current ??= fresh(file);
    current.severities[v.severity]++;
    current.violations[v.code] = (current.violations[v.code] ?? 0) + 1;
    if (v.severity === 'error') current.exit = 1;
    if (!json)
      await out.lines([`${file}: session ${session}${seq === null ? '' : ` #${seq}`}: ${violationLine(v)}`]);
  };
  await analyzeCaptures(
    files,
    options.session,
    async (e, file) => {
      if (e.type === 'transaction')
        for (const v of e.tx.violations) await report(file, e.session, e.tx.seq, v);
      if (e.type === 'violation') await report(file, e.session, null, e.violation);
      if (e.type === 'summary') {
        sessions++;
        current ??= fresh(file);
        current.sessions++;
      }
    },
    warn,
    async (file) => {
      // One object per file, as soon as the file is read: a CI log shows progress over many files.
      if (json) await out.lines([JSON.stringify((current ?? fresh(file)) satisfies JsonCheckRecord)]);
      current = null;
    },
    trace,
  );
  if (!json)
    await out.lines([
      `${counted(counts.error, 'error')}, ${counted(counts.warning, 'warning')}, ${counts.info} info in ${counted(sessions, 'session')}`,
    ]);
  return counts.error > 0 ? 1 : 0;
}

export function registerCheck(program: Command): void {
  const command = program
    .command('check')
    .description(
      'check captures for POP3 conformance problems; exit 1 when any error-severity violation exists',
    )
    .argument('<capture...>', 'captures or pcap/pcapng traces, gzipped or not ("-" reads stdin)')
    .option('-s, --session <id>', 'only this session')
    .addOption(
      choiceOption('-f, --format <format>', 'text, or json (one object per file, for CI)', FORMATS, 'text'),
    );
  addTraceOptions(command)
    .addHelpText(
      'after',
      `
Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 unreadable input.

Examples:
  pop3scope check captures/*.jsonl
  pop3scope check nightly.jsonl || echo "the server broke POP3"
  pop3scope check --format json captures/*.jsonl | jq -c 'select(.exit != 0) | {file, violations}'
  pop3scope check customer-trace.pcap.gz --port 1110`,
    )
    .action(async (files: string[], options: CheckOptions) => {
      const code = await runCheck(files, options);
      if (code !== 0) throw new CliError('', code);
    });
}
