/**
 * The command table (protocol/commands.ts) is the one place that says where each verb is valid, what arguments
 * it takes, what must come before it and which phase its answer leads to: for every row, the engine and the
 * embedded server, driven through the same conversation (the engine sees the server's real answers), follow
 * it. phase-table-row.test.ts changes a row and shows the change reaches both.
 */
import { describe, expect, it } from 'vitest';
import { arity, COMMANDS, type Phase, takesRestOfLine, transitionOf } from '../../src/protocol/commands.js';
import type { RawTransaction } from '../../src/protocol/types.js';
import { lineOf, Pair, SAMPLE_ARGS } from './phaseTablePair.js';

const ROWS = [...COMMANDS.values()];
const PHASES: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION'];

/** Arguments a login row is refused with (the phase must stay). */
const WRONG_ARGS: Record<string, string> = {
  PASS: 'starving',
  APOP: 'bob 00000000000000000000000000000000',
  AUTH: `PLAIN ${Buffer.from('\0bob\0starving').toString('base64')}`,
};

/** A pair in `phase`, with the command `verb` needs before it already sent. */
async function pairIn(phase: Phase, verb: string): Promise<Pair> {
  const pair = new Pair();
  if (phase === 'TRANSACTION') await pair.login();
  const before = COMMANDS.get(verb)!.after;
  if (before) await pair.send(lineOf(before.verb));
  return pair;
}

const codes = (txs: RawTransaction[]) => txs.flatMap((tx) => tx.violations.map((v) => v.code));
const unknownToServer = (answer: string) => answer.startsWith('-ERR unknown command');

describe('the phase table drives the engine and the server alike', () => {
  it('every transition: both land in its phase (a session that ends reaches it before it closes)', async () => {
    let checked = 0;
    for (const row of ROWS) {
      for (const t of row.leads) {
        const pair = await pairIn(t.from, row.verb);
        const { answer } = await pair.send(lineOf(row.verb));
        expect(unknownToServer(answer), row.verb).toBe(false);
        expect(pair.engine.phase, row.verb).toBe(t.to);
        if (row.ends) {
          expect(pair.server.phase, row.verb).toBe('CLOSED');
          expect(pair.phaseAtCommit, row.verb).toEqual([t.to]);
        } else {
          expect(pair.server.phase, row.verb).toBe(t.to);
        }
        checked++;
      }
    }
    expect(checked).toBe(ROWS.reduce((n, r) => n + r.leads.length, 0));
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('a transition on +OK does not happen on -ERR, in either', async () => {
    for (const row of ROWS) {
      for (const t of row.leads.filter((l) => l.on === '+OK')) {
        const wrong = WRONG_ARGS[row.verb];
        if (wrong === undefined) throw new Error(`no refused form of ${row.verb} in WRONG_ARGS`);
        const pair = await pairIn(t.from, row.verb);
        const { answer } = await pair.send(`${row.verb} ${wrong}`);
        expect(answer, row.verb).toMatch(/^-ERR /);
        expect(pair.engine.phase, row.verb).toBe(t.from);
        expect(pair.server.phase, row.verb).toBe(t.from);
      }
    }
  });

  it('a verb without a transition leaves both where they were (a session that ends is CLOSED)', async () => {
    const forms = ROWS.flatMap((row) => [
      { row, line: lineOf(row.verb) },
      ...(SAMPLE_ARGS[row.verb] !== undefined && arity(row).min === 0 ? [{ row, line: row.verb }] : []),
    ]);
    for (const { row, line } of forms) {
      const args = line.split(' ').slice(1);
      for (const phase of row.phases.filter((p) => !transitionOf(row, p, args))) {
        const pair = await pairIn(phase, row.verb);
        await pair.send(line);
        expect(pair.engine.phase, `${line} in ${phase}`).toBe(phase);
        expect(pair.server.phase, `${line} in ${phase}`).toBe(row.ends ? 'CLOSED' : phase);
      }
    }
  });

  it('outside the phases of its row, the server refuses a verb and the engine flags POP3_WRONG_STATE', async () => {
    let refused = 0;
    for (const row of ROWS) {
      for (const phase of PHASES.filter((p) => !row.phases.includes(p))) {
        const pair = await pairIn(phase, row.verb);
        const { answer, txs } = await pair.send(lineOf(row.verb));
        expect(codes(txs), `${row.verb} in ${phase}`).toContain('POP3_WRONG_STATE');
        if (unknownToServer(answer)) continue;
        expect(answer, `${row.verb} in ${phase}`).toMatch(new RegExp(`^-ERR ${row.verb} is not valid `));
        expect(pair.server.phase).toBe(phase);
        refused++;
      }
    }
    expect(refused).toBeGreaterThanOrEqual(10);
  });

  it('a command the row says must follow another is refused by the server and flagged by the engine without it', async () => {
    const rows = ROWS.filter((r) => r.after);
    expect(rows.map((r) => r.verb)).toEqual(['PASS']);
    for (const row of rows) {
      const alone = new Pair();
      const { answer, txs } = await alone.send(lineOf(row.verb));
      expect(answer).toBe(`-ERR ${row.verb} must follow a successful ${row.after!.verb}\r\n`);
      expect(codes(txs)).toContain(row.after!.violation);
      const after = new Pair();
      await after.send(lineOf(row.after!.verb));
      const followed = await after.send(lineOf(row.verb));
      expect(followed.answer).toMatch(/^\+OK /);
      expect(codes(followed.txs)).not.toContain(row.after!.violation);
    }
  });

  it('one argument too many: the server refuses it and the engine flags POP3_INVALID_ARGUMENT', async () => {
    // In TRANSACTION only: the engine checks the grammar of the masked line, and before login a known verb
    // with bad arguments is masked down to its verb (its arguments may be a credential).
    const rows = ROWS.filter((r) => !takesRestOfLine(r) && r.phases.includes('TRANSACTION'));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      const { max } = arity(row);
      const line = [row.verb, ...Array.from({ length: max + 1 }, () => 'x')].join(' ');
      const pair = await pairIn('TRANSACTION', row.verb);
      const { answer, txs } = await pair.send(line);
      expect(codes(txs), line).toContain('POP3_INVALID_ARGUMENT');
      if (!unknownToServer(answer)) expect(answer, line).toMatch(new RegExp(`^-ERR ${row.verb} takes `));
    }
  });
});
