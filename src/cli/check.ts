/** `pop3scope check CAPTURE…`: lists violations and exits 1 when any is an error (for CI jobs). */
import type { Command } from 'commander';
import type { Violation } from '../analysis/types.js';
import { violationLine } from '../render/text.js';
import { analyzeCaptures } from './captureInput.js';
import { CliError } from './errors.js';
import { Output } from './output.js';

export async function runCheck(
  files: string[],
  options: { session?: string },
  out = new Output(),
): Promise<number> {
  const counts = { error: 0, warning: 0, info: 0 };
  let sessions = 0;
  const report = async (file: string, session: string, seq: number | null, v: Violation) => {
    counts[v.severity]++;
    await out.lines([`${file}: session ${session}${seq === null ? '' : ` #${seq}`}: ${violationLine(v)}`]);
  };
  await analyzeCaptures(
    files,
    options.session,
    async (e, file) => {
      if (e.type === 'transaction')
        for (const v of e.tx.violations) await report(file, e.session, e.tx.seq, v);
      if (e.type === 'violation') await report(file, e.session, null, e.violation);
      if (e.type === 'summary') sessions++;
    },
    (m) => process.stderr.write(`pop3scope: warning: ${m}\n`),
  );
  await out.lines([
    `${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info in ${sessions} session(s)`,
  ]);
  return counts.error > 0 ? 1 : 0;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'check captures for POP3 conformance problems; exit 1 when any error-severity violation exists',
    )
    .argument('<capture...>', 'capture files to read ("-" reads stdin)')
    .option('-s, --session <id>', 'only this session')
    .addHelpText(
      'after',
      `
Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 unreadable input.

Examples:
  pop3scope check captures/*.jsonl
  pop3scope check nightly.jsonl || echo "the server broke POP3"`,
    )
    .action(async (files: string[], options: { session?: string }) => {
      const code = await runCheck(files, options);
      if (code !== 0) throw new CliError('', code);
    });
}
