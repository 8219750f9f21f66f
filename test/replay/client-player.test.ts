/**
 * The client-replay player, without sockets: it sends the recorded commands lock-step or pipelined as
 * recorded, rebuilds every redacted credential from the given user and password (PASS, APOP over the NEW
 * greeting, AUTH PLAIN/LOGIN/CRAM-MD5 over the NEW challenges), and says what a session needs beforehand.
 */
import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import { ClientPlayer } from '../../src/replay/client.js';
import { type Credentials, needs } from '../../src/replay/credentials.js';
import { type RecordedSession, recordedSessions } from '../../src/replay/script.js';

async function load(file: string): Promise<RecordedSession[]> {
  return recordedSessions(readCapture(createReadStream(file), file));
}

async function* from(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

/** A recorded session from alternating server/client texts (server first). */
async function recorded(turns: string[]): Promise<RecordedSession> {
  const records: CaptureRecord[] = [
    { type: 'open', session: 's1', t: 0, client: 'c', upstream: 'u', tls: 'none' },
  ];
  for (const [i, text] of turns.entries())
    records.push({ type: 'data', session: 's1', t: i + 1, dir: i % 2 === 0 ? 's2c' : 'c2s', text });
  records.push({ type: 'close', session: 's1', t: turns.length + 1, by: 'server', reason: 'bye' });
  const [s] = await recordedSessions(from(records));
  return s!;
}

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const unb64 = (s: string) => Buffer.from(s.trim(), 'base64').toString('latin1');

/** Drives a player with server texts; returns what it sent after each (null: nothing). */
function drive(session: RecordedSession, creds: Credentials, serverTexts: string[]): (string | null)[] {
  const player = new ClientPlayer(session, 'n1', creds, { client: 'c', upstream: 'u' }, 0);
  return serverTexts.map(
    (text, i) => player.receive(Buffer.from(text, 'latin1'), i + 1).send?.toString('latin1') ?? null,
  );
}

describe('ClientPlayer', () => {
  it('lock-step: one command per answer; PASS carries the given password', async () => {
    const [s] = await load('captures/dovecot-fetchmail-keep.jsonl');
    const sent = drive(s!, { password: 'hungry' }, [
      '+OK hi\r\n',
      '+OK\r\n',
      '+OK Logged in.\r\n',
      '+OK 2 1410\r\n',
    ]);
    expect(sent).toEqual(['USER bob\r\n', 'PASS hungry\r\n', 'STAT\r\n', 'LIST 1\r\n']);
  });

  it('pipelined where the recording pipelined, in one write: USER+PASS, RETR 1+RETR 2, DELE 1+DELE 2', async () => {
    const [s] = await load('captures/dovecot-mpop-pipelined.jsonl');
    const sent = drive(s!, { password: 'hungry' }, [
      '+OK hi\r\n',
      '+OK\r\nUSER\r\nPIPELINING\r\n.\r\n',
      '+OK\r\n',
      '+OK Logged in.\r\n',
      '+OK 2 1410\r\n',
      '+OK\r\n1 498\r\n2 912\r\n.\r\n',
      '+OK\r\n1 a\r\n2 b\r\n.\r\n',
      '+OK\r\nbody\r\n.\r\n',
      '+OK\r\nbody 2\r\n.\r\n',
      '+OK\r\n',
      '+OK\r\n',
    ]);
    expect(sent).toEqual([
      'CAPA\r\n',
      'USER bob\r\nPASS hungry\r\n',
      null,
      'STAT\r\n',
      'LIST\r\n',
      'UIDL\r\n',
      'RETR 1\r\nRETR 2\r\n',
      null,
      'DELE 1\r\nDELE 2\r\n',
      null,
      'QUIT\r\n',
    ]);
  });

  it('--user replaces the recorded user; the recorded spelling of the verb is kept', async () => {
    const [s] = await load('captures/seed-download-and-delete.jsonl');
    expect(drive(s!, { user: 'alice', password: 'wonderland' }, ['+OK\r\n', '+OK\r\n'])).toEqual([
      'user alice\r\n',
      'pass wonderland\r\n',
    ]);
  });

  it('APOP: the digest is computed over the NEW greeting’s timestamp', async () => {
    const s = await recorded(['+OK <1.1@old>\r\n', `APOP bob ${'*'.repeat(32)}\r\n`, '+OK\r\n']);
    const [line] = drive(s, { password: 'hungry' }, ['+OK POP3 <77.88@new>\r\n']);
    const digest = createHash('md5').update('<77.88@new>hungry').digest('hex');
    expect(line).toBe(`APOP bob ${digest}\r\n`);
  });

  it('AUTH CRAM-MD5: the answer is the HMAC of the NEW challenge', async () => {
    const [, s2] = await load('captures/dovecot-curl.jsonl');
    const challenge = '<42.43@new>';
    const sent = drive(s2!, { password: 'hungry' }, [
      '+OK hi\r\n',
      '+OK\r\nSASL CRAM-MD5\r\n.\r\n',
      `+ ${b64(challenge)}\r\n`,
    ]);
    expect(sent.slice(0, 2)).toEqual(['CAPA\r\n', 'AUTH CRAM-MD5\r\n']);
    expect(unb64(sent[2]!)).toBe(`bob ${createHmac('md5', 'hungry').update(challenge).digest('hex')}`);
  });

  it('AUTH LOGIN: the user name for "Username:", the password for "Password:"', async () => {
    const [s] = await load('captures/auth-login.jsonl');
    const sent = drive(s!, { password: 'wonderland' }, [
      '+OK\r\n',
      `+ ${b64('Username:')}\r\n`,
      `+ ${b64('Password:')}\r\n`,
      '+OK in\r\n',
    ]);
    expect(sent.map((x) => (x === 'AUTH LOGIN\r\n' || x === 'STAT\r\n' ? x : unb64(x!)))).toEqual([
      'AUTH LOGIN\r\n',
      'alice',
      'wonderland',
      'STAT\r\n',
    ]);
  });

  it('AUTH PLAIN with an initial response: rebuilt with the recorded authzid, the given user and password', async () => {
    const s = await recorded(['+OK\r\n', `AUTH PLAIN ${b64('admin\0bob\0******')}\r\n`, '+OK\r\n']);
    const [line] = drive(s, { user: 'carol', password: 'pw' }, ['+OK\r\n']);
    expect(line!.startsWith('AUTH PLAIN ')).toBe(true);
    expect(unb64(line!.slice('AUTH PLAIN '.length))).toBe('admin\0carol\0pw');
  });

  it('APOP against a greeting without a timestamp: the replay stops with a reason', async () => {
    const s = await recorded(['+OK <1.1@old>\r\n', `APOP bob ${'*'.repeat(32)}\r\n`, '+OK\r\n']);
    const player = new ClientPlayer(s, 'n1', { password: 'x' }, { client: 'c', upstream: 'u' }, 0);
    const out = player.receive(Buffer.from('+OK no timestamp here\r\n'), 1);
    expect(out.send).toBeNull();
    expect(out.problem).toBe(
      "APOP bob <redacted 32 octets> (#1): cannot replay APOP: the server's greeting has no <timestamp>",
    );
    expect(player.done).toBe(true);
  });

  it('the new session is inspected with its secrets masked', async () => {
    const [s] = await load('captures/dovecot-fetchmail-keep.jsonl');
    const player = new ClientPlayer(s!, 'n1', { password: 'hungry' }, { client: 'c', upstream: 'u' }, 0);
    const events = [
      ...player.receive(Buffer.from('+OK\r\n'), 1).events,
      ...player.receive(Buffer.from('+OK\r\n'), 2).events,
    ];
    const data = events.flatMap((e) => (e.type === 'data' ? [e.bytes.toString('latin1')] : [])).join('');
    expect(data).toBe('+OK\r\nUSER bob\r\n+OK\r\nPASS ******\r\n');
  });
});

describe('needs', () => {
  it('says whether a password is needed and which user the recording shows', async () => {
    const [keep] = await load('captures/dovecot-fetchmail-keep.jsonl');
    expect(needs(keep!)).toEqual({ password: true, user: 'bob', problems: [] });
    const [login] = await load('captures/auth-login.jsonl');
    expect(needs(login!)).toEqual({ password: true, user: 'alice', problems: [] });
    const anonymous = await recorded(['+OK\r\n', `AUTH ANONYMOUS ${b64('guest')}\r\n`, '+OK\r\n']);
    expect(needs(anonymous)).toMatchObject({ password: false, problems: [] });
  });

  it('refuses mechanisms whose redacted secrets cannot be rebuilt', async () => {
    const s = await recorded([
      '+OK\r\n',
      `AUTH XOAUTH2 ${b64('user=bob\x01auth=Bearer ******\x01\x01')}\r\n`,
      '+OK\r\n',
    ]);
    expect(needs(s).problems).toEqual([
      'AUTH XOAUTH2 cannot be replayed: its secrets were redacted, and pop3scope rebuilds only PLAIN, LOGIN and CRAM-MD5 answers',
    ]);
  });
});

describe('ClientPlayer and STLS', () => {
  /** CAPA, STLS, then inside TLS: USER, PASS, QUIT. */
  async function stlsSession(): Promise<RecordedSession> {
    const text = (t: number, dir: 'c2s' | 's2c', s: string): CaptureRecord => ({
      type: 'data',
      session: 's1',
      t,
      dir,
      text: s,
    });
    const records: CaptureRecord[] = [
      { type: 'open', session: 's1', t: 0, client: 'c', upstream: 'u', tls: 'none' },
      text(1, 's2c', '+OK hi\r\n'),
      text(2, 'c2s', 'CAPA\r\n'),
      text(3, 's2c', '+OK\r\nSTLS\r\n.\r\n'),
      text(4, 'c2s', 'STLS\r\n'),
      text(5, 's2c', '+OK go\r\n'),
      { type: 'tls', session: 's1', t: 6, how: 'stls', visibility: 'decrypted' },
      text(7, 'c2s', 'USER bob\r\n'),
      text(8, 's2c', '+OK\r\n'),
      text(9, 'c2s', 'PASS ******\r\n'),
      text(10, 's2c', '+OK in\r\n'),
      text(11, 'c2s', 'QUIT\r\n'),
      text(12, 's2c', '+OK bye\r\n'),
      { type: 'close', session: 's1', t: 13, by: 'server', reason: 'bye' },
    ];
    const [s] = await recordedSessions(from(records));
    return s!;
  }
  const creds: Credentials = { password: 'hungry' };

  it('sends nothing after STLS until TLS has started, then goes on inside it', async () => {
    const player = new ClientPlayer(await stlsSession(), 'n1', creds, { client: 'c', upstream: 'u' }, 0);
    const say = (s: string, t: number) => player.receive(Buffer.from(s), t);
    expect(say('+OK hi\r\n', 1).send?.toString()).toBe('CAPA\r\n');
    expect(say('+OK\r\nSTLS\r\n.\r\n', 2).send?.toString()).toBe('STLS\r\n');
    const accepted = say('+OK go\r\n', 3);
    expect(accepted).toMatchObject({ send: null, startTls: true, problem: null });
    expect(player.done).toBe(false);
    const inside = player.tlsStarted(4);
    expect(inside.send?.toString()).toBe('USER bob\r\n');
    expect(inside.startTls).toBe(false);
    expect(inside.events.some((e) => e.type === 'tls' && e.info.how === 'stls')).toBe(true);
    expect(say('+OK\r\n', 5).send?.toString()).toBe('PASS hungry\r\n');
  });

  it('a server that refuses STLS ends the replay: what was recorded inside TLS is never sent in cleartext', async () => {
    const player = new ClientPlayer(await stlsSession(), 'n1', creds, { client: 'c', upstream: 'u' }, 0);
    player.receive(Buffer.from('+OK hi\r\n'), 1);
    player.receive(Buffer.from('+OK\r\n.\r\n'), 2);
    const refused = player.receive(Buffer.from('-ERR not now\r\n'), 3);
    expect(refused.send).toBeNull();
    expect(refused.startTls).toBe(false);
    expect(refused.problem).toBe(
      'the server refused STLS (-ERR not now): the rest of the recording was inside TLS and is not sent in cleartext',
    );
    expect(player.done).toBe(true);
  });
});
