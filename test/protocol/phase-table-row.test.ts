/**
 * A changed row of the command table reaches the engine and the embedded server alike: NOOP's row is edited
 * (valid before login too, an optional argument, and a +OK in TRANSACTION leads back to AUTHORIZATION) and
 * nothing else. Both then follow the new row; before the edit both followed the old one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, type CommandSpec } from '../../src/protocol/commands.js';
import type { RawTransaction } from '../../src/protocol/types.js';
import { Pair } from './phaseTablePair.js';

const codes = (txs: RawTransaction[]) => txs.flatMap((tx) => tx.violations.map((v) => v.code));
const rows = COMMANDS as Map<string, CommandSpec>;
const original = rows.get('NOOP')!;

const CHANGED: CommandSpec = {
  ...original,
  phases: ['AUTHORIZATION', 'TRANSACTION'],
  optional: ['word'],
  leads: [{ from: 'TRANSACTION', to: 'AUTHORIZATION', on: '+OK', reason: 'took the login back (test row)' }],
};

describe('NOOP as the table has it', () => {
  it('is refused before login, takes no argument and leaves TRANSACTION as it is, in both', async () => {
    const pair = new Pair();
    const early = await pair.send('NOOP');
    expect(early.answer).toBe('-ERR NOOP is not valid before login\r\n');
    expect(codes(early.txs)).toContain('POP3_WRONG_STATE');
    await pair.login();
    const extra = await pair.send('NOOP x');
    expect(extra.answer).toBe('-ERR NOOP takes 0 arguments, got 1\r\n');
    expect(codes(extra.txs)).toContain('POP3_INVALID_ARGUMENT');
    expect((await pair.send('NOOP')).answer).toBe('+OK\r\n');
    expect(pair.engine.phase).toBe('TRANSACTION');
    expect(pair.server.phase).toBe('TRANSACTION');
  });
});

describe('NOOP after its row is changed', () => {
  beforeAll(() => {
    rows.set('NOOP', CHANGED);
  });
  afterAll(() => {
    rows.set('NOOP', original);
  });

  it('is valid before login in both', async () => {
    const pair = new Pair();
    const early = await pair.send('NOOP');
    expect(early.answer).toBe('+OK\r\n');
    expect(codes(early.txs)).toEqual([]);
  });

  it('takes the new optional argument in both', async () => {
    const pair = new Pair();
    await pair.login();
    const extra = await pair.send('NOOP x');
    expect(extra.answer).toBe('+OK\r\n');
    expect(codes(extra.txs)).toEqual([]);
  });

  it('leads both back to AUTHORIZATION, where STAT is then refused and flagged', async () => {
    const pair = new Pair();
    await pair.login();
    const noop = await pair.send('NOOP');
    expect(noop.answer).toBe('+OK\r\n');
    const change = noop.events.find((e) => e.type === 'phase');
    expect(change).toMatchObject({
      from: 'TRANSACTION',
      to: 'AUTHORIZATION',
      reason: 'NOOP took the login back (test row)',
    });
    expect(pair.engine.phase).toBe('AUTHORIZATION');
    expect(pair.server.phase).toBe('AUTHORIZATION');
    const stat = await pair.send('STAT');
    expect(stat.answer).toBe('-ERR STAT is not valid before login\r\n');
    expect(codes(stat.txs)).toContain('POP3_WRONG_STATE');
  });
});
