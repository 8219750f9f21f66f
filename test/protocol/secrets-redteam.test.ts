/**
 * Regressions from a red team run against the first secret hardening of issue 12: credentials hidden inside
 * one line behind a bare CR, odd APOP/AUTH/CRAM/OAuth/DIGEST spellings, verb-led passphrases, an IMAP LOGIN
 * sent to the POP3 port, a BOM or telnet bytes before PASS, a SCRAM signature cut by TLS, an AUTH lost after
 * STLS; plus the chunking, replay, crash, time and memory findings. Each leak check runs whole, byte by byte
 * and at random splits, and looks in every sink.
 */
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import { markdownReport } from '../../src/render/markdown.js';
import { shownLine } from '../../src/replay/matcher.js';
import {
  bytewiseChunks,
  c,
  type Dialogue,
  expectReplaySame,
  expectSameEachWay,
  GREETING,
  LOGIN,
  runDialogue,
  s,
  tls,
  wholeChunks,
} from '../helpers/chunking.js';
import { expectNoSecretAnywhere } from '../helpers/secrets.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
const PW = 'Zq9Secret7wx';
const HEX = 'c4c9334bac560ecc979e58001b3e22fb';

function expectHidden(d: Dialogue, secrets: string[] = [PW]): void {
  expectSameEachWay(
    d,
    (r) => {
      expectNoSecretAnywhere(r, secrets);
      expectReplaySame(r);
    },
    { numRuns: 10 },
  );
}

describe('credentials inside one line, behind a bare CR', () => {
  it.each([
    ['USER, CR, the bare password', `USER bob\r${PW}\r\n`],
    ['AUTH PLAIN, CR, the PLAIN blob', `AUTH PLAIN\r${b64(`\0bob\0${PW}`)}\r\n`],
    ['AUTH LOGIN, CR, user, CR, password', `AUTH LOGIN\r${b64('bob')}\r${b64(PW)}\r\n`],
    ['a known verb padded past 8 KiB, CR, PASS', `USER bob${' '.repeat(8300)}\rPASS ${PW}\r\n`],
  ])('%s', (_name, line) => {
    expectHidden([s(GREETING), c(line), s('-ERR\r\n')]);
  });

  it('NOOP padded past 8 KiB after login, CR, then PASS', () => {
    expectHidden([...LOGIN, c(`NOOP${' '.repeat(8300)}\rPASS ${PW}\r\n`), s('-ERR\r\n')]);
  });
});

describe('odd spellings of APOP, AUTH and SASL fields', () => {
  it.each([
    ['APOP with an empty user name', `APOP  ${HEX}\r\n`, HEX],
    ['APOP with the digest only', `APOP ${HEX}\r\n`, HEX],
    ['AUTH with a blob and no mechanism', `AUTH ${b64(`\0bob\0${PW}`)}\r\n`, PW],
    ['AUTH PLAIN, a vertical tab, the blob', `AUTH PLAIN\x0b${b64(`\0bob\0${PW}`)}\r\n`, PW],
    ['USER with the password as a second argument', `USER bob ${PW}\r\n`, PW],
    ['an IMAP LOGIN sent to the POP3 port', `a001 LOGIN bob ${PW}\r\n`, PW],
    ['a UTF-8 BOM before PASS', `\xef\xbb\xbfPASS ${PW}\r\n`, PW],
    ['telnet IAC bytes before PASS', `\xff\xf4\xff\xfdPASS ${PW}\r\n`, PW],
  ])('%s', (_name, line, secret) => {
    expectHidden([s(GREETING), c(line), s('-ERR\r\n')], [secret]);
  });

  it('CRAM-MD5 with a trailing space after the digest', () => {
    expectHidden(
      [
        s(GREETING),
        c('AUTH CRAM-MD5\r\n'),
        s(`+ ${b64('<1896.697170952@postoffice.example.net>')}\r\n`),
        c(`${b64(`bob ${HEX} `)}\r\n`),
        s('-ERR\r\n'),
      ],
      [HEX],
    );
  });

  it('OAUTHBEARER fields separated by commas', () => {
    const token = 'ya29.Zq9TokenABCdef';
    expectHidden(
      [
        s(GREETING),
        c(`AUTH OAUTHBEARER ${b64(`n,a=bob@example.org,auth=Bearer ${token}\x01\x01`)}\r\n`),
        s('+OK\r\n'),
      ],
      [token],
    );
  });

  it.each([', response = ', ',\tresponse=', ',\r\n\tresponse='])('DIGEST-MD5 with white space: %j', (sep) => {
    const digest = 'd388dad90d4bbd760a152321f2143af7';
    expectHidden(
      [
        s(GREETING),
        c('AUTH DIGEST-MD5\r\n'),
        s(`+ ${b64('realm="x",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8')}\r\n`),
        c(
          `${b64(`username="bob",realm="x",nonce="OA6MG9tEQGm2hh",nc=00000001,qop=auth${sep}${digest}`)}\r\n`,
        ),
        s('-ERR\r\n'),
      ],
      [digest],
    );
  });
});

describe('bare lines the guard must catch', () => {
  it('a passphrase whose first word is a POP3 verb, after a "+ " prompt', () => {
    expectHidden(
      [s(GREETING), c('USER bob\r\n'), s('+ send the password\r\n'), c('Top Secret4Ever\r\n'), s('-ERR\r\n')],
      ['Secret4Ever'],
    );
  });

  it('an AUTH sent after STLS in the same write, STLS refused, then the base64 password', () => {
    expectHidden([
      s(GREETING),
      c('STLS\r\nAUTH X-UNKNOWN\r\n'),
      s('-ERR no TLS here\r\n'),
      s('-ERR unknown mechanism\r\n'),
      c(`${b64(PW)}\r\n`),
      s('-ERR\r\n'),
    ]);
  });
});

describe('held bytes when TLS begins', () => {
  it('a SCRAM server-final cut by TLS leaves masked', () => {
    const signature = b64('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
    for (const chunker of [wholeChunks, bytewiseChunks()]) {
      const r = runDialogue(
        [
          s(GREETING),
          c(`AUTH SCRAM-SHA-1 ${b64('n,,n=bob,r=fyko+d2lbbFgONRv9qkxdawL')}\r\n`),
          s(`+ ${b64('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096')}\r\n`),
          c(
            `${b64('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=')}\r\n`,
          ),
          s(`+ ${signature}`),
          tls(),
        ],
        chunker,
      );
      expectNoSecretAnywhere(r, [signature.slice(4, -4)]);
    }
  });
});

describe('replay and chunking', () => {
  it('a lone CR as a SASL response stays a CR, so the replay reports it', () => {
    expectReplaySame(
      runDialogue([s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c('\r\r\n'), s('-ERR\r\n')], wholeChunks),
    );
  });

  it('whether a held line is forced does not depend on how the line itself was cut', () => {
    const d: Dialogue = [
      ...LOGIN,
      c('RETR 1\r\n'),
      s('+OK\r\n'),
      c('NOOP'),
      s('x'.repeat(1024 * 1024 - 2)),
      c('\r\n'),
      s('\r\n.\r\n+OK\r\n'),
    ];
    expect(runDialogue(d, bytewiseChunks(64)).events).toEqual(runDialogue(d, wholeChunks).events);
  });
});

describe('crashes, time and memory behind a held line', () => {
  it('a megabyte of bare LFs behind a held client line does not throw (a million events)', () => {
    // Fed to the Inspector directly: the test collector would copy a million events.
    const inspector = new Inspector('m', {}, 0);
    inspector.receive('s2c', Buffer.from(GREETING), 1);
    inspector.receive('c2s', Buffer.from('NOOP'), 2);
    let events = 0;
    expect(() => {
      events += inspector.receive('s2c', Buffer.from('\n'.repeat(1_100_000)), 3).length;
      events += inspector.receive('c2s', Buffer.from('\r\n'), 4).length;
    }).not.toThrow();
    expect(events).toBeGreaterThan(1_000_000);
  });

  it('200,000 one-byte server chunks behind a held client line are handled in linear time', () => {
    // Before: each chunk walked every chunk still held (about two minutes for these; the test's timeout fails it).
    const d: Dialogue = [
      ...LOGIN,
      c('RETR 1\r\n'),
      s('+OK\r\n'),
      c('NOOP'),
      s('x'.repeat(200_000)),
      c('\r\n'),
    ];
    const r = runDialogue(d, (len, i) => (i === 8 ? Array.from({ length: len }, () => 1) : [len]));
    expect(r.data.s2c.length).toBeGreaterThan(200_000);
  });

  it('events behind a held client line are bounded: the line is masked and the events handed on', () => {
    const inspector = new Inspector('m', {}, 0);
    let t = 1;
    inspector.receive('s2c', Buffer.from(GREETING), t++);
    inspector.receive('c2s', Buffer.from('NOOP'), t++);
    const all = Buffer.from('+\r\n'.repeat(300_000), 'latin1');
    let handedOn = 0;
    for (let at = 0; at < all.length; at += 64 * 1024)
      handedOn += inspector.receive('s2c', all.subarray(at, at + 64 * 1024), t++).length;
    expect(handedOn).toBeGreaterThan(250_000);
  });

  it('the Markdown report of a session with 300,000 lines', () => {
    const lines = Array.from({ length: 300_000 }, (_, i) => `S: -ERR ${i}`);
    const summary = runDialogue([s(GREETING)], wholeChunks).summary;
    expect(markdownReport({ summary, lines, violations: [] })).toContain('S: -ERR 299999');
  });
});

describe('replay --serve never echoes', () => {
  it.each([
    [`APOP  ${HEX}\r\n`, HEX],
    [`AUTH ${b64(`\0bob\0${PW}`)}\r\n`, b64(`\0bob\0${PW}`)],
    ['Top Secret4Ever\r\n', 'Secret4Ever'],
    [`a001 LOGIN bob ${PW}\r\n`, PW],
    [`NOOP${' '.repeat(9000)}\rPASS ${PW}\r\n`, PW],
  ])('%j', (line, secret) => {
    expect(shownLine(Buffer.from(line, 'latin1'))).not.toContain(secret);
  });
});
