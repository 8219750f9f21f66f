/**
 * A packet trace's records hold what was on the wire, password included (a pop3scope capture's are masked when
 * written). What `replay` keeps of a session — the lines it compares and sends, the bytes it serves — is the
 * engine's masked stream, so a trace's password is never served, sent to a server or shown again.
 */
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/capture/input.js';
import { recordedSessions } from '../../src/replay/script.js';
import { ep, TraceBuilder } from '../capture/pcap/traceBuild.js';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('replay of a packet trace', () => {
  it('keeps the masked stream: no password in any line or piece it would send or serve', async () => {
    const b = new TraceBuilder();
    b.open('a', ep('192.0.2.7', 50110), ep('198.51.100.2', 110));
    b.s('a', '+OK hi\r\n');
    b.c('a', 'USER bob\r\n');
    b.s('a', '+OK\r\n');
    b.c('a', 'PASS hungry\r\n');
    b.s('a', '+OK in\r\n');
    b.c('a', 'AUTH PLAIN AGJvYgBodW5ncnk=\r\n');
    b.s('a', '-ERR already\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('a', 'client');
    const [session] = await recordedSessions(readRecords(once(b.file()), 'trace.pcapng'));
    expect(session!.unsupported).toBeNull();
    const lines = session!.steps.map((s) => s.line.toString('latin1'));
    expect(lines).toEqual([
      'USER bob\r\n',
      'PASS ******\r\n',
      // PLAIN's password masked inside its base64, as the engine masks it everywhere ("\0bob\0******").
      'AUTH PLAIN AGJvYgAqKioqKio=\r\n',
      'QUIT\r\n',
    ]);
    const everything = [
      ...lines,
      ...session!.greeting.map((p) => p.bytes.toString('latin1')),
      ...session!.steps.flatMap((s) => s.segments.flat().map((p) => p.bytes.toString('latin1'))),
    ].join('');
    for (const secret of ['hungry', 'AGJvYgBodW5ncnk=']) expect(everything).not.toContain(secret);
  });
});
