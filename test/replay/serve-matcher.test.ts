/**
 * The server-replay matcher, without sockets: matching rules (verb case-insensitive, arguments exact, redacted
 * credentials and AUTH initial responses accept anything), SASL lock-step, the three mismatch policies, the
 * end of the recording, and what counts as "followed".
 */
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import { type Decision, matches, ServeMatcher, shownLine } from '../../src/replay/matcher.js';
import { type RecordedSession, recordedSessions } from '../../src/replay/script.js';

async function load(file: string): Promise<RecordedSession> {
  const [s] = await recordedSessions(readCapture(createReadStream(file), file));
  return s!;
}

async function* from(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

const line = (s: string) => Buffer.from(`${s}\r\n`, 'latin1');
const sent = (d: Decision) =>
  (d.kind === 'answer' ? Buffer.concat(d.pieces.map((p) => p.bytes)) : d.reply).toString('latin1');
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

describe('matching rules', () => {
  it('verbs are case-insensitive, arguments exact; masked credentials accept any value', async () => {
    const s = await load('captures/seed-download-and-delete.jsonl'); // recorded in lower case: "user bob", "pass ******"
    const [user, pass, list] = s.steps;
    expect(matches(user!, line('USER bob'))).toBe(true);
    expect(matches(user!, line('user bob'))).toBe(true);
    expect(matches(user!, line('USER Bob'))).toBe(false);
    expect(matches(user!, line('USER bob extra'))).toBe(false);
    expect(matches(pass!, line('PASS a completely different password'))).toBe(true);
    expect(matches(pass!, line('PASS'))).toBe(false);
    expect(matches(list!, line('LIST'))).toBe(true);
    expect(matches(list!, line('LIST 1'))).toBe(false);
  });

  it('AUTH: the mechanism is compared case-insensitively, the initial response accepts anything', async () => {
    const records: CaptureRecord[] = [
      { type: 'open', session: 'a', t: 0, client: 'c', upstream: 'u', tls: 'none' },
      { type: 'data', session: 'a', t: 1, dir: 's2c', text: '+OK\r\n' },
      { type: 'data', session: 'a', t: 2, dir: 'c2s', text: `AUTH PLAIN ${b64('\0bob\0******')}\r\n` },
      { type: 'data', session: 'a', t: 3, dir: 's2c', text: '+OK in\r\n' },
    ];
    const [s] = await recordedSessions(from(records));
    const auth = s!.steps[0]!;
    expect(matches(auth, line(`auth plain ${b64('\0bob\0hungry')}`))).toBe(true);
    expect(matches(auth, line(`AUTH LOGIN ${b64('bob')}`))).toBe(false);
    expect(matches(auth, line('AUTH PLAIN'))).toBe(false);
  });

  it('a client line is shown with its secrets redacted', () => {
    expect(shownLine(line('PASS hunter2'))).toBe('PASS <redacted 7 octets>');
    expect(shownLine(line('RETR 3'))).toBe('RETR 3');
  });
});

describe('ServeMatcher', () => {
  it('answers a client that follows the recording with the recorded bytes, and closes where the server did', async () => {
    const s = await load('captures/seed-download-and-delete.jsonl');
    const m = new ServeMatcher(s, 'error');
    expect(Buffer.concat(m.greeting().pieces.map((p) => p.bytes)).toString()).toBe(
      '+OK POP3 server ready\r\n',
    );
    const answers = ['USER bob', 'PASS x', 'LIST', 'RETR 1', 'DELE 1', 'RETR 2', 'DELE 2', 'QUIT'].map((l) =>
      m.line(line(l)),
    );
    expect(answers.map((d) => d.kind)).toEqual(Array(8).fill('answer'));
    expect(sent(answers[2]!)).toBe('+OK 2 messages (1410 octets)\r\n1 498\r\n2 912\r\n.\r\n');
    expect(answers.map((d) => d.kind === 'answer' && d.close)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(m.followed).toBe(true);
    expect(m.clientClosed()).toBeNull();
  });

  it('error (default): -ERR [SYS/PERM] naming what the recording expected, and the position stays', async () => {
    const s = await load('captures/seed-download-and-delete.jsonl');
    const m = new ServeMatcher(s, 'error');
    m.line(line('USER bob'));
    m.line(line('PASS x'));
    const d = m.line(line('RETR 3'));
    expect(d.kind).toBe('diverge');
    expect(sent(d)).toBe(
      '-ERR [SYS/PERM] pop3scope replay: recording expected "list" here, got "RETR 3"\r\n',
    );
    expect(d.kind === 'diverge' && d.close).toBe(false);
    expect(d.divergence?.message).toBe('recording expected "list" (#3), got "RETR 3": answered -ERR');
    expect(m.line(line('LIST')).kind).toBe('answer');
    expect(m.followed).toBe(false);
  });

  it('a password in a diverging line is never echoed', async () => {
    const s = await load('captures/seed-download-and-delete.jsonl');
    const m = new ServeMatcher(s, 'error');
    const d = m.line(line('PASS hunter2'));
    expect(sent(d)).toContain('got "PASS <redacted 7 octets>"');
    expect(sent(d)).not.toContain('hunter2');
  });

  it('close: the -ERR, then the connection is closed', async () => {
    const m = new ServeMatcher(await load('captures/seed-download-and-delete.jsonl'), 'close');
    const d = m.line(line('CAPA'));
    expect(d.kind === 'diverge' && d.close).toBe(true);
  });

  it('seek: skips ahead to the next recorded transaction with the same command and reports what it skipped', async () => {
    const m = new ServeMatcher(await load('captures/buggy-server.jsonl'), 'seek');
    expect(sent(m.line(line('CAPA')))).toMatch(
      /^-ERR \[SYS\/PERM\] pop3scope replay: recording expected "USER bob" here, got "CAPA"/,
    );
    m.line(line('USER bob'));
    m.line(line('PASS x'));
    const retr = m.line(line('RETR 1'));
    expect(retr.kind).toBe('answer');
    expect(sent(retr)).toMatch(/^\+OK\r\nFrom: Bug/);
    expect(retr.divergence?.skipped).toEqual(['STAT', 'LIST']);
    expect(m.line(line('DELE 1')).kind).toBe('answer');
    expect(m.followed).toBe(false); // it skipped two transactions
  });

  it('after the recording: every line is a divergence; a client that stops early is one too', async () => {
    const m = new ServeMatcher(await load('captures/buggy-server.jsonl'), 'error');
    for (const l of ['USER bob', 'PASS x', 'STAT', 'LIST', 'RETR 1', 'DELE 1']) m.line(line(l));
    expect(m.followed).toBe(true); // the recorded client vanished after DELE: so may this one
    expect(sent(m.line(line('QUIT')))).toBe(
      '-ERR [SYS/PERM] pop3scope replay: recording has ended here, got "QUIT"\r\n',
    );
    const early = new ServeMatcher(await load('captures/buggy-server.jsonl'), 'error');
    early.line(line('USER bob'));
    expect(early.clientClosed()?.message).toBe(
      'recording expected "PASS <redacted 6 octets>" (#2), the client closed the connection: before the end of the recording',
    );
  });

  it('SASL: each client line releases the next recorded challenge, whatever it holds', async () => {
    const m = new ServeMatcher(await load('captures/auth-login.jsonl'), 'error');
    expect(sent(m.line(line('AUTH LOGIN')))).toBe('+ VXNlcm5hbWU6\r\n');
    expect(sent(m.line(line(b64('someone-else'))))).toBe('+ UGFzc3dvcmQ6\r\n');
    expect(sent(m.line(line(b64('any password'))))).toBe('+OK Logged in.\r\n');
    expect(sent(m.line(line('STAT')))).toBe('+OK 3 180749\r\n');
  });
});
