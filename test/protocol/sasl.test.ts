/**
 * AUTH (RFC 5034): the lock-step exchange of challenges and responses, per mechanism what is shown (user names)
 * and what is redacted (passwords, digests, tokens, anything of an unknown mechanism), cancel and bad base64.
 */
import { describe, expect, it } from 'vitest';
import type { SaslInfo } from '../../src/analysis/types.js';
import {
  allCodes,
  c,
  codesOf,
  expectSameEachWay,
  GREETING,
  type RunResult,
  s,
  txOf,
} from '../helpers/chunking.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
const sasl = (r: RunResult): SaslInfo => txOf(r, 'AUTH').sasl!;
const steps = (r: RunResult) => sasl(r).steps.map((st) => `${st.from}: ${st.text}`);
const commandCount = (r: RunResult) => r.raw.filter((e) => e.type === 'command').length;

describe('SASL mechanisms', () => {
  it('PLAIN with an initial response: user shown, password redacted', () => {
    const ir = b64('\0bob\0s3cr3t-PLAIN');
    expectSameEachWay([s(GREETING), c(`AUTH PLAIN ${ir}\r\n`), s('+OK welcome\r\n')], (r) => {
      const auth = txOf(r, 'AUTH');
      expect(auth.command!.args).toEqual(['PLAIN', `<initial response, ${ir.length} octets>`]);
      expect(steps(r)).toEqual(['client: authzid="" authcid="bob" password=<redacted 12 octets>']);
      expect(sasl(r)).toMatchObject({ mechanism: 'PLAIN', outcome: 'success', user: 'bob' });
      expect(r.summary).toMatchObject({ user: 'bob', auth: 'SASL PLAIN' });
      expect(codesOf(auth)).toEqual([]);
    });
  });

  it('PLAIN without an initial response: "+ " then the blob, which is no command', () => {
    const blob = b64('admin\0bob\0s3cr3t-PLAIN');
    expectSameEachWay(
      [
        s(GREETING),
        c('auth plain\r\n'),
        s('+ \r\n'),
        c(`${blob}\r\n`),
        s('+OK\r\n'),
        c('STAT\r\n'),
        s('+OK 0 0\r\n'),
      ],
      (r) => {
        expect(steps(r)).toEqual([
          'server: (empty challenge)',
          'client: authzid="admin" authcid="bob" password=<redacted 12 octets>',
        ]);
        expect(sasl(r)).toMatchObject({ mechanism: 'PLAIN', outcome: 'success', user: 'bob' });
        expect(commandCount(r)).toBe(2);
        expect(txOf(r, 'STAT').phase).toBe('TRANSACTION');
      },
    );
  });

  it('LOGIN: "Username:" answer shown, "Password:" answer redacted', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('AUTH LOGIN\r\n'),
        s(`+ ${b64('Username:')}\r\n`),
        c(`${b64('alice')}\r\n`),
        s(`+ ${b64('Password:')}\r\n`),
        c(`${b64('wonderland')}\r\n`),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(steps(r)).toEqual([
          'server: challenge "Username:"',
          'client: username="alice"',
          'server: challenge "Password:"',
          'client: password=<redacted 10 octets>',
        ]);
        expect(sasl(r)).toMatchObject({ mechanism: 'LOGIN', outcome: 'success', user: 'alice' });
        expect(commandCount(r)).toBe(1);
      },
    );
  });

  it('LOGIN with the user name as initial response: the next blob is the password', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c(`AUTH LOGIN ${b64('alice')}\r\n`),
        s(`+ ${b64('Password:')}\r\n`),
        c(`${b64('wonderland')}\r\n`),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(steps(r)).toEqual([
          'client: username="alice"',
          'server: challenge "Password:"',
          'client: password=<redacted 10 octets>',
        ]);
        expect(sasl(r).user).toBe('alice');
      },
    );
  });

  it('CRAM-MD5: challenge and user shown, digest redacted', () => {
    const challenge = '<1896.697170952@postoffice.example.net>';
    const answer = b64('tim b913a602c7eda7a495b4e6e7334d3890');
    expectSameEachWay(
      [s(GREETING), c('AUTH CRAM-MD5\r\n'), s(`+ ${b64(challenge)}\r\n`), c(`${answer}\r\n`), s('+OK\r\n')],
      (r) => {
        expect(steps(r)).toEqual([
          `server: challenge ${JSON.stringify(challenge)}`,
          'client: user="tim" digest=<redacted 32 octets>',
        ]);
        expect(sasl(r)).toMatchObject({ mechanism: 'CRAM-MD5', outcome: 'success', user: 'tim' });
      },
    );
  });

  it('XOAUTH2: user shown, bearer token redacted', () => {
    const bearer = 'Bearer ya29.TOKENtokenTOKEN';
    const ir = b64(`user=bob@example.org\x01auth=${bearer}\x01\x01`);
    expectSameEachWay([s(GREETING), c(`AUTH XOAUTH2 ${ir}\r\n`), s('+OK\r\n')], (r) => {
      expect(steps(r)).toEqual([`client: user="bob@example.org" token=<redacted ${bearer.length} octets>`]);
      expect(sasl(r)).toMatchObject({ mechanism: 'XOAUTH2', outcome: 'success', user: 'bob@example.org' });
    });
  });

  it('an unknown mechanism: every blob both ways redacted, no user', () => {
    const type1 = b64('NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2');
    const type2 = b64('NTLMSSP\0\x02\0\0\0server-challenge-bytes');
    const type3 = b64('NTLMSSP\0\x03\0\0\0bob-response-secret-bytes');
    expectSameEachWay(
      [
        s(GREETING),
        c('AUTH NTLM\r\n'),
        s('+ \r\n'),
        c(`${type1}\r\n`),
        s(`+ ${type2}\r\n`),
        c(`${type3}\r\n`),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(steps(r)).toEqual([
          'server: (empty challenge)',
          'client: response <redacted 16 octets, non-ASCII>',
          // The masked challenge is valid base64 of 34 '*', so it is shown decoded rather than as "<redacted>".
          `server: challenge "${'*'.repeat(34)}"`,
          'client: response <redacted 37 octets>',
        ]);
        expect(sasl(r).user).toBeUndefined();
        expect(sasl(r).outcome).toBe('success');
        expect(r.summary).toMatchObject({ user: null, auth: 'SASL NTLM' });
      },
    );
  });

  it('an empty initial response "=" is shown as empty', () => {
    expectSameEachWay([s(GREETING), c('AUTH EXTERNAL =\r\n'), s('+OK\r\n')], (r) => {
      expect(steps(r)).toEqual(['client: (empty)']);
      expect(allCodes(r)).toEqual([]);
    });
  });
});

describe('SASL outcomes and errors', () => {
  it('"*" cancels: outcome cancelled, the session stays in AUTHORIZATION', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('AUTH LOGIN\r\n'),
        s(`+ ${b64('Username:')}\r\n`),
        c('*\r\n'),
        s('-ERR cancelled\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(steps(r)).toEqual(['server: challenge "Username:"', 'client: * (cancel)']);
        expect(sasl(r).outcome).toBe('cancelled');
        expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION']);
        expect(allCodes(r)).toEqual([]);
        expect(txOf(r, 'USER').response.status).toBe('+OK');
      },
    );
  });

  it('flags a server that accepts a cancelled exchange (POP3_SASL_CANCEL_ACCEPTED)', () => {
    expectSameEachWay([s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c('*\r\n'), s('+OK\r\n')], (r) => {
      expect(sasl(r).outcome).toBe('cancelled');
      expect(codesOf(txOf(r, 'AUTH'))).toEqual(['POP3_SASL_CANCEL_ACCEPTED']);
    });
  });

  it('a refused exchange: outcome failure, no TRANSACTION', () => {
    expectSameEachWay(
      [s(GREETING), c(`AUTH PLAIN ${b64('\0bob\0wrong')}\r\n`), s('-ERR [AUTH] invalid credentials\r\n')],
      (r) => {
        expect(sasl(r).outcome).toBe('failure');
        expect(txOf(r, 'AUTH').response.code).toBe('AUTH');
        expect(r.summary).toMatchObject({ auth: null, user: 'bob' });
        expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION']);
      },
    );
  });

  it('flags a server challenge that is not base64', () => {
    expectSameEachWay(
      [s(GREETING), c('AUTH PLAIN\r\n'), s('+ not base64!\r\n'), c('*\r\n'), s('-ERR\r\n')],
      (r) => {
        expect(codesOf(txOf(r, 'AUTH'))).toEqual(['POP3_SASL_BAD_BASE64']);
      },
    );
  });

  it('hides a client line that is not base64 whole (it may be a password typed in the clear)', () => {
    expectSameEachWay(
      [s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c('my password!\r\n'), s('-ERR bad base64\r\n')],
      (r) => {
        expect(r.data.c2s.toString('latin1')).toBe('AUTH PLAIN\r\n************\r\n');
        expect(steps(r)[1]).toContain('<redacted 12 octets>');
        expect(sasl(r).outcome).toBe('failure');
      },
    );
  });

  // Guards the base64 check of a client SASL line, which is masked before it is shown.
  it('flags a client SASL response that is not base64 (POP3_SASL_BAD_BASE64)', () => {
    expectSameEachWay(
      [s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c('my password!\r\n'), s('-ERR bad base64\r\n')],
      (r) => {
        expect(codesOf(txOf(r, 'AUTH'))).toContain('POP3_SASL_BAD_BASE64');
      },
    );
  });

  // Guards the check of an initial response that is masked before the argument grammar sees it.
  it('flags an initial response that is not base64 (POP3_SASL_BAD_BASE64)', () => {
    expectSameEachWay([s(GREETING), c('AUTH PLAIN ab!c\r\n'), s('-ERR\r\n')], (r) => {
      expect(codesOf(txOf(r, 'AUTH'))).toEqual(['POP3_SASL_BAD_BASE64']);
    });
  });
});
