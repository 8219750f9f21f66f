/**
 * The replay script built from a capture: every recorded server byte lands in exactly one response, in order,
 * with the recorded chunk boundaries inside each response and the recorded delays; AUTH responses are cut after
 * each challenge; unsolicited data rides with the response before it; an STLS session marks where TLS starts.
 */
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CaptureRecord, dataBytes } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import { type RecordedSession, recordedSessions } from '../../src/replay/script.js';

async function load(file: string): Promise<RecordedSession[]> {
  return recordedSessions(readCapture(createReadStream(file), file));
}

async function* from(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

/** Everything a session's script sends, in order. */
function allServerBytes(s: RecordedSession): Buffer {
  return Buffer.concat([...s.greeting, ...s.steps.flatMap((st) => st.segments.flat())].map((p) => p.bytes));
}

async function recordedStream(file: string, dir: 'c2s' | 's2c'): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const r of readCapture(createReadStream(file), file))
    if (r.type === 'data' && r.dir === dir) parts.push(dataBytes(r));
  return Buffer.concat(parts);
}

const text = (pieces: readonly { bytes: Buffer }[]) => pieces.map((p) => p.bytes.toString('latin1'));

describe('replay script', () => {
  it.each([
    'pipelined',
    'seed-download-and-delete',
    'buggy-server',
    'dovecot-mpop-pipelined',
    'dovecot-fetchmail-delete',
    'auth-login',
  ])('%s: the responses cover the recorded server stream exactly, in order', async (name) => {
    const file = `captures/${name}.jsonl`;
    const [session] = await load(file);
    expect(allServerBytes(session!).equals(await recordedStream(file, 's2c'))).toBe(true);
    const lines = Buffer.concat(session!.steps.flatMap((s) => [s.line, ...s.saslLines]));
    expect(lines.equals(await recordedStream(file, 'c2s'))).toBe(true);
  });

  it('pipelined.jsonl: each response is cut at its transaction boundary, keeping the recorded chunk boundaries inside', async () => {
    const [s] = await load('captures/pipelined.jsonl');
    const by = (line: string) => s!.steps.find((st) => st.tx.command?.line === line)!.segments[0]!;
    expect(text(by('USER bob'))).toEqual(['+OK\r\n']);
    // "+OK Lo" | "gged in.\r\n" was recorded in two chunks 2 ms apart: both kept.
    expect(text(by('PASS <redacted 6 octets>'))).toEqual(['+OK Lo', 'gged in.\r\n']);
    expect(by('PASS <redacted 6 octets>').map((p) => p.delayMs)).toEqual([0, 2]);
    expect(text(by('LIST'))).toEqual(['+OK 2 messages:\r\n1 498\r\n2 9', '12\r\n.\r\n']);
    expect(text(by('UIDL'))).toEqual(['+OK\r\n1 lunch-0001\r\n2 notes-0002\r\n.', '\r\n']);
    expect(text(by('DELE 2'))).toEqual(['+OK Marked to be deleted.\r\n']);
    expect(s!.steps.map((st) => st.tx.command!.pipelined)).toEqual([
      false,
      false,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      true,
      true,
    ]);
  });

  it('delays: the greeting waits from the open, a response from its command, a pipelined one from the previous response', async () => {
    const [s] = await load('captures/seed-download-and-delete.jsonl');
    expect(s!.greeting.map((p) => p.delayMs)).toEqual([40]);
    expect(s!.steps[0]!.segments[0]!.map((p) => p.delayMs)).toEqual([40]);
    const [p] = await load('captures/pipelined.jsonl');
    const stat = p!.steps.find((st) => st.tx.command?.verb === 'STAT')!;
    const list = p!.steps.find((st) => st.tx.command?.verb === 'LIST')!;
    expect(stat.segments[0]!.map((x) => x.delayMs)).toEqual([40]);
    // LIST's first bytes came in the same chunk as STAT's answer: no second wait.
    expect(list.segments[0]!.map((x) => x.delayMs)).toEqual([0, 1]);
  });

  it('AUTH LOGIN: one segment per challenge and one for the final status; the client answers are kept', async () => {
    const [s] = await load('captures/auth-login.jsonl');
    const auth = s!.steps[0]!;
    expect(auth.tx.command!.line).toBe('AUTH LOGIN');
    expect(auth.segments.map(text)).toEqual([
      ['+ VXNlcm5hbWU6\r\n'],
      ['+ UGFzc3dvcmQ6\r\n'],
      ['+OK Logged in.\r\n'],
    ]);
    expect(auth.saslLines.map((l) => l.toString('latin1'))).toEqual(['YWxpY2U=\r\n', 'KioqKioqKioqKg==\r\n']);
  });

  it('CRAM-MD5 (dovecot-curl.jsonl): two sessions, in order; the challenge is its own segment', async () => {
    const sessions = await load('captures/dovecot-curl.jsonl');
    expect(sessions.map((s) => s.id)).toEqual(['s1', 's2']);
    const auth = sessions[1]!.steps[1]!;
    expect(auth.segments).toHaveLength(2);
    expect(text(auth.segments[0]!)[0]).toMatch(/^\+ [A-Za-z0-9+/=]+\r\n$/);
    expect(text(auth.segments[1]!)).toEqual(['+OK Logged in.\r\n']);
  });

  it('data nobody asked for goes out after the response before it; a session without close stays open', async () => {
    const t = 1000;
    const records: CaptureRecord[] = [
      { type: 'open', session: 'x', t, client: 'c', upstream: 'u', tls: 'none' },
      { type: 'data', session: 'x', t: t + 1, dir: 's2c', text: '+OK hi\r\n' },
      { type: 'data', session: 'x', t: t + 2, dir: 'c2s', text: 'NOOP\r\n' },
      { type: 'data', session: 'x', t: t + 3, dir: 's2c', text: '+OK\r\n' },
      { type: 'data', session: 'x', t: t + 9, dir: 's2c', text: '-ERR idle\r\n' },
    ];
    const [s] = await recordedSessions(from(records));
    expect(text(s!.steps[0]!.segments[0]!)).toEqual(['+OK\r\n', '-ERR idle\r\n']);
    expect(s!.steps[0]!.segments[0]!.map((p) => p.delayMs)).toEqual([1, 6]);
    expect(s!.close).toBeNull();
  });

  it('a session that used STLS is marked so, its STLS step starts TLS; --session-like filtering keeps only the wanted one', async () => {
    const records: CaptureRecord[] = [
      { type: 'open', session: 'a', t: 0, client: 'c', upstream: 'u', tls: 'none' },
      { type: 'open', session: 'b', t: 0, client: 'c', upstream: 'u', tls: 'none' },
      { type: 'data', session: 'a', t: 1, dir: 's2c', text: '+OK\r\n' },
      { type: 'data', session: 'a', t: 2, dir: 'c2s', text: 'STLS\r\n' },
      { type: 'data', session: 'a', t: 3, dir: 's2c', text: '+OK go\r\n' },
      { type: 'tls', session: 'a', t: 4, how: 'stls', visibility: 'decrypted' },
      { type: 'data', session: 'b', t: 5, dir: 's2c', text: '+OK b\r\n' },
    ];
    const all = await recordedSessions(from(records));
    expect(all.map((s) => [s.id, s.stls, s.unsupported])).toEqual([
      ['a', true, null],
      ['b', false, null],
    ]);
    expect(all[0]!.steps.map((step) => [step.tx.command?.verb, step.startsTls])).toEqual([['STLS', true]]);
    const only = await recordedSessions(from(records), (id) => id === 'b');
    expect(only.map((s) => s.id)).toEqual(['b']);
  });
});
