/**
 * A transaction's fields come in one order in JSON output, optional ones in their place or absent.
 * Inspector.finish builds it without spreads, in one shape (for V8: jitSettles.test.ts; a missing sasl is an
 * undefined field, which JSON leaves out), which must not move a key.
 */
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { Transaction } from '../../src/analysis/types.js';

function transactions(lines: [dir: 'c2s' | 's2c', text: string][], digests = false): Transaction[] {
  const ins = new Inspector('s1', { digests }, 1_000);
  const out: Transaction[] = [];
  let t = 1_000;
  for (const [dir, text] of lines) {
    t += 1.5;
    for (const e of ins.receive(dir, Buffer.from(text), t)) if (e.type === 'transaction') out.push(e.tx);
  }
  return out;
}

const HEAD = ['session', 'seq', 'phase', 'command', 'response', 'wire'];
const TAIL = ['startedAt', 'endedAt', 'latencyMs', 'explain', 'rfc', 'violations'];
const RESPONSE = ['status', 'code', 'text', 'multiline', 'bodyOctets', 'bodyLines', 'complete'];

describe('a transaction as output', () => {
  const plain = transactions(
    [
      ['s2c', '+OK ready\r\n'],
      ['c2s', 'CAPA\r\n'],
      ['s2c', '+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n'],
      ['c2s', 'AUTH PLAIN AGJvYgB4\r\n'],
      ['s2c', '+OK in\r\n'],
      ['c2s', 'RETR 1\r\n'],
      ['s2c', '+OK\r\nSubject: hi\r\n\r\nbody\r\n.\r\n'],
    ],
    true,
  );

  it('keeps its keys in order in JSON, sasl before the times and only when there is one', () => {
    const [greeting, capa, auth, retr] = plain.map((tx) => JSON.parse(JSON.stringify(tx)));
    expect(Object.keys(greeting!)).toEqual([...HEAD, ...TAIL]);
    expect(Object.keys(capa!)).toEqual([...HEAD, ...TAIL]);
    expect(Object.keys(auth!)).toEqual([...HEAD, 'sasl', ...TAIL]);
    expect(Object.keys(retr!)).toEqual([...HEAD, ...TAIL]);
    expect(Object.keys(greeting!.wire)).toEqual(['c2sStart', 'c2sEnd', 's2cStart', 's2cEnd']);
  });

  it('gives a response its optional fields after the fixed ones, and only when they have a value', () => {
    const [greeting, capa, , retr] = plain;
    expect(Object.keys(plain[0]!)).toContain('sasl'); // present, undefined: one shape for V8
    expect(Object.keys(greeting!.response)).toEqual(RESPONSE);
    expect(Object.keys(capa!.response)).toEqual([...RESPONSE, 'listing']);
    expect(Object.keys(retr!.response)).toEqual([...RESPONSE, 'preview', 'digest']);
    expect(retr!.response.preview).toContain('Subject: hi');
    expect(greeting!.latencyMs).toBeNull();
    expect(retr!.latencyMs).toBe(1.5);
  });

  it('copies the wire span instead of sharing the engine object', () => {
    const [greeting, capa] = plain;
    expect(greeting!.wire).not.toBe(capa!.wire);
    expect(capa!.wire.c2sStart).toBe(0);
  });
});
