/**
 * Redaction, the engine's most important promise: no secret — PASS, the APOP digest, any SASL password, digest,
 * proof or token, anything of an unknown mechanism — and no base64 form of one ever leaves the engine, in any
 * event (data bytes included), however the input is chunked. Masking keeps lengths, and replaying the masked
 * data shows exactly what the live session showed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytewiseChunks,
  c,
  cutsArbitrary,
  type Dialogue,
  everythingAsText,
  expectReplaySame,
  expectSameEachWay,
  GREETING,
  type RunResult,
  runDialogue,
  s,
  splitChunks,
  wholeChunks,
} from '../helpers/chunking.js';

const b64 = (text: string | Buffer) =>
  (typeof text === 'string' ? Buffer.from(text, 'latin1') : text).toString('base64');
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const user = [s(GREETING), c('USER bob\r\n'), s('+OK\r\n')];

/** The forms of a secret to look for: itself and its base64; for a blob also its base64 tail (which encodes the secret end). */
function forms(secret: string, ...blobs: string[]): string[] {
  return [secret, b64(secret), ...blobs, ...blobs.map((blob) => blob.replace(/=+$/, '').slice(-8))];
}

function expectNoSecret(r: RunResult, secrets: readonly (string | RegExp)[]): void {
  const text = everythingAsText(r);
  for (const secret of secrets) {
    const found = typeof secret === 'string' ? text.includes(secret) : secret.test(text);
    expect(found, `secret ${String(secret).slice(0, 40)} leaked`).toBe(false);
  }
}

const plainBlob = b64('\0bob\0Zq9plainPW');
const loginPassword = 'Zq9loginPW';
const cramDigest = 'b913a602c7eda7a495b4e6e7334d3890';
const cramBlob = b64(`tim ${cramDigest}`);
const bearer = 'ya29.Zq9BearerTokenXYZ';
const xoauthBlob = b64(`user=bob@example.org\x01auth=Bearer ${bearer}\x01\x01`);
const ntlmType2 = b64('NTLMSSP\0\x02\0\0\0Zq9ServerChallenge');
const ntlmType3 = b64('NTLMSSP\0\x03\0\0\0Zq9NtlmResponse');
const scramFinal = b64('c=biws,r=abcSERVERnonce,p=Zq9ScramProof=');
const scramServer = b64('v=Zq9ScramSignature=');
const longSecret = Array.from({ length: 3000 }, (_, i) => `Q${i}z`).join('');

/** Each case: no secret in any event however it is chunked, the same result every way, and the same on replay. */
const CASES: readonly {
  name: string;
  dialogue: Dialogue;
  secrets: (string | RegExp)[];
}[] = [
  { name: 'PASS', dialogue: [...user, c('PASS Zq9passPW\r\n'), s('+OK\r\n')], secrets: forms('Zq9passPW') },
  {
    name: 'PASS with spaces',
    dialogue: [...user, c('PASS correct horse battery\r\n'), s('-ERR\r\n')],
    secrets: [...forms('correct horse battery'), 'horse', 'battery'],
  },
  {
    name: 'PASS with non-ASCII',
    dialogue: [...user, c(utf8('pass grüße-Zq9\r\n')), s('+OK\r\n')],
    secrets: ['grüße', 'gr\xc3\xbc\xc3\x9fe', 'Zq9'],
  },
  {
    name: 'PASS without CRLF at the end',
    dialogue: [...user, c('PASS Zq9noCRLF')],
    secrets: forms('Zq9noCRLF'),
  },
  {
    name: 'PASS too long to keep',
    dialogue: [...user, c(`PASS ${longSecret}\r\n`), s('-ERR\r\n')],
    secrets: [/Q\d+z/],
  },
  { name: 'PASS too long, never ended', dialogue: [...user, c(`PASS ${longSecret}`)], secrets: [/Q\d+z/] },
  {
    name: 'APOP digest',
    dialogue: [s(GREETING), c(`APOP bob ${cramDigest}\r\n`), s('+OK\r\n')],
    secrets: forms(cramDigest),
  },
  {
    name: 'AUTH PLAIN initial response',
    dialogue: [s(GREETING), c(`AUTH PLAIN ${plainBlob}\r\n`), s('+OK\r\n')],
    secrets: forms('Zq9plainPW', plainBlob),
  },
  {
    name: 'AUTH PLAIN continuation',
    dialogue: [s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c(`${plainBlob}\r\n`), s('+OK\r\n')],
    secrets: forms('Zq9plainPW', plainBlob),
  },
  {
    name: 'AUTH LOGIN',
    dialogue: [
      s(GREETING),
      c('AUTH LOGIN\r\n'),
      s(`+ ${b64('Username:')}\r\n`),
      c(`${b64('bob')}\r\n`),
      s(`+ ${b64('Password:')}\r\n`),
      c(`${b64(loginPassword)}\r\n`),
      s('+OK\r\n'),
    ],
    secrets: forms(loginPassword),
  },
  {
    name: 'AUTH CRAM-MD5',
    dialogue: [
      s(GREETING),
      c('AUTH CRAM-MD5\r\n'),
      s(`+ ${b64('<1.2@host>')}\r\n`),
      c(`${cramBlob}\r\n`),
      s('+OK\r\n'),
    ],
    secrets: forms(cramDigest, cramBlob),
  },
  {
    name: 'AUTH XOAUTH2',
    dialogue: [s(GREETING), c(`AUTH XOAUTH2 ${xoauthBlob}\r\n`), s('+OK\r\n')],
    secrets: forms(bearer, xoauthBlob),
  },
  {
    name: 'AUTH with an unknown mechanism (both directions)',
    dialogue: [
      s(GREETING),
      c('AUTH NTLM\r\n'),
      s('+ \r\n'),
      c(`${b64('NTLMSSP\0\x01\0\0\0')}\r\n`),
      s(`+ ${ntlmType2}\r\n`),
      c(`${ntlmType3}\r\n`),
      s('+OK\r\n'),
    ],
    secrets: [...forms('Zq9ServerChallenge', ntlmType2), ...forms('Zq9NtlmResponse', ntlmType3)],
  },
  {
    name: 'AUTH SCRAM-SHA-256 proof and signature',
    dialogue: [
      s(GREETING),
      c(`AUTH SCRAM-SHA-256 ${b64('n,,n=bob,r=abc')}\r\n`),
      s(`+ ${b64('r=abcSERVERnonce,s=c2FsdA==,i=4096')}\r\n`),
      c(`${scramFinal}\r\n`),
      s(`+ ${scramServer}\r\n`),
      c('\r\n'),
      s('+OK\r\n'),
    ],
    secrets: [...forms('Zq9ScramProof', scramFinal), ...forms('Zq9ScramSignature', scramServer)],
  },
  {
    name: 'a SASL line too long to keep',
    dialogue: [s(GREETING), c('AUTH GSSAPI\r\n'), s('+ \r\n'), c(`${longSecret}\r\n`), s('-ERR\r\n')],
    secrets: [/Q\d+z/],
  },
  {
    name: 'a password injected after STLS',
    dialogue: [s(GREETING), c('STLS\r\n'), s('+OK\r\n'), c('USER bob\r\nPASS Zq9injected\r\n')],
    secrets: forms('Zq9injected'),
  },
];

describe('no secret leaves the engine', () => {
  for (const { name, dialogue, secrets } of CASES) {
    it(`${name}: never in any event, in any chunking; replay shows the same`, () => {
      expectSameEachWay(dialogue, (r) => {
        expectNoSecret(r, secrets);
        expectReplaySame(r);
      });
    });
  }

  // Guards the CR of a long line's CRLF: never masked, whichever chunk it arrives in.
  it('masks a line too long to keep the same way however it is chunked, and replays it the same', () => {
    expectSameEachWay([...user, c(`PASS ${longSecret}\r\n`), s('-ERR\r\n')], (r) => {
      expect(r.data.c2s.subarray(-2).toString('latin1')).toBe('\r\n');
      expectReplaySame(r);
    });
  });

  // Guards idempotent masking: a masked non-ASCII password is still described as non-ASCII on replay.
  it('replays a non-ASCII password exactly as the live session showed it', () => {
    expectSameEachWay([...user, c(utf8('pass grüße\r\n')), s('-ERR\r\n')], (r) => {
      expect(r.transactions[2]!.command!.line).toBe('pass <redacted 7 octets, non-ASCII>');
      expectReplaySame(r);
    });
  });

  it('holds for random passwords and random chunking (PASS, PLAIN, LOGIN, XOAUTH2)', () => {
    const carriers: ((secret: string) => Dialogue)[] = [
      (pw) => [...user, c(`PASS ${pw}\r\n`), s('+OK\r\n')],
      (pw) => [s(GREETING), c(`AUTH PLAIN ${b64(`\0bob\0${pw}`)}\r\n`), s('+OK\r\n')],
      (pw) => [
        s(GREETING),
        c('AUTH PLAIN\r\n'),
        s('+ \r\n'),
        c(`${b64(`bob\0bob\0${pw}`)}\r\n`),
        s('-ERR\r\n'),
      ],
      (pw) => [
        s(GREETING),
        c('AUTH LOGIN\r\n'),
        s(`+ ${b64('Username:')}\r\n`),
        c(`${b64('bob')}\r\n`),
        s(`+ ${b64('Password:')}\r\n`),
        c(`${b64(pw)}\r\n`),
        s('+OK\r\n'),
      ],
      (pw) => [
        s(GREETING),
        c(`AUTH XOAUTH2 ${b64(`user=bob\x01auth=Bearer ${pw}\x01\x01`)}\r\n`),
        s('+OK\r\n'),
      ],
    ];
    const secret = fc.stringMatching(/^[!-~]{6,40}$/).map((x) => `Zq${x.replace(/\s/g, '')}`);
    fc.assert(
      fc.property(secret, fc.nat({ max: carriers.length - 1 }), cutsArbitrary(7), (pw, which, cuts) => {
        const dialogue = carriers[which]!(pw);
        const whole = runDialogue(dialogue, wholeChunks);
        for (const r of [
          whole,
          runDialogue(dialogue, bytewiseChunks()),
          runDialogue(dialogue, splitChunks(cuts)),
        ]) {
          expectNoSecret(r, [pw, b64(pw)]);
          expect(r.events).toEqual(whole.events);
        }
      }),
      { numRuns: 60 },
    );
  });

  // Guards leading blanks before a secret verb (" PASS secret").
  it('hides the password of a PASS line that starts with a blank', () => {
    expectSameEachWay([...user, c(' PASS Zq9leading\r\n'), s('-ERR\r\n')], (r) =>
      expectNoSecret(r, forms('Zq9leading')),
    );
  });
});

describe('how a redacted value is shown', () => {
  it('shows the length of a password, and whether it held non-ASCII octets', () => {
    expectSameEachWay(
      [
        ...user,
        c(utf8('pass grüße\r\n')),
        s('-ERR\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS hunter2\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        const [first, second] = r.transactions.filter((t) => t.command?.verb === 'PASS');
        expect(first!.command!.line).toBe('pass <redacted 7 octets, non-ASCII>');
        expect(first!.command!.args).toEqual(['<redacted 7 octets, non-ASCII>']);
        expect(second!.command!.line).toBe('PASS <redacted 7 octets>');
        expect(r.data.c2s.toString('latin1')).toContain('pass **\u00aa\u00aa\u00aa\u00aa*\r\n');
        expect(r.data.c2s.toString('latin1')).toContain('PASS *******\r\n');
      },
    );
  });

  // Guards the descriptor of a password too long to keep: its real length, not the kept one.
  it('gives the real length of a password too long to keep', () => {
    expectSameEachWay([...user, c(`PASS ${longSecret}\r\n`), s('-ERR\r\n')], (r) =>
      expect(r.transactions[2]!.command!.line).toBe(`PASS <redacted ${longSecret.length} octets>`),
    );
  });

  it('masks byte for byte: data keeps every chunk length, and the totals match the bytes fed', () => {
    const dialogue = [...user, c('PASS Zq9passPW\r\nSTAT\r\n'), s('+OK\r\n-ERR\r\n')];
    expectSameEachWay(dialogue, (r) => {
      expect(r.dataLengths).toEqual(r.fedLengths);
      expect(r.data.c2s.length).toBe(r.summary.bytes.c2s);
      expect(r.data.s2c.length).toBe(r.summary.bytes.s2c);
      expect(r.data.c2s.toString('latin1')).toBe('USER bob\r\nPASS *********\r\nSTAT\r\n');
    });
  });
});
