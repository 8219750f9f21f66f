/**
 * Regressions from the red team (issue 12, "Secrets"): credentials a client sends where no exchange is open
 * in the engine's view — a bare line after a failed AUTH, a late SASL blob, the answer to a "+ " prompt after
 * USER, base64 after a stray +OK, an AUTH lost behind 10,000 pipelined commands, and odd spellings of PASS.
 * Each dialogue runs whole, byte by byte and at random splits; no sink may show the secret in any form, and
 * the replay of the masked output shows exactly what the live run showed.
 */
import { describe, expect, it } from 'vitest';
import { shownLine } from '../../src/replay/matcher.js';
import {
  c,
  type Dialogue,
  expectReplaySame,
  expectSameEachWay,
  GREETING,
  type RunResult,
  type SameOptions,
  s,
  txsOf,
} from '../helpers/chunking.js';
import { expectNoSecretAnywhere, secretForms } from '../helpers/secrets.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
const PASSWORD = 'Zq9Secret7wx';

function expectHidden(
  dialogue: Dialogue,
  secrets: string[] = [PASSWORD],
  options: SameOptions = {},
): RunResult {
  return expectSameEachWay(
    dialogue,
    (r) => {
      expectNoSecretAnywhere(r, secrets);
      expectReplaySame(r);
    },
    { numRuns: 20, ...options },
  );
}

describe('bare credentials outside an exchange the engine believes open', () => {
  it('AUTH LOGIN, a raw user name, -ERR, then the password as a raw line', () => {
    const r = expectHidden([
      s(GREETING),
      c('AUTH LOGIN\r\n'),
      s('+ VXNlcm5hbWU6\r\n'),
      c('bob\r\n'),
      s('-ERR not base64\r\n'),
      c(`${PASSWORD}\r\n`),
      s('-ERR unknown command\r\n'),
      c('QUIT\r\n'),
      s('+OK bye\r\n'),
    ]);
    // The hidden line is still a transaction, described, never quoted.
    const hidden = r.transactions.find((t) => t.command?.line.startsWith('<redacted'));
    expect(hidden?.command?.line).toBe(`<redacted ${PASSWORD.length} octets>`);
    expect(hidden?.violations.map((v) => v.code)).toContain('POP3_UNKNOWN_COMMAND');
    expect(txsOf(r, 'QUIT')).toHaveLength(1);
  });

  it('AUTH of an unknown mechanism refused, then the base64 of the password anyway', () => {
    expectHidden([
      s(GREETING),
      c('AUTH X-UNKNOWNMECH\r\n'),
      s('-ERR unsupported mechanism\r\n'),
      c(`${b64(PASSWORD)}\r\n`),
      s('-ERR\r\n'),
    ]);
  });

  it('AUTH PLAIN, "*", -ERR, then a late PLAIN blob', () => {
    expectHidden([
      s(GREETING),
      c('AUTH PLAIN\r\n'),
      s('+ \r\n'),
      c('*\r\n'),
      s('-ERR cancelled\r\n'),
      c(`${b64(`\0bob\0${PASSWORD}`)}\r\n`),
      s('-ERR\r\n'),
    ]);
  });

  it('a server that answers USER with "+ send the password", then the bare password', () => {
    expectHidden([
      s(GREETING),
      c('USER bob\r\n'),
      s('+ send the password\r\n'),
      c(`${PASSWORD}\r\n`),
      s('+OK\r\n'),
    ]);
  });

  it('a stray +OK right after AUTH LOGIN, then the base64 user and password', () => {
    expectHidden([
      s(GREETING),
      c('AUTH LOGIN\r\n'),
      s('+OK\r\n'),
      c(`${b64('bob')}\r\n`),
      s('-ERR\r\n'),
      c(`${b64(PASSWORD)}\r\n`),
      s('-ERR\r\n'),
      c('STAT\r\n'),
      s('-ERR\r\n'),
    ]);
  });

  it('10,000 pipelined commands, then AUTH LOGIN (the queue of waiting commands overflows)', () => {
    const noops = 'NOOP\r\n'.repeat(10_000);
    const answers = '+OK\r\n'.repeat(10_000);
    expectHidden(
      [
        s(GREETING),
        c(`${noops}AUTH LOGIN\r\n`),
        s(answers),
        s('+ VXNlcm5hbWU6\r\n'),
        c(`${b64('bob')}\r\n`),
        s('+ UGFzc3dvcmQ6\r\n'),
        c(`${b64(PASSWORD)}\r\n`),
        s('+OK\r\n'),
      ],
      [PASSWORD],
      // Byte by byte only around the line boundaries that matter; the 60 KB middle in large chunks.
      { numRuns: 3, bytewiseLimit: 8 * 1024 },
    );
  }, 60_000);
});

describe('odd spellings of PASS', () => {
  it.each([
    ['a CR before PASS', `\rPASS ${PASSWORD}\r\n`],
    ['a NUL before PASS', `\0PASS ${PASSWORD}\r\n`],
    ['PASS after a bare CR inside the USER line', `USER bob\rPASS ${PASSWORD}\r\n`],
    ['more than 8 KiB of spaces before PASS', `${' '.repeat(9000)}PASS ${PASSWORD}\r\n`],
    ['tabs and controls before PASS', `\t\x01 PASS ${PASSWORD}\r\n`],
  ])('%s', (_name, line) => {
    expectHidden([s(GREETING), c(line), s('-ERR\r\n'), c('QUIT\r\n'), s('+OK\r\n')]);
  });

  it('XOAUTH2 with its key written "Auth="', () => {
    const token = 'ya29.Zq9TokenABC';
    expectHidden(
      [
        s(GREETING),
        c(`AUTH XOAUTH2 ${b64(`user=bob@example.org\x01Auth=Bearer ${token}\x01\x01`)}\r\n`),
        s('+OK\r\n'),
      ],
      [token],
    );
  });
});

describe('what is not hidden', () => {
  it('an unknown command after a successful USER/PASS login is still shown', () => {
    const r = expectSameEachWay([
      s(GREETING),
      c('USER bob\r\n'),
      s('+OK\r\n'),
      c(`PASS ${PASSWORD}\r\n`),
      s('+OK\r\n'),
      c('XYZZY 1\r\n'),
      s('-ERR\r\n'),
    ]);
    expect(txsOf(r, 'XYZZY')).toHaveLength(1);
  });
});

describe('replay --serve', () => {
  it('never echoes a bare line that may be a credential', () => {
    const shown = shownLine(Buffer.from(`${PASSWORD}\r\n`));
    for (const form of secretForms(PASSWORD)) expect(shown).not.toContain(form);
    expect(shown).toBe(`<redacted ${PASSWORD.length} octets>`);
    expect(shownLine(Buffer.from('STAT\r\n'))).toBe('STAT');
  });
});
