/**
 * The replay server on real sockets, in process: a client that sends what the recorded client sent gets the
 * recorded server bytes exactly (with the recorded chunk boundaries and delays under --timing recorded); the
 * transcript shows the session and the divergences; `close` hangs up; several sessions are served in turn.
 */
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaptureRecord, dataBytes } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import type { MismatchPolicy } from '../../src/replay/matcher.js';
import { type RecordedSession, recordedSessions } from '../../src/replay/script.js';
import { ReplayServer, type ServedResult, type Timing } from '../../src/replay/serve.js';

const servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function* from(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

async function load(file: string): Promise<RecordedSession[]> {
  return recordedSessions(readCapture(createReadStream(file), file));
}

async function serve(
  sessions: RecordedSession[],
  timing: Timing = 'fast',
  onMismatch: MismatchPolicy = 'error',
) {
  const out = new PassThrough();
  let transcript = '';
  out.on('data', (d: Buffer) => {
    transcript += d.toString();
  });
  const results: ServedResult[] = [];
  const server = await ReplayServer.start({
    sessions,
    listen: { host: '127.0.0.1', port: 0 },
    timing,
    onMismatch,
    source: 'test.jsonl',
    out,
    colour: false,
  });
  server.onServed = (r) => results.push(r);
  servers.push(server);
  return { port: server.address().port, transcript: () => transcript, results };
}

/** A client that sends `chunks` one by one (each after the server's bytes went quiet) and keeps every read. */
async function talk(
  port: number,
  chunks: readonly Buffer[],
  quietMs = 60,
): Promise<{ reads: Buffer[]; closed: boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const reads: Buffer[] = [];
  let last = Date.now();
  let closed = false;
  socket.on('data', (d: Buffer) => {
    reads.push(d);
    last = Date.now();
  });
  const ended = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const quiet = async () => {
    while (Date.now() - last < quietMs || reads.length === 0) await new Promise((r) => setTimeout(r, 10));
  };
  for (const c of chunks) {
    await quiet();
    if (closed) break;
    socket.write(c);
  }
  await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
  socket.destroy();
  return { reads, closed };
}

async function recordedChunks(file: string, dir: 'c2s' | 's2c'): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const r of readCapture(createReadStream(file), file))
    if (r.type === 'data' && r.dir === dir) out.push(dataBytes(r));
  return out;
}

describe('replay --serve on a socket', () => {
  it('a client sending what the recorded client sent gets the recorded server stream byte for byte, and has followed it', async () => {
    for (const name of ['pipelined', 'seed-download-and-delete', 'dovecot-mpop-pipelined']) {
      const file = `captures/${name}.jsonl`;
      const { port, results, transcript } = await serve(await load(file));
      const { reads, closed } = await talk(port, await recordedChunks(file, 'c2s'));
      expect(Buffer.concat(reads).equals(Buffer.concat(await recordedChunks(file, 's2c'))), name).toBe(true);
      expect(closed, 'the recorded server closed after QUIT: so does the replay').toBe(true);
      await vi_waitFor(() => results.length === 1);
      expect(results[0]).toMatchObject({ id: 'r1', recorded: 's1', followed: true, divergences: [] });
      expect(transcript()).toContain('[r1] replay: the client followed the recording of s1 to the end');
      expect(transcript()).toMatch(/\[r1\] C: PASS <redacted 6 octets>/i);
    }
  });

  it('--timing recorded keeps the recorded chunk boundaries and delays; fast sends at once', async () => {
    const records: CaptureRecord[] = [
      { type: 'open', session: 't', t: 0, client: 'c', upstream: 'u', tls: 'none' },
      { type: 'data', session: 't', t: 200, dir: 's2c', text: '+OK Lo' },
      { type: 'data', session: 't', t: 450, dir: 's2c', text: 'gged in.\r\n' },
      { type: 'close', session: 't', t: 500, by: 'server', reason: 'bye' },
    ];
    const sessions = await recordedSessions(from(records));
    const slow = await serve(sessions, 'recorded');
    const start = Date.now();
    const { reads } = await talk(slow.port, []);
    const took = Date.now() - start;
    expect(reads.map((r) => r.toString())).toEqual(['+OK Lo', 'gged in.\r\n']);
    expect(took).toBeGreaterThanOrEqual(430);
    const fast = await serve(sessions, 'fast');
    const t0 = Date.now();
    const quick = await talk(fast.port, []);
    expect(Buffer.concat(quick.reads).toString()).toBe('+OK Logged in.\r\n');
    expect(Date.now() - t0).toBeLessThan(400);
  });

  it('a diverging client gets -ERR [SYS/PERM]; the divergence is a transcript line; the client did not follow', async () => {
    const { port, transcript, results } = await serve(await load('captures/seed-download-and-delete.jsonl'));
    const lines = ['USER bob\r\n', 'PASS whatever\r\n', 'LIST\r\n', 'RETR 2\r\n', 'QUIT\r\n'].map((l) =>
      Buffer.from(l),
    );
    const { reads } = await talk(port, lines);
    const got = Buffer.concat(reads).toString();
    expect(got).toContain(
      '-ERR [SYS/PERM] pop3scope replay: recording expected "retr 1" here, got "RETR 2"\r\n',
    );
    expect(got).toContain(
      '-ERR [SYS/PERM] pop3scope replay: recording expected "retr 1" here, got "QUIT"\r\n',
    );
    await vi_waitFor(() => results.length === 1);
    expect(results[0]!.followed).toBe(false);
    expect(results[0]!.divergences.map((d) => d.got)).toEqual(['RETR 2', 'QUIT', null]);
    const t = transcript();
    expect(t).toContain(
      '[r1] ! POP3_REPLAY_DIVERGENCE (error, docs/replay.md): the client did not follow the recording it was replayed against: recording expected "retr 1" (#4), got "RETR 2": answered -ERR',
    );
    // The divergence follows the transaction that shows the -ERR.
    expect(t.indexOf('POP3_REPLAY_DIVERGENCE')).toBeGreaterThan(t.indexOf('[r1] C: RETR 2'));
    expect(t).not.toContain('whatever');
  });

  it('--on-mismatch close: the -ERR, then the connection ends', async () => {
    const { port } = await serve(await load('captures/seed-download-and-delete.jsonl'), 'fast', 'close');
    const { reads, closed } = await talk(port, [Buffer.from('CAPA\r\n'), Buffer.from('USER bob\r\n')]);
    expect(Buffer.concat(reads).toString()).toBe(
      '+OK POP3 server ready\r\n-ERR [SYS/PERM] pop3scope replay: recording expected "user bob" here, got "CAPA"\r\n',
    );
    expect(closed).toBe(true);
  });

  it('several sessions are served in turn, one per connection, starting over after the last', async () => {
    const { port } = await serve(await load('captures/dovecot-curl.jsonl'));
    const greetings: string[] = [];
    for (let i = 0; i < 3; i++)
      greetings.push(
        Buffer.concat((await talk(port, [Buffer.from('QUIT\r\n')])).reads)
          .toString()
          .split('\r\n')[0]!,
      );
    expect(greetings[0]).toContain('<7732.2.');
    expect(greetings[1]).toContain('<7732.3.');
    expect(greetings[2]).toBe(greetings[0]);
  });
});

async function vi_waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
