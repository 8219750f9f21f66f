/**
 * fast-check arbitraries for whole POP3 dialogues: ordinary exchanges around a login in any of the ways
 * clients send credentials — the RFC ways and the broken ones the red team found (bare lines after a failed
 * AUTH, late SASL blobs, answers to "+ " prompts, base64 after a stray +OK, odd spellings of PASS) — plus
 * hostile noise for the live-vs-replay property. Each login carries a marked secret the property looks for.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { c, type Dialogue, GREETING, multiline, type Step, s } from './chunking.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

/** A login: its steps, and the secrets (in the form the client sends them) that must never be shown. */
export interface Login {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly secrets: readonly string[];
}

const answer = (ok: boolean) => s(ok ? '+OK\r\n' : '-ERR no\r\n');

/** Every way of sending the secret `p` that pop3scope must hide, by name. */
export function logins(p: string, ok: boolean): Login[] {
  const apop = createHash('md5').update(`<1896.697170952@example.org>${p}`).digest('hex');
  const cram = createHash('md5').update(p).digest('hex');
  const token = `ya29.${p}`;
  return [
    {
      name: 'USER/PASS',
      steps: [c('USER bob\r\n'), s('+OK\r\n'), c(`PASS ${p}\r\n`), answer(ok)],
      secrets: [p],
    },
    {
      name: 'PASS with spaces',
      steps: [c('USER bob\r\n'), s('+OK\r\n'), c(`pass ${p} ${p}\r\n`), answer(ok)],
      secrets: [p],
    },
    { name: 'APOP', steps: [c(`APOP bob ${apop}\r\n`), answer(ok)], secrets: [apop] },
    {
      name: 'AUTH PLAIN initial',
      steps: [c(`AUTH PLAIN ${b64(`\0bob\0${p}`)}\r\n`), answer(ok)],
      secrets: [p],
    },
    {
      name: 'AUTH PLAIN',
      steps: [c('AUTH PLAIN\r\n'), s('+ \r\n'), c(`${b64(`bob\0bob\0${p}`)}\r\n`), answer(ok)],
      secrets: [p],
    },
    {
      name: 'AUTH LOGIN',
      steps: [
        c('AUTH LOGIN\r\n'),
        s('+ VXNlcm5hbWU6\r\n'),
        c(`${b64('bob')}\r\n`),
        s('+ UGFzc3dvcmQ6\r\n'),
        c(`${b64(p)}\r\n`),
        answer(ok),
      ],
      secrets: [p],
    },
    {
      name: 'AUTH CRAM-MD5',
      steps: [
        c('AUTH CRAM-MD5\r\n'),
        s(`+ ${b64('<1.2@example.org>')}\r\n`),
        c(`${b64(`bob ${cram}`)}\r\n`),
        answer(ok),
      ],
      secrets: [cram],
    },
    {
      name: 'AUTH XOAUTH2 Auth=',
      steps: [c(`AUTH XOAUTH2 ${b64(`user=bob\x01Auth=Bearer ${token}\x01\x01`)}\r\n`), answer(ok)],
      secrets: [token],
    },
    {
      name: 'raw password after a failed AUTH LOGIN',
      steps: [
        c('AUTH LOGIN\r\n'),
        s('+ VXNlcm5hbWU6\r\n'),
        c('bob\r\n'),
        s('-ERR\r\n'),
        c(`${p}\r\n`),
        s('-ERR\r\n'),
      ],
      secrets: [p],
    },
    {
      name: 'base64 after an unknown mechanism was refused',
      steps: [c('AUTH X-UNKNOWNMECH\r\n'), s('-ERR\r\n'), c(`${b64(p)}\r\n`), s('-ERR\r\n')],
      secrets: [p],
    },
    {
      name: 'late PLAIN blob after a cancel',
      steps: [
        c('AUTH PLAIN\r\n'),
        s('+ \r\n'),
        c('*\r\n'),
        s('-ERR\r\n'),
        c(`${b64(`\0bob\0${p}`)}\r\n`),
        s('-ERR\r\n'),
      ],
      secrets: [p],
    },
    {
      name: 'answer to "+ send the password" after USER',
      steps: [c('USER bob\r\n'), s('+ send the password\r\n'), c(`${p}\r\n`), answer(ok)],
      secrets: [p],
    },
    {
      name: 'base64 after a stray +OK',
      steps: [
        c('AUTH LOGIN\r\n'),
        s('+OK\r\n'),
        c(`${b64('bob')}\r\n`),
        s('-ERR\r\n'),
        c(`${b64(p)}\r\n`),
        s('-ERR\r\n'),
      ],
      secrets: [p],
    },
    { name: 'CR before PASS', steps: [c(`\rPASS ${p}\r\n`), answer(ok)], secrets: [p] },
    { name: 'NUL before PASS', steps: [c(`\0PASS ${p}\r\n`), answer(ok)], secrets: [p] },
    { name: 'PASS after a bare CR', steps: [c(`USER bob\rPASS ${p}\r\n`), answer(ok)], secrets: [p] },
    { name: 'spaces before PASS', steps: [c(`${' '.repeat(8200)}PASS ${p}\r\n`), answer(ok)], secrets: [p] },
  ];
}

/** A marked secret: a prefix no protocol text has, then letters and digits (some logins add non-ASCII). */
export const secretArbitrary = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9]{6,14}$/), fc.constantFrom('', 'é', '€', ' x'))
  .map(([core, tail]) => `Zq9${core}${tail}`);

const BODY = ['From: a@example.org', 'Subject: hi', '', '.leading dot', 'text'];

/** Ordinary exchanges, valid in any phase or harmlessly refused. */
const fillers: readonly Dialogue[] = [
  [c('CAPA\r\n'), s('+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\n.\r\n')],
  [c('NOOP\r\n'), s('+OK\r\n')],
  [c('STAT\r\n'), s('+OK 1 120\r\n')],
  [c('LIST\r\n'), s('+OK\r\n1 120\r\n.\r\n')],
  [c('UIDL 1\r\n'), s('+OK 1 abc\r\n')],
  [c('RETR 1\r\n'), s(`+OK\r\n${multiline(BODY)}`)],
  [c('XYZZY\r\n'), s('-ERR unknown\r\n')],
  [c('STAT\r\nNOOP\r\n'), s('+OK 1 120\r\n+OK\r\n')],
];

export const fillerArbitrary = fc.array(fc.constantFrom(...fillers), { maxLength: 3 }).map((d) => d.flat());

/** A dialogue with one login at a random place among ordinary exchanges; the secrets it must hide. */
export const secretDialogueArbitrary = fc
  .tuple(secretArbitrary, fc.boolean(), fc.nat(), fillerArbitrary, fillerArbitrary, fc.boolean())
  .map(([secret, ok, which, before, after, quit]) => {
    const all = logins(secret, ok);
    const login = all[which % all.length]!;
    const dialogue: Step[] = [s(GREETING), ...before, ...login.steps, ...after];
    if (quit) dialogue.push(c('QUIT\r\n'), s('+OK bye\r\n'));
    return { dialogue: dialogue as Dialogue, secrets: login.secrets, name: login.name };
  });

/** Hostile noise: bare endings, long lines, unterminated lines, control bytes, stray continuations. */
const noise: readonly Step[] = [
  c('NOOP\rSTAT\r\n'),
  c('LIST\n'),
  c('USER bob\r'),
  c(`NOOP ${'a'.repeat(9000)}\r\n`),
  c('\x00\x01\x7f\r\n'),
  c('\r\n'),
  s('+OK\n'),
  s('+\r\n'),
  s('+ x\r\n'),
  s('garbage\r\n'),
  s(`+OK ${'b'.repeat(600)}\r\n`),
  s('+OK\r\n1 2\r\n..x\r\n.\r\n'),
  s('-ERR\r'),
];

/** Dialogues for the live-vs-replay property: logins, ordinary exchanges and noise, in any order. */
export const hostileDialogueArbitrary = fc
  .tuple(secretDialogueArbitrary, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...noise)), { maxLength: 4 }))
  .map(([base, extra]) => {
    const steps = [...base.dialogue];
    for (const [at, step] of extra) steps.splice(1 + (at % steps.length), 0, step);
    return steps as Dialogue;
  });
